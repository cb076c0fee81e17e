"""Blurred greyscale thumbnails and media sniffing."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from takedown.evidence.derivatives import DerivativeError, blurred_thumbnail, sniff_media_type
from tests.evidence.site import sample_png


def test_thumbnail_is_small_grey_and_blurred() -> None:
    source = sample_png()
    thumb = Image.open(io.BytesIO(blurred_thumbnail(source, max_side=100)))
    assert thumb.mode == "L" and max(thumb.size) == 100
    sharp = Image.open(io.BytesIO(source)).convert("L")
    sharp.thumbnail((100, 100))

    # Blurring removes fine detail: far less difference between neighbouring pixels.
    def detail(image: Image.Image) -> float:
        return float(np.abs(np.diff(np.asarray(image, dtype=np.int16), axis=1)).mean())

    assert detail(thumb) < detail(sharp) / 3


def test_undecodable_is_refused() -> None:
    with pytest.raises(DerivativeError):
        blurred_thumbnail(b"\x89PNG\r\n\x1a\ntruncated")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"\0\0\0\x18ftypisom", "video/mp4"),
        (b"GIF89a", "image/gif"),
        (b"???", "application/octet-stream"),
    ],
)
def test_sniff(data: bytes, expected: str) -> None:
    assert sniff_media_type(data)[0] == expected
