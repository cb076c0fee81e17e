"""The Hasher Protocol, its registry and the built-in hashers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from takedown.matching.hashers import check_hasher, get_hasher, hasher_names
from takedown.matching.hashers.base import Hasher, HashValue, register_hasher
from takedown.matching.hashers.pdq import PDQ_MIN_QUALITY, PdqHasher, pdq_hex
from takedown.matching.hashers.vpdq import compare_videos
from takedown.media.errors import MediaError
from takedown.media.video import hash_video_file
from tests.matching.conftest import encode, ffmpeg


def test_builtins_are_registered() -> None:
    assert {"pdq", "vpdq", "sha256", "md5"} <= set(hasher_names())


@pytest.mark.parametrize("name", ["pdq", "sha256", "md5"])
def test_image_hashers_conform(name: str, samples: dict[str, Image.Image]) -> None:
    values = check_hasher(get_hasher(name), encode(samples["astronaut"]))
    assert len(values) == 1


def test_vpdq_hasher_conforms(reference_clip: Path) -> None:
    values = check_hasher(get_hasher("vpdq"), reference_clip.read_bytes())
    assert len(values) == 12
    assert [v.timestamp for v in values][:3] == [0.0, 1.0, 2.0]


def test_exact_values(samples: dict[str, Image.Image]) -> None:
    data = encode(samples["coffee"])
    assert get_hasher("sha256").compute(data)[0].hex == hashlib.sha256(data).hexdigest()
    assert get_hasher("md5").compute(data)[0].hex == hashlib.md5(data).hexdigest()  # noqa: S324


def test_unknown_hasher_names_known_ones() -> None:
    with pytest.raises(KeyError, match="pdq"):
        get_hasher("nope")


def test_third_party_hasher_registers_like_builtins() -> None:
    class Length:
        name = "length"
        hash_length = 32
        distance_metric = "exact"
        threshold = 0

        def compute(self, data: bytes) -> list[HashValue]:
            return [HashValue("length", f"{len(data):08x}")]

    register_hasher("length", Length)
    hasher: Hasher = get_hasher("length")
    assert check_hasher(hasher, b"abc")[0].hex == "00000003"


def test_pdq_hasher_rejects_bad_bytes() -> None:
    with pytest.raises(MediaError):
        PdqHasher().compute(b"not an image at all")


def test_flat_image_has_untrusted_quality() -> None:
    _, quality = pdq_hex(Image.new("RGB", (200, 200), (120, 120, 120)))
    assert quality < PDQ_MIN_QUALITY


def test_subclip_and_compilation(reference_clip: Path, other_clip: Path, video_dir: Path) -> None:
    excerpt = video_dir / "excerpt.mp4"
    ffmpeg("-ss", "4", "-i", str(reference_clip), "-t", "4", "-c:v", "libx264", str(excerpt))
    compilation = video_dir / "compilation.mp4"
    ffmpeg(
        *("-i", str(other_clip), "-i", str(reference_clip), "-i", str(other_clip)),
        "-filter_complex",
        "[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]",
        *("-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", str(compilation)),
    )
    ref = hash_video_file(reference_clip).frames
    part = compare_videos(hash_video_file(excerpt).frames, ref)
    assert part.query_share >= 0.8 and part.matches()
    whole = compare_videos(hash_video_file(compilation).frames, ref)
    assert whole.query_share < 0.5 <= 0.8 <= whole.reference_share
    assert whole.matches()
    other = compare_videos(hash_video_file(other_clip).frames, ref)
    assert not other.matches()
