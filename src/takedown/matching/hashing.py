"""Hashing entry points: a victim's original (reference) and a media item found online."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from takedown.matching.augment import DEFAULT_FAMILY, Augmentation, augmented_hashes
from takedown.matching.fastpdq import pdq_from_luma
from takedown.matching.hashers.exact import exact_hex
from takedown.matching.hashers.pdq import DIHEDRAL_NAMES, pdq_dihedral_hex, pdq_hex
from takedown.matching.hashes import MediaHashes, PdqVariant, ReferenceHashes
from takedown.matching.panels import PanelLimits, panel_boxes
from takedown.matching.trim import WORK_SIDE, border_box, trim_borders
from takedown.matching.verify import VerifyLimits, extract_features
from takedown.media.decode import ImageLimits, decode_image, decode_luma
from takedown.media.errors import MediaError
from takedown.media.sniff import sniff
from takedown.media.video import VideoLimits, hash_video

if TYPE_CHECKING:
    from takedown.config import Settings


@dataclass(frozen=True)
class HashLimits:
    """All bounds and options of hashing; build it once with :meth:`from_settings`."""

    image: ImageLimits = field(default_factory=ImageLimits)
    video: VideoLimits = field(default_factory=VideoLimits)
    verify: VerifyLimits = field(default_factory=VerifyLimits)
    family: tuple[Augmentation, ...] = DEFAULT_FAMILY
    local_features: bool = True
    # Media found online also get the PDQ of each panel (collage cells, the picture inside a
    # screenshot) and of each quarter (2 x 2 collages without gutters).
    quadrants: bool = True
    panels: PanelLimits = field(default_factory=PanelLimits)

    @classmethod
    def from_settings(cls, settings: Settings) -> HashLimits:
        video = VideoLimits(
            timeout_seconds=settings.video_decode_timeout_seconds,
            memory_mb=settings.video_decode_memory_mb,
            audio=settings.video_audio,
        )
        return cls(image=ImageLimits(max_pixels=settings.max_image_pixels), video=video)


def _trimmed(image: Image.Image) -> PdqVariant | None:
    trimmed = trim_borders(image)
    if trimmed is image or min(trimmed.size) < 16:
        return None
    value, quality = pdq_hex(trimmed)
    return PdqVariant(value, quality, "trimmed")


Luma = npt.NDArray[np.uint8] | npt.NDArray[np.float32]


def _luma_pdq(luma: Luma) -> tuple[str, int]:
    bits, quality = pdq_from_luma(luma)
    return np.packbits(bits).tobytes().hex(), quality


def _luma_border_box(luma: Luma) -> tuple[int, int, int, int]:
    """:func:`trim_borders`'s box (up to three nested frames) found on a small copy of the luma.

    The box is rounded inwards, so no sliver of a bar is left on the full-size plane.
    """
    rows, cols = luma.shape
    plane = luma if luma.dtype == np.uint8 else np.clip(np.rint(luma), 0, 255).astype(np.uint8)
    small = Image.fromarray(plane, mode="L")
    factor = max(1, max(rows, cols) // WORK_SIDE)
    if factor > 1:
        small = small.reduce(factor)
    sx, sy = cols / small.width, rows / small.height
    left, top, right, bottom = 0, 0, small.width, small.height
    for _ in range(3):
        box = border_box(small.crop((left, top, right, bottom)))
        if box == (0, 0, right - left, bottom - top):
            break
        left, top, right, bottom = left + box[0], top + box[1], left + box[2], top + box[3]
    return (
        min(cols, math.ceil(left * sx)),
        min(rows, math.ceil(top * sy)),
        max(0, math.floor(right * sx)),
        max(0, math.floor(bottom * sy)),
    )


# Below this side a quadrant is too small to hash usefully.
_MIN_QUADRANT_SIDE = 96


def _regions(luma: Luma, panels: PanelLimits) -> list[PdqVariant]:
    """The PDQ of each panel (gutter-separated cell, the picture inside a screenshot) and of
    each quarter of the image: finds a reference that fills one part of a composite, which the
    whole image's hash cannot see. Quarters catch collages without gutters."""
    rows, cols = luma.shape
    out: list[PdqVariant] = []
    for k, (left, top, right, bottom) in enumerate(panel_boxes(luma, panels)):
        value, quality = _luma_pdq(luma[top:bottom, left:right])
        out.append(PdqVariant(value, quality, f"panel:{k}"))
    if min(rows, cols) < 2 * _MIN_QUADRANT_SIDE:
        return out
    half_r, half_c = rows // 2, cols // 2
    for k, (r0, c0) in enumerate(((0, 0), (0, half_c), (half_r, 0), (half_r, half_c))):
        value, quality = _luma_pdq(luma[r0 : r0 + half_r, c0 : c0 + half_c])
        out.append(PdqVariant(value, quality, f"quadrant:{k}"))
    return out


# The extra variants (trimmed, panels, quarters) are hashed on a copy of the luma reduced to
# about this side: PDQ reads a 64 x 64 grid of box-filtered samples, which a 2-4x box reduction
# barely moves, and the work falls with the square of the factor. The main hash stays on the
# full-resolution plane (within a few bits of a naive full decode).
VARIANT_SIDE = 1024


def _variant_plane(luma: Luma) -> npt.NDArray[np.uint8]:
    plane = luma if luma.dtype == np.uint8 else np.clip(np.rint(luma), 0, 255).astype(np.uint8)
    factor = max(luma.shape) // VARIANT_SIDE
    if factor < 2:
        return np.ascontiguousarray(plane)
    small = Image.fromarray(np.ascontiguousarray(plane), mode="L").reduce(factor)
    return np.asarray(small, dtype=np.uint8)


def _trimmed_luma(luma: Luma) -> PdqVariant | None:
    rows, cols = luma.shape
    left, top, right, bottom = _luma_border_box(luma)
    if (left, top, right, bottom) == (0, 0, cols, rows) or min(right - left, bottom - top) < 16:
        return None
    value, quality = _luma_pdq(luma[top:bottom, left:right])
    return PdqVariant(value, quality, "trimmed")


def hash_reference(data: bytes, limits: HashLimits | None = None) -> ReferenceHashes:
    """Hash a victim's original in memory: exact, PDQ x8 + augmentations or vPDQ, features.

    Raises :class:`MediaError` for input that is not a usable image or video.
    """
    limits = limits or HashLimits()
    if not data:
        raise MediaError("empty file (0 bytes)")
    sha256, md5 = exact_hex("sha256", data), exact_hex("md5", data)
    if sniff(data) == "video":
        video = hash_video(data, limits.video)
        return ReferenceHashes(
            kind="video", sha256=sha256, md5=md5, vpdq=video.frames, audio=video.audio
        )
    decoded = decode_image(data, limits.image)
    image = decoded.image
    dihedral, quality = pdq_dihedral_hex(image)
    variants = [PdqVariant(h, quality, n) for h, n in zip(dihedral, DIHEDRAL_NAMES, strict=True)]
    variants += [
        PdqVariant(a.hex, a.quality, a.augmentation) for a in augmented_hashes(image, limits.family)
    ]
    for number, frame in enumerate(decoded.frames[1:], start=1):
        value, frame_quality = pdq_hex(frame)
        variants.append(PdqVariant(value, frame_quality, f"frame:{number}"))
    trimmed = _trimmed(image)
    if trimmed is not None:
        variants.append(trimmed)
    unique: dict[str, PdqVariant] = {}
    for variant in variants:
        unique.setdefault(variant.hex, variant)
    features = None
    if limits.local_features:
        features = extract_features(
            image,
            limits.verify.reference_keypoints,
            limits.verify.reference_side,
            limits.verify.min_keypoints,
        )
    return ReferenceHashes(
        kind="image",
        sha256=sha256,
        md5=md5,
        pdq=tuple(unique.values()),
        features=features,
    )


def hash_media(data: bytes, limits: HashLimits | None = None) -> MediaHashes:
    """Hash a media item found online, once, for storage and matching.

    Images get the PDQ of each kept frame plus, when it differs, that of the frame without
    uniform borders; videos get vPDQ frames. Raises :class:`MediaError` on bad input.
    """
    limits = limits or HashLimits()
    if not data:
        raise MediaError("empty file (0 bytes)")
    sha256, md5 = exact_hex("sha256", data), exact_hex("md5", data)
    if sniff(data) == "video":
        video = hash_video(data, limits.video)
        notes: tuple[str, ...] = ("truncated to the duration cap",) if video.truncated else ()
        if video.audio_error:
            notes += (f"no audio fingerprint: {video.audio_error}",)
        return MediaHashes(
            kind="video",
            sha256=sha256,
            md5=md5,
            vpdq=video.frames,
            audio=video.audio,
            width=video.info.width,
            height=video.info.height,
            duration=video.info.duration,
            notes=notes,
        )
    # Full-resolution luma with PDQ's filter evaluated only where it is sampled: the same hash
    # as a full decode (bench/speed.py) at a fraction of the cost.
    decoded = decode_luma(data, limits.image)
    variants: list[PdqVariant] = []
    for number, frame in enumerate(decoded.frames):
        value, quality = _luma_pdq(frame)
        variants.append(
            PdqVariant(value, quality, "original" if number == 0 else f"frame:{number}")
        )
    plane = _variant_plane(decoded.frames[0])
    trimmed = _trimmed_luma(plane)
    if trimmed is not None and trimmed.hex != variants[0].hex:
        variants.append(trimmed)
    if limits.quadrants:
        seen = {v.hex for v in variants}
        for region in _regions(plane, limits.panels):
            if region.hex not in seen:
                seen.add(region.hex)
                variants.append(region)
    return MediaHashes(
        kind="image",
        sha256=sha256,
        md5=md5,
        pdq=tuple(variants),
        width=decoded.width,
        height=decoded.height,
    )


def hash_file_report(path: str | Path, limits: HashLimits | None = None) -> dict[str, Any]:
    """The per-file JSON of ``takedown hash --json``.

    Image: ``{"path", "sha256", "pdq", "quality"}``; video: ``{"path", "sha256", "vpdq"}``
    with frames as ``"hex,quality,timestamp"`` (python-threatexchange/HMA's form, accepted
    back by hash-only intake). Unreadable or bad files give ``{"path", "error"}``.
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
        media = hash_media(data, limits)
    except MediaError as exc:
        return {"path": name, "error": exc.reason}
    except OSError as exc:
        return {"path": name, "error": f"cannot read file: {exc.strerror or exc}"}
    if media.kind == "video":
        frames = [f"{f.hex},{f.quality},{f.timestamp:.3f}" for f in media.vpdq]
        return {"path": name, "sha256": media.sha256, "vpdq": frames}
    first = media.pdq[0]
    return {"path": name, "sha256": media.sha256, "pdq": first.hex, "quality": first.quality}
