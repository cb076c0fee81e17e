"""hash_reference, hash_media and the ``takedown hash --json`` report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from takedown.matching.hashers.pdq import pdq_hex
from takedown.matching.hashes import MediaHashes
from takedown.matching.hashing import HashLimits, hash_file_report, hash_media, hash_reference
from takedown.media.decode import decode_image
from takedown.media.errors import MediaError
from tests.matching.conftest import encode
from tests.matching.transforms import pad


def test_image_report(tmp_path: Path, samples: dict[str, Image.Image]) -> None:
    path = tmp_path / "a.jpg"
    path.write_bytes(encode(samples["astronaut"]))
    report = hash_file_report(path)
    assert set(report) == {"path", "sha256", "pdq", "quality"}
    assert report["path"] == str(path) and len(report["pdq"]) == 64 and report["quality"] == 100
    json.dumps(report)


def test_bad_files_report_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert hash_file_report(empty) == {"path": str(empty), "error": "empty file (0 bytes)"}
    missing = tmp_path / "missing.jpg"
    assert "cannot read file" in hash_file_report(missing)["error"]


def test_media_hashes_include_trimmed_variant(samples: dict[str, Image.Image]) -> None:
    framed = pad(samples["coffee"], 0.2)
    media = hash_media(encode(framed))
    variants = {v.variant: v.hex for v in media.pdq}
    quadrants = {f"quadrant:{k}" for k in range(4)}
    panels = {v for v in variants if v.startswith("panel:")}
    assert {"original", "trimmed"} <= set(variants) <= {"original", "trimmed"} | quadrants | panels
    assert set(variants) & quadrants  # the quarters of the image (2 x 2 collages)
    assert MediaHashes.from_dict(json.loads(json.dumps(media.to_dict()))) == media
    assert (media.width, media.height) == framed.size


def test_reference_without_local_features(samples: dict[str, Image.Image]) -> None:
    data = encode(samples["rocket"])
    ref = hash_reference(data, HashLimits(local_features=False))
    assert ref.features is None and ref.pdq[0].variant == "original"
    assert ref.pdq[0].hex == pdq_hex(decode_image(data).image)[0]
    assert ref.sha256 == hash_media(data).sha256


@pytest.mark.parametrize("data", [b"", b"garbage" * 20, encode(Image.new("RGB", (1, 1)), "PNG")])
def test_bad_input_raises_media_error(data: bytes) -> None:
    with pytest.raises(MediaError):
        hash_reference(data)
    with pytest.raises(MediaError):
        hash_media(data)


def test_limits_from_settings(tmp_path: Path) -> None:
    from takedown.config import Settings

    limits = HashLimits.from_settings(Settings(home=tmp_path, max_image_pixels=1234))
    assert limits.image.max_pixels == 1234
