"""Text inside images: Tesseract on a safely decoded copy, bounded in time and size.

The image is decoded by :func:`takedown.media.decode.decode_image` (format allow-list, pixel
bound, upright, reduced to at most ``max_side``) and handed to ``tesseract`` as a fresh PNG on
its stdin, so Tesseract never parses the hostile file itself. Each run has a wall-clock
timeout (the process is killed after it) and one thread (``OMP_THREAD_LIMIT=1``); a failure is
a result with an error, never an exception. Language packs come from Debian
(``tesseract-ocr-kor``, ``-eng``, ``-jpn``, ``-chi-sim``, ``-rus``, ``-vie``).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from dataclasses import dataclass

from takedown.media.decode import ImageLimits, decode_image
from takedown.media.errors import MediaError

__all__ = ["OcrResult", "languages_for", "ocr_available", "ocr_image"]

# Page language -> Tesseract languages (English always, for handles and URLs).
_BY_LANGUAGE = {
    "ko": "kor+eng",
    "ja": "jpn+eng",
    "zh": "chi_sim+eng",
    "ru": "rus+eng",
    "vi": "vie+eng",
    "en": "eng",
}
DEFAULT_LANGUAGES = "kor+eng"
MAX_TEXT = 20_000


@dataclass(frozen=True)
class OcrResult:
    text: str
    languages: str
    seconds: float
    error: str | None = None


def ocr_available(binary: str = "tesseract") -> bool:
    return shutil.which(binary) is not None


def languages_for(page_language: str | None, configured: str | None = None) -> str:
    """The Tesseract languages for an image on a page in ``page_language``."""
    if configured:
        return configured
    return _BY_LANGUAGE.get((page_language or "").split("-")[0].lower(), DEFAULT_LANGUAGES)


def ocr_image(
    data: bytes,
    *,
    languages: str = DEFAULT_LANGUAGES,
    timeout: float = 20.0,
    max_side: int = 2000,
    max_pixels: int = 64_000_000,
    binary: str = "tesseract",
) -> OcrResult:
    """The text Tesseract reads in ``data`` (an image file), within ``timeout`` seconds."""
    started = time.monotonic()
    try:
        decoded = decode_image(
            data, ImageLimits(max_pixels=max_pixels, max_frames=1, max_side=max_side)
        )
    except MediaError as exc:
        return OcrResult("", languages, time.monotonic() - started, f"not an image: {exc}")
    png = io.BytesIO()
    decoded.image.save(png, "PNG")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            [binary, "stdin", "stdout", "-l", languages, "--psm", "3"],
            input=png.getvalue(),
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return OcrResult("", languages, time.monotonic() - started, f"timeout after {timeout:g} s")
    except OSError as exc:
        return OcrResult("", languages, time.monotonic() - started, f"tesseract: {exc}")
    seconds = time.monotonic() - started
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return OcrResult(
            "",
            languages,
            seconds,
            f"tesseract failed: {message[-1] if message else done.returncode}",
        )
    text = done.stdout.decode("utf-8", "replace")[:MAX_TEXT]
    return OcrResult(_tidy(text), languages, seconds)


def _tidy(text: str) -> str:
    """Tesseract's lines joined; it puts spaces between Hangul syllables it reads apart."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())
