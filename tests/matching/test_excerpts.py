"""Video excerpts by temporal alignment, and audio as a second signal, on real encoded clips.

The reference is 15 s of three panned scikit-image samples with a seeded melody; unrelated
clips use other samples and other melodies.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from takedown.matching.engine import Matcher, MatchResult
from takedown.matching.hashers.vpdq import compare_videos
from takedown.matching.hashes import MediaHashes
from takedown.matching.hashing import hash_media, hash_reference
from takedown.media.audio import fpcalc_available

from .clips import cut, slideshow, still

pytestmark = pytest.mark.skipif(not fpcalc_available(), reason="fpcalc not installed")

REF = 7
CASE = 3


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("excerpts")


@pytest.fixture(scope="module")
def reference(folder: Path) -> Path:
    stills = [still(folder, n) for n in ("astronaut", "coffee", "chelsea")]
    return slideshow(folder / "reference.mp4", stills, 5.0, seed=11)


@pytest.fixture(scope="module")
def unrelated(folder: Path) -> Path:
    names = ("rocket", "camera", "immunohistochemistry", "hubble_deep_field", "retina", "horse")
    stills = [still(folder, n) for n in names]
    return slideshow(folder / "unrelated.mp4", stills, 5.0, seed=29)


@pytest.fixture(scope="module")
def matcher(reference: Path) -> Matcher:
    found = Matcher()
    found.add(REF, CASE, hash_reference(reference.read_bytes()))
    return found


def _only(results: list[MatchResult]) -> MatchResult:
    assert [r.reference_id for r in results] == [REF]
    return results[0]


def _near(value: float, expected: float, slack: float = 1.6) -> bool:
    return abs(value - expected) <= slack


def test_reference_keeps_the_sound_fingerprint_not_the_sound(reference: Path) -> None:
    hashes = hash_reference(reference.read_bytes())
    assert hashes.audio is not None and len(hashes.audio.values) > 80
    stored = hashes.to_dict()
    assert set(stored["audio"]) == {"duration", "chromaprint"}
    assert type(hashes).from_dict(stored).audio == hashes.audio


@pytest.fixture(scope="module")
def compilation(reference: Path, unrelated: Path, folder: Path) -> Path:
    """30 s: 12 s unrelated, then reference seconds 4-12, then 10 s unrelated."""
    parts = [(unrelated, 0.0, 12.0), (reference, 4.0, 8.0), (unrelated, 15.0, 10.0)]
    return cut(folder / "compilation.mp4", parts)


def test_excerpt_inside_a_compilation_is_found_with_its_segment(
    matcher: Matcher, compilation: Path
) -> None:
    media = hash_media(compilation.read_bytes())
    assert 29 <= media.duration <= 31
    hit = _only(matcher.match(media))
    assert hit.algorithm == "vpdq" and hit.case_id == CASE and hit.review == "none"
    seg = next(s for s in hit.segments if s.signal == "vpdq")
    assert _near(seg.query_start, 12) and _near(seg.query_end, 20), seg
    assert _near(seg.reference_start, 4) and _near(seg.reference_end, 12), seg
    # The sound of the excerpt aligns too, at the same place.
    heard = [s for s in hit.segments if s.signal == "audio"]
    assert (
        heard and _near(heard[0].query_start, 12, 2.5) and _near(heard[0].reference_start, 4, 2.5)
    )
    assert hit.detail()["signals"] == ["vpdq", "audio"]


def test_compare_videos_sees_the_excerpt_that_frame_shares_miss(
    reference: Path, compilation: Path
) -> None:
    found = compare_videos(
        hash_media(compilation.read_bytes()).vpdq, hash_reference(reference.read_bytes()).vpdq
    )
    # 8 of 30 query seconds, 8 of 15 reference seconds: under the 80% whole-copy rule.
    assert max(found.query_share, found.reference_share) < 0.8
    assert found.matches() and _near(found.segments[0].query_start, 12)


def test_trim_keeping_40_percent_is_found(matcher: Matcher, reference: Path, folder: Path) -> None:
    query = cut(folder / "trim.mp4", [(reference, 5, 6)])
    hit = _only(matcher.match(hash_media(query.read_bytes())))
    assert hit.algorithm == "vpdq"
    seg = hit.segments[0]
    assert _near(seg.query_start, 0) and _near(seg.reference_start, 5), seg
    assert seg.seconds >= 4


def test_unrelated_video_is_not_found(matcher: Matcher, unrelated: Path) -> None:
    assert matcher.match(hash_media(unrelated.read_bytes())) == []


def test_mirrored_cropped_graded_copy_is_found_by_its_sound(
    matcher: Matcher, reference: Path, folder: Path
) -> None:
    vf = "hflip,crop=iw*0.7:ih*0.7,scale=192:144,eq=saturation=1.8:gamma=1.3,hue=h=40"
    query = cut(folder / "mirrored.mp4", [(reference, 0, 15)], vf=vf)
    media = hash_media(query.read_bytes())
    hit = _only(matcher.match(media))
    assert hit.algorithm == "audio" and hit.signals == ("audio",)
    assert hit.review == "candidate"  # a shared soundtrack alone waits for an officer
    seg = hit.segments[0]
    assert seg.seconds >= 10 and _near(seg.query_start - seg.reference_start, 0, 0.5)
    # The picture alone is not enough: without its sound the same copy is not found.
    silent = MediaHashes(kind="video", vpdq=media.vpdq, duration=media.duration)
    assert matcher.match(silent) == []


def test_video_without_sound_is_hashed_and_matched_by_frames(
    matcher: Matcher, folder: Path
) -> None:
    stills = [still(folder, n) for n in ("astronaut", "coffee", "chelsea")]
    silent = slideshow(folder / "silent.mp4", stills, 5.0, seed=None)
    media = hash_media(silent.read_bytes())
    assert media.audio is None and not any("audio" in n for n in media.notes)
    assert _only(matcher.match(media)).algorithm == "vpdq"
