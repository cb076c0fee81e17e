"""Query-side trimming of uniform borders and letterbox bars before hashing.

A padded or letterboxed re-upload hashes ~140 bits away from its original; with the bars cut
off it lands back within a few bits.
"""

from __future__ import annotations

from PIL import Image

from takedown.media.borders import (
    DEFAULT_COVERAGE,
    DEFAULT_TOLERANCE,
    MIN_KEEP,
    WORK_SIDE,
    border_box,
)

__all__ = [
    "DEFAULT_COVERAGE",
    "DEFAULT_TOLERANCE",
    "MIN_KEEP",
    "WORK_SIDE",
    "border_box",
    "trim_borders",
]


def trim_borders(
    image: Image.Image,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    coverage: float = DEFAULT_COVERAGE,
) -> Image.Image:
    """The image without its uniform borders (the image itself when it has none).

    Nested frames (a white mat inside a black border) take one pass each; three is plenty.
    """
    trimmed = image
    for _ in range(3):
        box = border_box(trimmed, tolerance=tolerance, coverage=coverage)
        if box == (0, 0, *trimmed.size):
            break
        trimmed = trimmed.crop(box)
    return trimmed
