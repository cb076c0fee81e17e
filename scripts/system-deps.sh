#!/usr/bin/env bash
# Installs the Debian packages takedown needs, only those that are missing.
# chromium + fonts-noto-cjk: browser capture with CJK glyphs; ffmpeg + libav*-dev + pkg-config: the
# vpdq build and video decoding; libchromaprint-tools: fpcalc, the sound track's Chromaprint (the
# second video signal; libchromaprint1 is the library the decoder worker calls); poppler-utils: pdftoppm for report tests; postgresql + redis-server:
# the scaled deployment's engines, which the test suite also runs against.
# dovecot-imapd: the throwaway IMAP server of the mailbox tests (never started as a service).
# microsocks: a real SOCKS5 server for the onion-source test; tesseract-ocr + language data: OCR
# of text burned into images.
# npm: installs axe-core (accessibility checks of the review UI) into .cache/npm.
set -euo pipefail
need=(chromium fonts-noto-cjk ffmpeg libavdevice-dev libavfilter-dev libavformat-dev libavcodec-dev
      libswresample-dev libswscale-dev libavutil-dev libchromaprint-tools libchromaprint1 pkg-config poppler-utils
      redis-server postgresql npm dovecot-imapd microsocks tesseract-ocr tesseract-ocr-eng
      tesseract-ocr-kor tesseract-ocr-jpn tesseract-ocr-chi-sim tesseract-ocr-rus tesseract-ocr-vie)
missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# PostgreSQL may be present without Debian's meta-package (initdb on PATH is enough).
if [[ " ${missing[*]} " == *" postgresql "* ]] && compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  missing=("${missing[@]/postgresql}")
fi
# npm may come from NodeSource or nvm rather than Debian: the command on PATH is enough.
if [[ " ${missing[*]} " == *" npm "* ]] && command -v npm >/dev/null; then
  missing=("${missing[@]/npm}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
