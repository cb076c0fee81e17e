"""Turn untrusted image input into the bounded RGB array that every classifier takes.

The size is checked from the header before decoding, so a huge or malicious file is refused
without allocating it; accepted images are downscaled to the budget's working size.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from takedown.triage.base import Budget, ImageRefusedError, RGBArray

ImageInput = bytes | Path | Image.Image | np.ndarray


@dataclass(frozen=True, slots=True)
class Prepared:
    """A decoded, downscaled RGB image and how to map its coordinates back to the original."""

    rgb: RGBArray
    original_size: tuple[int, int]  # (width, height) as submitted
    scale: float  # original pixels per working pixel (>= 1.0)
    # Work shared by classifiers on the same image (face detection), keyed by its parameters.
    cache: dict[object, object] = field(default_factory=dict, compare=False, repr=False)


def prepare(source: ImageInput, budget: Budget | None = None) -> Prepared:
    """Decode ``source``, downscaled to ``budget.work_side``; else :class:`ImageRefusedError`."""
    budget = budget or Budget()
    if isinstance(source, np.ndarray):
        image = _from_array(source, budget)
    elif isinstance(source, Image.Image):
        _check_pixels(source.size, budget)
        image = source
    elif isinstance(source, bytes | Path):
        image = _open(source, budget)
    else:
        raise ImageRefusedError(f"unsupported image input: {type(source).__name__}")
    original = image.size
    try:
        image = _to_rgb(image)
        if max(image.size) > budget.work_side:
            image = image.copy()
            image.thumbnail((budget.work_side, budget.work_side), Image.Resampling.BILINEAR)
        rgb = np.ascontiguousarray(np.asarray(image, dtype=np.uint8))
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageRefusedError(f"image cannot be decoded: {exc}") from exc
    if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 2:
        raise ImageRefusedError(f"image too small or malformed: shape {rgb.shape}")
    return Prepared(rgb=rgb, original_size=original, scale=original[0] / rgb.shape[1])


def _check_pixels(size: tuple[int, int], budget: Budget) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageRefusedError(f"empty image ({width}x{height})")
    if width * height > budget.max_input_pixels:
        raise ImageRefusedError(
            f"image of {width}x{height} pixels exceeds the triage limit of "
            f"{budget.max_input_pixels} pixels"
        )


def _open(source: bytes | Path, budget: Budget) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Our own pixel limit applies below; Pillow's bomb warning would only duplicate it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
            _check_pixels(image.size, budget)
            # JPEG can decode at 1/2, 1/4 or 1/8 scale directly: far less time and memory.
            image.draft("RGB", (budget.work_side, budget.work_side))
            image.load()
    except ImageRefusedError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ImageRefusedError(f"not a usable image: {exc}") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageRefusedError(f"image cannot be decoded: {exc}") from exc
    return image


def _from_array(array: np.ndarray, budget: Budget) -> Image.Image:
    if array.dtype != np.uint8:
        raise ImageRefusedError(f"image arrays must be uint8, got {array.dtype}")
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ImageRefusedError(f"image arrays must be HxW, HxWx3 or HxWx4, got {array.shape}")
    _check_pixels((array.shape[1], array.shape[0]), budget)
    return Image.fromarray(np.ascontiguousarray(array[..., :3]), "RGB")


def _to_rgb(image: Image.Image) -> Image.Image:
    # EXIF orientation matters for faces: a sideways portrait hides its face from the detectors.
    image = ImageOps.exif_transpose(image)
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Flatten transparency on white, as a browser shows it.
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
