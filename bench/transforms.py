"""The image edits of the matching benchmark: Thorn's perception set plus harder re-upload edits.

Each transform takes an RGB image, a seeded ``random.Random`` and a supply of unrelated filler
images (for the collage), and returns the edited RGB image. Parameters are fixed so every
method sees the same queries.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

Filler = Callable[[], Image.Image]
Transform = Callable[[Image.Image, random.Random, Filler], Image.Image]


def jpeg(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=rng.randint(25, 40))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def resize(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    scale = rng.choice((0.4, 0.5, 1.6))
    w, h = image.size
    return image.resize((round(w * scale), round(h * scale)), Image.Resampling.BILINEAR)


def blur(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius=rng.uniform(1.5, 3.0)))


def gamma(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    g = rng.choice((0.5, 0.7, 1.5, 2.0))
    lut = [round(255 * (i / 255) ** g) for i in range(256)] * 3
    return image.point(lut)


def noise(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    arr = np.asarray(image, dtype=np.float32)
    noisy = arr + np.random.default_rng(rng.getrandbits(32)).normal(0, 12, arr.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def watermark(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    w, h = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = ImageFont.load_default(size=max(12, h // 8))
    draw.text(
        (rng.randint(0, w // 4), rng.randint(h // 4, h // 2)),
        "zorbly.example",
        fill=(255, 255, 255, 150),
        font=font,
    )
    return Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")


def rotate4(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    # Keep the frame: corners go black and edges are lost, as when a photo is re-shot tilted.
    return image.rotate(rng.choice((-4.0, 4.0)), resample=Image.Resampling.BILINEAR, expand=False)


def _crop(image: Image.Image, rng: random.Random, keep: float) -> Image.Image:
    w, h = image.size
    cw, ch = round(w * keep), round(h * keep)
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    return image.crop((x, y, x + cw, y + ch))


def crop5(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    """Keep 95% of each side, off-centre."""
    return _crop(image, rng, 0.95)


def crop20(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    """Keep 80% of each side, off-centre."""
    return _crop(image, rng, 0.80)


def pad20(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    """Add 20% of each side as a uniform border, unevenly split."""
    w, h = image.size
    pw, ph = round(w * 0.2), round(h * 0.2)
    colour = rng.choice(((0, 0, 0), (255, 255, 255), (rng.randint(0, 255),) * 3))
    out = Image.new("RGB", (w + pw, h + ph), colour)
    out.paste(image, (rng.randint(0, pw), rng.randint(0, ph)))
    return out


def flip(image: Image.Image, _rng: random.Random, _: Filler) -> Image.Image:
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def rotate90(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    return image.transpose(rng.choice((Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270)))


def screenshot(image: Image.Image, rng: random.Random, _: Filler) -> Image.Image:
    """The image shown inside a made-up page: title bar, side bar, caption text, at 1280x800."""
    page = Image.new("RGB", (1280, 800), (245, 245, 245))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 1280, 56), fill=(40, 44, 52))
    draw.text((20, 18), "quillon board - thread 4471", fill=(230, 230, 230))
    draw.rectangle((0, 56, 220, 800), fill=(225, 228, 232))
    for k in range(12):
        draw.text((16, 80 + 48 * k), f"plorvex topic {k + 1}", fill=(60, 60, 60))
    w, h = image.size
    scale = min(900 / w, 560 / h) * rng.uniform(0.75, 1.0)
    shown = image.resize((round(w * scale), round(h * scale)), Image.Resampling.BILINEAR)
    x = 250 + rng.randint(0, max(0, 1000 - shown.width))
    page.paste(shown, (x, 90))
    draw.text((250, 100 + shown.height), "posted by brindle_owl - 3 replies", fill=(30, 30, 30))
    return page


def collage(image: Image.Image, rng: random.Random, filler: Filler) -> Image.Image:
    """A 2x2 grid: the image in a random cell, unrelated images in the other three."""
    cell = (400, 300)
    out = Image.new("RGB", (2 * cell[0] + 6, 2 * cell[1] + 6), (255, 255, 255))
    spot = rng.randrange(4)
    for k in range(4):
        tile = image if k == spot else filler()
        out.paste(
            tile.resize(cell, Image.Resampling.BILINEAR),
            ((k % 2) * (cell[0] + 6), (k // 2) * (cell[1] + 6)),
        )
    return out


TRANSFORMS: dict[str, Transform] = {
    "jpeg": jpeg,
    "resize": resize,
    "blur": blur,
    "gamma": gamma,
    "noise": noise,
    "watermark": watermark,
    "rotate 4°": rotate4,
    "crop 5%": crop5,
    "pad 20%": pad20,
    "flip": flip,
    "rotate 90°": rotate90,
    "crop 20%": crop20,
    "screenshot": screenshot,
    "collage": collage,
}
THORN = ("jpeg", "resize", "blur", "gamma", "noise", "watermark", "rotate 4°", "crop 5%", "pad 20%")


def apply(name: str, image: Image.Image, seed: int, fillers: Sequence[Image.Image]) -> bytes:
    """The edited image as the JPEG (quality 90) a re-upload would carry."""
    rng = random.Random(seed)

    def filler() -> Image.Image:
        return fillers[rng.randrange(len(fillers))]

    edited = TRANSFORMS[name](image, rng, filler)
    buf = io.BytesIO()
    edited.save(buf, format="PNG" if name == "jpeg" else "JPEG", quality=90)
    return buf.getvalue()
