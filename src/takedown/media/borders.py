"""Uniform border and letterbox detection on a picture: the box left once bars are cut off.

Shared by image trimming (``takedown.matching.trim``) and video letterbox removal
(``takedown.media.letterbox``), so both agree on what a border is.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image

# Per-channel difference from the border colour that still counts as "the same colour":
# wide enough for JPEG ringing around bars, narrow enough to stop at real image content.
DEFAULT_TOLERANCE = 24
# Share of a row or column that must be border-coloured to be trimmed.
DEFAULT_COVERAGE = 0.97
# Never keep less than this share of a side: a flat image is not "all border".
MIN_KEEP = 0.2
WORK_SIDE = 320


def _uniform_run(lines: npt.NDArray[np.bool_]) -> int:
    """How many leading lines are border-coloured."""
    bad = np.flatnonzero(~lines)
    return int(bad[0]) if bad.size else len(lines)


def border_box(
    image: Image.Image,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    coverage: float = DEFAULT_COVERAGE,
) -> tuple[int, int, int, int]:
    """The (left, top, right, bottom) box left after removing uniform borders on each side.

    Each side is compared with its own colour (the median of its outermost line), so a
    black bar on top and a white one on the right are both removed.
    """
    full_w, full_h = image.size
    if full_h < 8 or full_w < 8:
        return 0, 0, full_w, full_h
    # Borders are found on a reduced copy: a pixel or two of precision is plenty for PDQ,
    # and it keeps trimming to a few milliseconds whatever the size.
    scale = min(1.0, WORK_SIDE / max(full_w, full_h))
    small = image.convert("RGB")
    if scale < 1.0:
        size = (max(8, round(full_w * scale)), max(8, round(full_h * scale)))
        small = small.resize(size, Image.Resampling.NEAREST)
    rgb = np.asarray(small, dtype=np.int16)
    height, width = rgb.shape[:2]

    def run(view: npt.NDArray[np.int16]) -> int:
        # view: lines x pixels x 3, the first line being the outermost one. Lines are checked
        # in growing chunks: most images have no border and stop after the first chunk.
        colour = np.median(view[0], axis=0)
        done, chunk = 0, 4
        while done < len(view):
            part = view[done : done + chunk]
            close = np.all(np.abs(part - colour) <= tolerance, axis=2)
            count = _uniform_run(close.mean(axis=1) >= coverage)
            done += count
            if count < len(part):
                break
            chunk *= 2
        return done

    top = run(rgb)
    bottom = run(rgb[::-1])
    left = run(rgb.transpose(1, 0, 2))
    right = run(rgb.transpose(1, 0, 2)[::-1])
    if height - top - bottom < MIN_KEEP * height:
        top = bottom = 0
    if width - left - right < MIN_KEEP * width:
        left = right = 0
    sx, sy = full_w / width, full_h / height
    # Round inwards so no sliver of the bar survives on the full-size image.
    box = (
        math.ceil(left * sx),
        math.ceil(top * sy),
        full_w - math.ceil(right * sx),
        full_h - math.ceil(bottom * sy),
    )
    return box
