#!/usr/bin/env bash
# Installs the Debian packages takedown needs, only those that are missing.
# chromium + fonts-noto-cjk: browser capture with CJK glyphs; ffmpeg + libav*-dev + pkg-config: the
# vpdq build and video decoding; poppler-utils: pdftoppm for report tests; postgresql + redis-server:
# the scaled deployment's engines, which the test suite also runs against. microsocks: a real SOCKS5
# server for the onion-source test. tesseract-ocr + language data: OCR of text burned into images.
set -euo pipefail
need=(chromium fonts-noto-cjk ffmpeg libavdevice-dev libavfilter-dev libavformat-dev libavcodec-dev
      libswresample-dev libswscale-dev libavutil-dev pkg-config poppler-utils redis-server postgresql
      microsocks tesseract-ocr tesseract-ocr-eng tesseract-ocr-kor tesseract-ocr-jpn
      tesseract-ocr-chi-sim tesseract-ocr-rus tesseract-ocr-vie)
missing=()
for pkg in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# PostgreSQL may be present without Debian's meta-package (initdb on PATH is enough).
if [[ " ${missing[*]} " == *" postgresql "* ]] && compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  missing=("${missing[@]/postgresql}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
