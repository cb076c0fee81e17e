from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from takedown.triage.base import Budget, ImageRefusedError
from takedown.triage.images import prepare


def _png(size: tuple[int, int], mode: str = "RGB", color: object = (10, 20, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, "PNG")  # type: ignore[arg-type]
    return buffer.getvalue()


def test_downscales_to_the_working_size_and_keeps_the_scale() -> None:
    prepared = prepare(_png((2000, 1000)), Budget(work_side=500))
    assert prepared.rgb.shape == (250, 500, 3)
    assert prepared.original_size == (2000, 1000)
    assert prepared.scale == pytest.approx(4.0)


def test_refuses_oversized_images_from_the_header(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(_png((4000, 4000)))  # compresses to a few kB, 16 Mpx decoded
    with pytest.raises(ImageRefusedError, match="exceeds the triage limit"):
        prepare(path, Budget(max_input_pixels=1_000_000))
    with pytest.raises(ImageRefusedError, match="exceeds"):
        prepare(np.zeros((2000, 1000, 3), np.uint8), Budget(max_input_pixels=1_000_000))


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", _png((64, 64))[:60]],
    ids=["empty", "text", "truncated"],
)
def test_broken_bytes_are_refused_cleanly(data: bytes) -> None:
    with pytest.raises(ImageRefusedError):
        prepare(data)


def test_arrays_are_checked() -> None:
    with pytest.raises(ImageRefusedError, match="uint8"):
        prepare(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ImageRefusedError, match="HxW"):
        prepare(np.zeros((8, 8, 2), np.uint8))
    with pytest.raises(ImageRefusedError):
        prepare("a string")  # type: ignore[arg-type]
    gray = prepare(np.full((8, 8), 7, np.uint8))
    assert gray.rgb.shape == (8, 8, 3) and int(gray.rgb[0, 0, 2]) == 7


def test_transparency_is_flattened_on_white() -> None:
    prepared = prepare(_png((8, 8), "RGBA", (0, 0, 0, 0)))
    assert prepared.rgb.shape == (8, 8, 3)
    assert prepared.rgb.min() == 255


def test_exif_orientation_is_applied() -> None:
    image = Image.new("RGB", (40, 20), (200, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    assert prepare(buffer.getvalue()).rgb.shape == (40, 20, 3)
