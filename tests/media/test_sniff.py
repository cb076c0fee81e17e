"""Media kind from magic bytes."""

from __future__ import annotations

import pytest
from PIL import Image

from takedown.media.sniff import sniff
from tests.media.conftest import encode


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF"])
def test_images(fmt: str) -> None:
    assert sniff(encode(Image.new("RGB", (32, 32), (1, 2, 3)), fmt)) == "image"


def test_mp4_is_video(clip_bytes: bytes) -> None:
    assert sniff(clip_bytes) == "video"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x00\x00\x00\x1cftypheic\x00\x00\x00\x00mif1heic", "image"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1", "image"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "video"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "video"),
        (b"\x1a\x45\xdf\xa3" + b"\x00" * 30, "video"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"%PDF-1.7\n", None),
        (b"", None),
        (b"\xff\xd8", None),
    ],
)
def test_magic(head: bytes, kind: str | None) -> None:
    assert sniff(head) == kind
