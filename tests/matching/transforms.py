"""Edits that re-uploads bring, applied to benign sample images (test helper, not a test)."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter, ImageOps


def jpeg(image: Image.Image, quality: int = 70) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def crop(image: Image.Image, fraction: float) -> Image.Image:
    w, h = image.size
    dx, dy = round(w * fraction), round(h * fraction)
    return image.crop((dx, dy, w - dx, h - dy))


def pad(
    image: Image.Image, fraction: float, colour: tuple[int, int, int] = (0, 0, 0)
) -> Image.Image:
    w, h = image.size
    dx, dy = round(w * fraction), round(h * fraction)
    canvas = Image.new("RGB", (w + 2 * dx, h + 2 * dy), colour)
    canvas.paste(image, (dx, dy))
    return canvas


def screenshot(image: Image.Image) -> Image.Image:
    """The picture shown smaller inside a made-up page with bars, text and buttons."""
    page = Image.new("RGB", (1280, 860), (246, 246, 248))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 1280, 60), fill=(40, 60, 120))
    draw.text((20, 20), "zebrafold  wintermoss  quillary", fill=(255, 255, 255))
    for row in range(12):
        draw.text((900, 120 + row * 40), f"lorem item {row} brassica", fill=(30, 30, 30))
    draw.rectangle((860, 90, 1270, 850), outline=(200, 200, 200))
    page.paste(image.resize((560, round(560 * image.height / image.width))), (140, 120))
    return page


def collage(image: Image.Image, others: list[Image.Image]) -> Image.Image:
    """Four pictures in a 2x2 grid, each cropped to a square tile as collage apps do."""
    tiles = [image, *others[:3]]
    canvas = Image.new("RGB", (1024, 1024))
    for k, tile in enumerate(tiles):
        canvas.paste(ImageOps.fit(tile, (512, 512)), ((k % 2) * 512, (k // 2) * 512))
    return canvas


HASH_EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "jpeg": lambda im: jpeg(im, 40),
    "resize": lambda im: im.resize((im.width // 2, im.height // 2)),
    "blur": lambda im: im.filter(ImageFilter.GaussianBlur(1.5)),
    "flip": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    "rotate90": lambda im: im.transpose(Image.Transpose.ROTATE_90),
    "crop5": lambda im: crop(im, 0.05),
    "pad20": lambda im: pad(im, 0.2),
    "pad20white": lambda im: pad(im, 0.2, (255, 255, 255)),
    "rotate4": lambda im: im.rotate(4, resample=Image.Resampling.BILINEAR),
    "rotate-4": lambda im: im.rotate(-4, resample=Image.Resampling.BILINEAR),
}
