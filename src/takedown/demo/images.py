"""Benign demonstration pictures: smooth generated patterns, and the edited copies a re-upload makes."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps


def pattern(seed: int, size: int = 512) -> Image.Image:
    """A colourful abstract picture, different for every seed (nothing but shapes and colour)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(6, 6, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize((size, size), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = (int(v) for v in rng.integers(0, size, 2))
        r = int(rng.integers(size // 16, size // 5))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        else:
            draw.rectangle((x - r, y - r, x + r, y + r // 2), fill=colour)
    return img.filter(ImageFilter.GaussianBlur(1.5))


def edited(img: Image.Image, how: str) -> Image.Image:
    """The kind of copy a re-upload makes."""
    w, h = img.size
    if how == "resize":
        return img.resize((w * 3 // 5, h * 3 // 5))
    if how == "crop":
        return img.crop((w // 20, h // 20, w - w // 20, h - h // 20))
    if how == "flip":
        return ImageOps.mirror(img)
    if how == "watermark":
        out = img.copy()
        ImageDraw.Draw(out).text((10, h - 30), "reposted by somebody", fill=(255, 255, 255))
        return out
    return img


def jpeg(img: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()
