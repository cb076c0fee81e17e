"""Panels of a composite image: the cells of a collage, the picture inside a screenshot.

A recursive XY cut (the layout-analysis method of Nagy and Seth): on a small copy of the luma,
rows (then columns) that are one flat colour from edge to edge of the current block are
gutters; the runs of content between gutters are the block's parts, each cut again the other
way. Leaves are panels. A 2 x 2 or 3 x 3 collage with gutters falls into its cells; a page
screenshot (title bar, side bar, caption text under the picture) falls into its bars, text
lines and the picture, each then hashed on its own.

A gutter must be flat to a few grey levels over the block's whole width, so the smooth
gradient of a sky or a studio background is not mistaken for one (the border trimmer's wider
tolerance is meant for bars at the outer edge only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels of the full image


@dataclass(frozen=True)
class PanelLimits:
    """Bounds of the panel search."""

    work_side: int = 256  # side of the small copy the cuts are found on
    tolerance: int = 6  # grey levels a gutter line may span (after the reduction)
    min_gutter: int = 1  # work pixels of flat lines that make a gutter
    min_side: int = 64  # full-size pixels: smaller panels are not hashed
    min_share: float = 0.03  # of the image's area
    max_depth: int = 6
    max_panels: int = 12


def _runs(content: npt.NDArray[np.bool_], min_gutter: int) -> list[tuple[int, int]]:
    """Runs of content lines, split where at least ``min_gutter`` flat lines lie between."""
    idx = np.flatnonzero(content)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > min_gutter)
    starts = np.r_[idx[0], idx[breaks + 1]]
    ends = np.r_[idx[breaks], idx[-1]] + 1
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def _small(
    luma: npt.NDArray[np.uint8] | npt.NDArray[np.float32], side: int
) -> tuple[npt.NDArray[np.int16], int]:
    rows, cols = luma.shape
    plane = luma if luma.dtype == np.uint8 else np.clip(np.rint(luma), 0, 255).astype(np.uint8)
    factor = max(1, -(-max(rows, cols) // side))
    image = Image.fromarray(np.ascontiguousarray(plane), mode="L")
    if factor > 1:
        image = image.reduce(factor)  # box average: JPEG noise on a flat gutter evens out
    return np.asarray(image, dtype=np.int16), factor


def panel_boxes(
    luma: npt.NDArray[np.uint8] | npt.NDArray[np.float32], limits: PanelLimits | None = None
) -> list[Box]:
    """The panels of an image, largest first (empty when it is one picture)."""
    limits = limits or PanelLimits()
    rows, cols = luma.shape
    if min(rows, cols) < limits.min_side:
        return []
    small, factor = _small(luma, limits.work_side)
    leaves: list[tuple[int, int, int, int]] = []

    def cut(x0: int, y0: int, x1: int, y1: int, depth: int) -> None:
        block = small[y0:y1, x0:x1]
        if block.size == 0:
            return
        # A line's two end pixels are left out: at a cut they blend gutter and picture.
        inner_r = block[:, 1:-1] if block.shape[1] > 2 else block
        inner_c = block[1:-1] if block.shape[0] > 2 else block
        flat_rows = (inner_r.max(axis=1) - inner_r.min(axis=1)) <= limits.tolerance
        flat_cols = (inner_c.max(axis=0) - inner_c.min(axis=0)) <= limits.tolerance
        row_runs = _runs(~flat_rows, limits.min_gutter)
        col_runs = _runs(~flat_cols, limits.min_gutter)
        if not row_runs or not col_runs:
            return  # all flat: a gutter or an empty margin, not a panel
        if depth < limits.max_depth and len(row_runs) > 1:
            for a, b in row_runs:
                cut(x0, y0 + a, x1, y0 + b, depth + 1)
            return
        if depth < limits.max_depth and len(col_runs) > 1:
            for a, b in col_runs:
                cut(x0 + a, y0, x0 + b, y1, depth + 1)
            return
        (ra, rb), (ca, cb) = row_runs[0], col_runs[0]
        leaves.append((x0 + ca, y0 + ra, x0 + cb, y0 + rb))

    cut(0, 0, small.shape[1], small.shape[0], 0)
    sh, sw = small.shape
    boxes: list[Box] = []
    for left, top, right, bottom in leaves:
        # Back to full size; a side next to a gutter moves in by one work pixel, so the box
        # holds no blend of gutter and picture.
        box = (
            (left + (left > 0)) * factor,
            (top + (top > 0)) * factor,
            min(cols, (right - (right < sw)) * factor),
            min(rows, (bottom - (bottom < sh)) * factor),
        )
        w, h = box[2] - box[0], box[3] - box[1]
        if min(w, h) < limits.min_side or w * h < limits.min_share * rows * cols:
            continue
        if w * h > 0.9 * rows * cols:
            continue  # the whole image (at most trimmed): hashed already
        boxes.append(box)
    boxes.sort(key=lambda b: -(b[2] - b[0]) * (b[3] - b[1]))
    return boxes[: limits.max_panels]
