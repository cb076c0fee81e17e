"""Reference-side augmentation: hash each reference under small crops, pads and rotations.

PDQ loses a copy that was cropped by 5%, padded by 20% or turned by 4 degrees. Hashing the
reference under a family of such edits puts a hash near every likely re-upload in the index,
so a query stays a single lookup. The family is chosen by measurement (see the tests and
``bench/bench_matching.py``): each member must add recall on some edit without costing
precision elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from takedown.matching.hashers.pdq import pdq_hex


@dataclass(frozen=True)
class Crop:
    """Cut fractions of the width/height from each side."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def name(self) -> str:
        return f"crop:{self.left:g},{self.top:g},{self.right:g},{self.bottom:g}"

    def apply(self, image: Image.Image) -> Image.Image:
        w, h = image.size
        box = (
            round(w * self.left),
            round(h * self.top),
            w - round(w * self.right),
            h - round(h * self.bottom),
        )
        return image.crop(box)


@dataclass(frozen=True)
class Pad:
    """Add a uniform border of a fraction of the size on each side."""

    fraction: float
    colour: tuple[int, int, int] = (0, 0, 0)

    @property
    def name(self) -> str:
        return f"pad:{self.fraction:g}:{bytes(self.colour).hex()}"

    def apply(self, image: Image.Image) -> Image.Image:
        w, h = image.size
        dx, dy = round(w * self.fraction), round(h * self.fraction)
        canvas = Image.new("RGB", (w + 2 * dx, h + 2 * dy), self.colour)
        canvas.paste(image, (dx, dy))
        return canvas


@dataclass(frozen=True)
class Rotate:
    """Turn by a small angle; ``fill`` keeps the frame with black corners, ``crop`` zooms in."""

    degrees: float
    mode: Literal["fill", "crop"] = "fill"

    @property
    def name(self) -> str:
        return f"rotate:{self.degrees:g}:{self.mode}"

    def apply(self, image: Image.Image) -> Image.Image:
        turned = image.rotate(self.degrees, resample=Image.Resampling.BILINEAR, expand=False)
        if self.mode == "fill":
            return turned
        # Largest centred crop free of corners (good enough for the small angles we use).
        w, h = image.size
        a = math.radians(abs(self.degrees))
        shrink = math.cos(a) + math.sin(a) * max(w / h, h / w)
        cw, ch = w / shrink, h / shrink
        box = (round((w - cw) / 2), round((h - ch) / 2), round((w + cw) / 2), round((h + ch) / 2))
        return turned.crop(box)


Augmentation = Crop | Pad | Rotate


def _symmetric_crops(fractions: tuple[float, ...]) -> list[Augmentation]:
    return [Crop(f, f, f, f) for f in fractions]


def _side_crops(fraction: float) -> list[Augmentation]:
    f = fraction
    return [Crop(f, 0, 0, 0), Crop(0, f, 0, 0), Crop(0, 0, f, 0), Crop(0, 0, 0, f)]


def _corner_crops(fraction: float) -> list[Augmentation]:
    f = fraction
    return [Crop(f, f, 0, 0), Crop(0, f, f, 0), Crop(f, 0, 0, f), Crop(0, 0, f, f)]


def _shifted_crops(total: float) -> list[Augmentation]:
    """Remove ``total`` of each axis split 0/all, half/half or all/0 between its two edges.

    An off-centre crop splits what it removes between the edges at random; this 3x3 grid
    (less the centred member, which the symmetric crops hold) puts a hash within reach of any
    split.
    """
    splits = (0.0, total / 2, total)
    return [
        Crop(x, y, total - x, total - y)
        for x in splits
        for y in splits
        if (x, y) != (total / 2, total / 2)
    ]


DEFAULT_FAMILY: tuple[Augmentation, ...] = (
    *_symmetric_crops((0.03, 0.05, 0.07, 0.09, 0.11)),
    *_shifted_crops(0.05),
    # Heavy crops (a detail cut out of the picture, a tight centre crop): 12% and 20% of each
    # axis removed on the same 3x3 grid of splits, and centre crops up to a quarter a side.
    *_shifted_crops(0.12),
    *_shifted_crops(0.2),
    *_symmetric_crops((0.15, 0.2, 0.25)),
    *_side_crops(0.04),
    *_side_crops(0.08),
    *_corner_crops(0.06),
    Rotate(-4.0),
    Rotate(4.0),
    Rotate(-2.0),
    Rotate(2.0),
    Rotate(-4.0, "crop"),
    Rotate(4.0, "crop"),
    Pad(0.2, (0, 0, 0)),
    Pad(0.2, (255, 255, 255)),
)


@dataclass(frozen=True)
class AugmentedHash:
    """The PDQ hash of one edited rendering of a reference."""

    augmentation: str
    hex: str
    quality: int


def augmented_hashes(
    image: Image.Image, family: tuple[Augmentation, ...] = DEFAULT_FAMILY
) -> list[AugmentedHash]:
    """PDQ hashes of ``image`` under every member of ``family`` (duplicates removed)."""
    seen: set[str] = set()
    out: list[AugmentedHash] = []
    for member in family:
        edited = member.apply(image)
        if min(edited.size) < 16:
            continue
        value, quality = pdq_hex(edited)
        if value not in seen:
            seen.add(value)
            out.append(AugmentedHash(member.name, value, quality))
    return out
