"""Panels of composites: collage cells and the picture inside a screenshot, found and hashed."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from takedown.matching.hashers.pdq import codes_of, pdq_hex
from takedown.matching.hashing import hash_media
from takedown.matching.panels import panel_boxes
from tests.matching.conftest import encode

Box = tuple[int, int, int, int]


def luma(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"))


def close(found: Box, expected: Box, slack: int) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(found, expected, strict=True))


def grid(
    tiles: list[Image.Image], columns: int, cell: tuple[int, int], gutter: int
) -> tuple[Image.Image, list[Box]]:
    rows = -(-len(tiles) // columns)
    w, h = cell
    out = Image.new("RGB", (columns * w + (columns - 1) * gutter, rows * h + (rows - 1) * gutter))
    out.paste((250, 250, 250), (0, 0, *out.size))
    boxes = []
    for k, tile in enumerate(tiles):
        x, y = (k % columns) * (w + gutter), (k // columns) * (h + gutter)
        out.paste(tile.resize(cell, Image.Resampling.BILINEAR), (x, y))
        boxes.append((x, y, x + w, y + h))
    return out, boxes


@pytest.mark.parametrize(("columns", "count"), [(3, 9), (2, 2), (2, 4)])
def test_collage_cells_are_panels(
    samples: dict[str, Image.Image], columns: int, count: int
) -> None:
    names = list(samples)
    tiles = [samples[names[k % len(names)]] for k in range(count)]
    image, cells = grid(tiles, columns, (240, 180), 8)
    found = panel_boxes(luma(image))
    assert len(found) == count
    for cell in cells:
        assert any(close(box, cell, 8) for box in found), cell


def test_screenshot_picture_is_a_panel(samples: dict[str, Image.Image]) -> None:
    page = Image.new("RGB", (1100, 760), (246, 246, 246))
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 1100, 48), fill=(30, 34, 40))
    draw.text((16, 16), "zorblat forum", fill=(220, 220, 220))
    draw.rectangle((0, 48, 180, 760), fill=(228, 230, 233))
    for k in range(10):
        draw.text((12, 70 + 40 * k), f"quenby {k}", fill=(50, 50, 50))
    picture = samples["chelsea"].resize((600, 400))
    page.paste(picture, (300, 120))
    draw.text((300, 530), "posted by wumbat", fill=(20, 20, 20))
    found = panel_boxes(luma(page))
    assert any(close(box, (300, 120, 900, 520), 8) for box in found), found
    media = hash_media(encode(page, quality=90))
    reference = codes_of([pdq_hex(samples["chelsea"])[0]])[0]
    panels = [v for v in media.pdq if v.variant.startswith("panel:")]
    best = min(int(np.bitwise_count(codes_of([v.hex])[0] ^ reference).sum()) for v in panels)
    assert best <= 31


def test_smooth_picture_is_not_cut(samples: dict[str, Image.Image]) -> None:
    """A gentle gradient changes by under twenty grey levels across the whole picture, within
    the border trimmer's tolerance; no line of it is flat enough to be a gutter."""
    ys, xs = np.mgrid[0:400, 0:600]
    gradient = (100 + 0.03 * xs + 0.03 * ys).astype(np.uint8)
    assert panel_boxes(gradient) == []
    assert panel_boxes(luma(samples["astronaut"])) == []
