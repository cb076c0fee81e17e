"""Derivatives of evidentiary media for people to look at: small, greyscale, heavily blurred.

They are separate artifacts; the evidentiary bytes are never altered.
"""

from __future__ import annotations

import io
import warnings
from typing import Final

from PIL import Image, ImageFilter, ImageOps

MAX_SOURCE_PIXELS: Final = 64_000_000

_SIGNATURES: Final = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"BM", "image/bmp", "bmp"),
    (b"\x1aE\xdf\xa3", "video/webm", "webm"),
)


class DerivativeError(ValueError):
    """The bytes are not an image we can make a thumbnail of."""


def sniff_media_type(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """(media type, file extension) from the leading bytes, else the declared type."""
    for magic, media_type, ext in _SIGNATURES:
        if data.startswith(magic):
            return media_type, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"avif", b"avis"):
            return "image/avif", "avif"
        return ("video/quicktime", "mov") if brand == b"qt  " else ("video/mp4", "mp4")
    if declared:
        media_type = declared.split(";")[0].strip().lower()
        return media_type, media_type.rsplit("/", 1)[-1][:8] or "bin"
    return "application/octet-stream", "bin"


def blurred_thumbnail(data: bytes, *, max_side: int = 160, blur: float = 0.08) -> bytes:
    """A PNG thumbnail: greyscale, at most ``max_side`` px, blurred by ``blur`` of its size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data))
            if source.width * source.height > MAX_SOURCE_PIXELS:
                raise DerivativeError(f"image too large: {source.width}x{source.height}")
            source.draft("L", (max_side * 2, max_side * 2))
            image = ImageOps.exif_transpose(source).convert("L")
    except (OSError, Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise DerivativeError(f"not a decodable image: {exc}") from exc
    image.thumbnail((max_side, max_side))
    radius = max(2.0, blur * max(image.size))
    image = image.filter(ImageFilter.GaussianBlur(radius))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def placeholder_thumbnail(size: int = 160) -> bytes:
    """A neutral grey square where no image could be made (a video, an unreadable file)."""
    out = io.BytesIO()
    Image.new("L", (size, size), 200).save(out, format="PNG")
    return out.getvalue()
