"""Safe image decoding: bounded pixels and frames, EXIF orientation, any mode to RGB, fast JPEG.

:func:`decode_luma` is the hashing path for media found online: full resolution, luma only
(JPEG's own Y plane, no colour conversion), which is all PDQ reads.

Everything untrusted goes through :func:`decode_image`; every Pillow failure comes out as a
:class:`~takedown.media.errors.MediaError` with a reason, so a worker never dies on a bad file.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from takedown.media.errors import MediaError
from takedown.media.sniff import sniff

# Formats we let Pillow try; the rest of its plugins (PSD, EPS, XBM, ...) are attack surface we
# do not need. AVIF and HEIF are used only when the installed Pillow provides them.
_FORMATS = ("JPEG", "MPO", "PNG", "GIF", "WEBP", "BMP", "TIFF", "ICO", "AVIF", "HEIF")


@dataclass(frozen=True)
class ImageLimits:
    """Bounds on the work one image may cause.

    ``max_pixels`` comes from ``Settings.max_image_pixels``. ``max_side`` bounds the decoded
    size (0 keeps full resolution): an image is reduced by an integer factor (libjpeg's DCT
    scaling for JPEG, a box average otherwise) to the smallest size whose longer side is still
    at least ``max_side``, so it ends between ``max_side`` and twice that. No resampling to an
    exact size follows: measured on 1-12 MP photographs, a bilinear resize to 640 or a reduction
    below ~600 pixels moved PDQ up to 18 bits from a full decode, while integer reductions that
    keep >= 800 pixels stayed within a few bits (``bench/speed.py`` measures it).
    """

    max_pixels: int = 64_000_000
    max_frames: int = 8
    min_side: int = 16
    max_side: int = 800


@dataclass(frozen=True)
class DecodedImage:
    """An upright RGB rendering of an image (several frames when animated)."""

    frames: tuple[Image.Image, ...]
    width: int
    height: int
    format: str
    frame_count: int

    @property
    def image(self) -> Image.Image:
        """The first (or only) frame."""
        return self.frames[0]


def _allowed_formats() -> tuple[str, ...]:
    Image.init()
    return tuple(f for f in _FORMATS if f in Image.OPEN)


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB.

    ``convert("RGB")`` is right for every mode except the 16/32-bit integer and float ones,
    which it clips at 255: those are rescaled to their bit depth (or their own range) first.
    """
    mode = image.mode
    if mode == "RGB":
        return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        arr = np.asarray(image, dtype=np.float64)
        if mode.startswith("I;16"):
            arr = arr / 257.0
        else:
            peak = float(arr.max()) if arr.size else 0.0
            low = float(arr.min()) if arr.size else 0.0
            if peak > 255.0 or low < 0.0:
                arr = (arr - min(low, 0.0)) * (255.0 / max(peak - min(low, 0.0), 1e-9))
        gray = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
        return Image.fromarray(gray).convert("RGB")
    return image.convert("RGB")


def _reduced_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image: Image.Image, max_side: int) -> Image.Image:
    factor = max(image.size) // max_side if max_side > 0 else 1
    if factor < 2:
        return image
    # A box average by an integer factor is what libjpeg's DCT scaling approximates; unlike a
    # resize to an exact size it adds no blur of its own, which keeps PDQ near a full decode.
    return image.reduce(factor)


def _upright(image: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        return image  # malformed EXIF: keep the pixels as stored rather than refuse the image


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except (OSError, ValueError, KeyError, TypeError, SyntaxError):
        return 1


def _frame_indices(count: int, wanted: int) -> list[int]:
    if count <= wanted:
        return list(range(count))
    step = count / wanted
    return sorted({min(count - 1, math.floor(i * step)) for i in range(wanted)})


def _open(data: bytes, limits: ImageLimits) -> Image.Image:
    if not data:
        raise MediaError("empty file (0 bytes)")
    kind = sniff(data)
    if kind == "video":
        raise MediaError("not an image: the content is a video")
    try:
        image = Image.open(io.BytesIO(data), formats=_allowed_formats())
    except Image.DecompressionBombError as exc:
        raise MediaError(f"decompression bomb refused: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise MediaError("unrecognised or unsupported image format") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise MediaError(f"corrupt image header: {exc}") from exc
    width, height = image.size
    if width * height > limits.max_pixels:
        raise MediaError(
            f"decompression bomb refused: {width}x{height} exceeds {limits.max_pixels} pixels"
        )
    if min(width, height) < limits.min_side:
        raise MediaError(
            f"image too small to hash: {width}x{height} (the shorter side must be at least "
            f"{limits.min_side} pixels)"
        )
    return image


def decode_image(data: bytes, limits: ImageLimits | None = None) -> DecodedImage:
    """Decode untrusted bytes into upright RGB frames reduced towards ``limits.max_side``.

    Raises :class:`MediaError` for empty, truncated, mislabelled, oversized or tiny images.
    """
    limits = limits or ImageLimits()
    image = _open(data, limits)
    width, height = image.size
    fmt = image.format or "unknown"
    frame_count = int(getattr(image, "n_frames", 1) or 1)
    orientation = _orientation(image)
    try:
        if fmt in ("JPEG", "MPO") and limits.max_side > 0 and max(width, height) > limits.max_side:
            # Draft mode lets libjpeg decode at 1/2, 1/4 or 1/8 scale, the largest reduction that
            # keeps both requested sides: most of the speed-up, at a few bits of PDQ.
            image.draft("RGB", _reduced_size(width, height, limits.max_side))
        frames: list[Image.Image] = []
        indices = _frame_indices(frame_count, limits.max_frames) if frame_count > 1 else [0]
        for index in indices:
            if index:
                image.seek(index)
            image.load()
            frames.append(_shrink(to_rgb(_upright(image)), limits.max_side))
    except Image.DecompressionBombError as exc:
        raise MediaError(f"decompression bomb refused: {exc}") from exc
    except (OSError, ValueError, SyntaxError, EOFError, IndexError) as exc:
        raise MediaError(f"truncated or corrupt image data: {exc}") from exc
    except MemoryError as exc:
        raise MediaError("image needs more memory than allowed") from exc
    finally:
        image.close()
    if orientation in (5, 6, 7, 8):
        width, height = height, width  # EXIF said the stored pixels are turned by 90 degrees
    return DecodedImage(
        frames=tuple(frames),
        width=width,
        height=height,
        format=fmt,
        frame_count=frame_count,
    )


@dataclass(frozen=True)
class DecodedLuma:
    """Upright luma planes (``0.299 R + 0.587 G + 0.114 B``) of an image at full resolution.

    Each frame is uint8 (a JPEG's decoded Y plane, or a luma rounded by Pillow for very large
    images) or float32 (computed from RGB, exactly as PDQ's reference does).
    """

    frames: tuple[npt.NDArray[np.uint8] | npt.NDArray[np.float32], ...]
    width: int
    height: int
    format: str
    frame_count: int


# Above this many pixels the luma is rounded to uint8 by Pillow rather than computed in float32
# from RGB: a quarter of the memory, within a bit or two of PDQ.
_FLOAT_LUMA_MAX_PIXELS = 16_000_000
# JPEG colour spaces whose first component is the luma PDQ wants.
_Y_MODES = ("L", "RGB", "YCbCr")


def _luma(image: Image.Image) -> npt.NDArray[np.uint8] | npt.NDArray[np.float32]:
    if image.mode == "L":
        return np.asarray(image, dtype=np.uint8)
    if image.mode.startswith("I;16") or image.mode in ("I", "F"):
        image = to_rgb(image)
    if image.width * image.height > _FLOAT_LUMA_MAX_PIXELS:
        return np.asarray(image.convert("RGB").convert("L"), dtype=np.uint8)
    rgb = np.asarray(image.convert("RGB"))
    luma = rgb[..., 0] * np.float32(0.299)
    luma += rgb[..., 1] * np.float32(0.587)
    luma += rgb[..., 2] * np.float32(0.114)
    return luma


def decode_luma(data: bytes, limits: ImageLimits | None = None) -> DecodedLuma:
    """Decode untrusted bytes into upright full-resolution luma planes, for hashing.

    JPEGs are decoded straight to their Y plane (libjpeg skips chroma upsampling and colour
    conversion), which PDQ reads within a few bits of a full RGB decode at about 60% of the
    decode time. Same limits and errors as :func:`decode_image` (``max_side`` is not used).
    """
    limits = limits or ImageLimits()
    image = _open(data, limits)
    width, height = image.size
    fmt = image.format or "unknown"
    frame_count = int(getattr(image, "n_frames", 1) or 1)
    orientation = _orientation(image)
    try:
        if fmt in ("JPEG", "MPO") and image.mode in _Y_MODES:
            image.draft("L", image.size)
        frames: list[npt.NDArray[np.uint8] | npt.NDArray[np.float32]] = []
        indices = _frame_indices(frame_count, limits.max_frames) if frame_count > 1 else [0]
        for index in indices:
            if index:
                image.seek(index)
            image.load()
            frames.append(_luma(_upright(image)))
    except Image.DecompressionBombError as exc:
        raise MediaError(f"decompression bomb refused: {exc}") from exc
    except (OSError, ValueError, SyntaxError, EOFError, IndexError) as exc:
        raise MediaError(f"truncated or corrupt image data: {exc}") from exc
    except MemoryError as exc:
        raise MediaError("image needs more memory than allowed") from exc
    finally:
        image.close()
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return DecodedLuma(
        frames=tuple(frames), width=width, height=height, format=fmt, frame_count=frame_count
    )
