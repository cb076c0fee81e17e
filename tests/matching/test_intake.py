"""Hash-only intake: PDQ, vPDQ, SHA-256 and MD5 in the formats StopNCII, HMA and vpdq use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from takedown.matching.engine import Matcher
from takedown.matching.hashes import ReferenceHashes
from takedown.matching.hashing import hash_file_report, hash_media

PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
OTHER = "e42926b9cb58d261383b699f0ff2e1076fe6183dff4986d82ca36da48034fc54"


def test_pdq_plain_and_with_quality() -> None:
    ref = ReferenceHashes.from_hashes("pdq", [PDQ.upper(), f"{OTHER},40"])
    assert [(v.hex, v.quality, v.variant) for v in ref.pdq] == [
        (PDQ, 100, "supplied"),
        (OTHER, 40, "supplied"),
    ]
    assert ref.kind == "image" and ref.source == "hashes" and ref.features is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (PDQ[:-2], "64 hex"),
        ("z" * 64, "not a hex"),
        (f"{PDQ},101", "0-100"),
        (f"{PDQ},1,2", "'hex' or 'hex,quality'"),
    ],
)
def test_bad_pdq(entry: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReferenceHashes.from_hashes("pdq", [entry])


def test_vpdq_formats_agree() -> None:
    compact = [f"{PDQ},100,0.000", f"{OTHER},90,1.000"]
    hma = json.dumps(compact)
    tool = [f"0,100,{PDQ},0.000", f"30,90,{OTHER},1.000"]
    bare = [PDQ, OTHER]
    parsed = [ReferenceHashes.from_hashes("vpdq", f).vpdq for f in (compact, [hma], tool, bare)]
    for frames in parsed:
        assert [(f.hex, f.timestamp) for f in frames] == [(PDQ, 0.0), (OTHER, 1.0)]
    assert [f.quality for f in parsed[0]] == [100, 90]
    assert [f.frame_number for f in parsed[2]] == [0, 30]


def test_vpdq_from_our_own_report_round_trips(tmp_path: Path) -> None:
    import subprocess

    clip = tmp_path / "c.mp4"
    subprocess.run(
        [
            *(
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=128x96:rate=10",
            ),
            *("-t", "3", "-pix_fmt", "yuv420p", str(clip)),
        ],
        check=True,
    )
    report = hash_file_report(clip)
    assert set(report) == {"path", "sha256", "vpdq"} and len(report["vpdq"]) == 3
    ref = ReferenceHashes.from_hashes("vpdq", report["vpdq"])
    matcher = Matcher()
    matcher.add(1, 1, ref)
    assert [r.algorithm for r in matcher.match(hash_media(clip.read_bytes()))] == ["vpdq"]


@pytest.mark.parametrize(
    "entries",
    [[f"{PDQ},100"], ["[1, 2]"], ["[not json"], [f"x,{PDQ},1,2"], [f"{PDQ},100,-1"], []],
)
def test_bad_vpdq(entries: list[str]) -> None:
    with pytest.raises(ValueError):
        ReferenceHashes.from_hashes("vpdq", entries)


def test_exact_digests() -> None:
    sha = "ab" * 32
    md5 = "0a21c8f85a55a9e276ffc2c53f6887c4"
    assert ReferenceHashes.from_hashes("sha256", [sha.upper()]).sha256 == sha
    assert ReferenceHashes.from_hashes("md5", [md5]).md5 == md5
    with pytest.raises(ValueError, match="32 hex"):
        ReferenceHashes.from_hashes("md5", [sha])
    with pytest.raises(ValueError, match="one reference"):
        ReferenceHashes.from_hashes("sha256", [sha, "cd" * 32])
    with pytest.raises(ValueError, match="unknown algorithm"):
        ReferenceHashes.from_hashes("phash", [sha])  # type: ignore[arg-type]


def test_exact_hash_only_reference_matches_identical_file(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    import hashlib

    ref = ReferenceHashes.from_hashes("md5", [hashlib.md5(data).hexdigest()])  # noqa: S324
    matcher = Matcher()
    matcher.add(3, 1, ref)
    from takedown.matching.hashes import MediaHashes

    media = MediaHashes(kind="image", md5=hashlib.md5(data).hexdigest())  # noqa: S324
    assert [r.algorithm for r in matcher.match(media)] == ["md5"]
