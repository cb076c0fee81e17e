"""Encoding benign test pictures."""

from __future__ import annotations

import io

from PIL import Image


def jpeg(img: Image.Image, quality: int = 90) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()
