"""The Matcher: transformed copies are found, unrelated images are not, in every case."""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from takedown.matching.engine import Matcher, MatchPolicy
from takedown.matching.hashes import MediaHashes, ReferenceHashes
from takedown.matching.hashing import HashLimits, hash_media, hash_reference
from tests.matching.conftest import CASE_OF, REFERENCE_NAMES, UNRELATED_NAMES, encode, ffmpeg
from tests.matching.transforms import HASH_EDITS, collage, crop, jpeg, screenshot


def query(matcher: Matcher, image: Image.Image, **kwargs: object) -> list[tuple[int, str]]:
    data = encode(jpeg(image, 85))
    media = MediaHashes.from_dict(json.loads(json.dumps(hash_media(data).to_dict())))
    return [(r.reference_id, r.algorithm) for r in matcher.match(media, data=data, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize("edit", sorted(HASH_EDITS))
def test_hash_edits_are_found_by_hashes(
    matcher: Matcher, samples: dict[str, Image.Image], edit: str
) -> None:
    for ref, name in enumerate(REFERENCE_NAMES, start=1):
        found = query(matcher, HASH_EDITS[edit](samples[name]))
        assert found and found[0] == (ref, "pdq"), (edit, name, found)
        assert len(found) == 1


@pytest.mark.slow
def test_heavy_crop_screenshot_and_collage_found_by_local_features(
    matcher: Matcher, samples: dict[str, Image.Image]
) -> None:
    astronaut = samples["astronaut"]
    others = [samples[n] for n in UNRELATED_NAMES]
    # A 20% crop each side is within reach of the reference's heavy-crop hashes; a detail
    # cut elsewhere (the top-left quarter) is left to the verifier.
    assert query(matcher, crop(astronaut, 0.2))[0][0] == 1
    assert query(matcher, astronaut.crop((0, 0, 256, 256))) == [(1, "local")]
    assert query(matcher, screenshot(samples["rocket"]))[0][0] == 4
    found = dict(query(matcher, collage(astronaut, others)))
    # The collage cell's own PDQ (hash_media's panel variants) finds it before the verifier.
    assert found == {1: "pdq"}


@pytest.mark.slow
def test_unrelated_images_match_nothing(matcher: Matcher, samples: dict[str, Image.Image]) -> None:
    for name in UNRELATED_NAMES:
        image = samples[name]
        assert query(matcher, image) == [], name
        assert query(matcher, crop(image, 0.2)) == [], name
    assert query(matcher, collage(samples["camera"], [samples[n] for n in UNRELATED_NAMES])) == []


def test_exact_bytes_match_first(matcher: Matcher, samples: dict[str, Image.Image]) -> None:
    data = encode(samples["coffee"], quality=92)  # the bytes the reference was hashed from
    results = matcher.match(hash_media(data))
    assert [(r.reference_id, r.algorithm, r.distance, r.confidence) for r in results] == [
        (2, "sha256", 0.0, 1.0)
    ]
    assert results[0].case_id == CASE_OF[2]


def test_case_filter(matcher: Matcher, samples: dict[str, Image.Image]) -> None:
    assert query(matcher, samples["astronaut"], case_id=10) == [(1, "pdq")]
    assert query(matcher, samples["astronaut"], case_id=20) == []
    assert query(matcher, crop(samples["astronaut"], 0.2), case_id=20) == []


def test_without_bytes_no_local_verification(
    matcher: Matcher, samples: dict[str, Image.Image]
) -> None:
    data = encode(samples["astronaut"].crop((0, 0, 256, 256)))  # found by the verifier only
    assert matcher.match(hash_media(data)) == []
    assert [r.algorithm for r in matcher.match(hash_media(data), data=data)] == ["local"]


def test_add_remove_and_hash_only_reference(samples: dict[str, Image.Image]) -> None:
    matcher = Matcher()
    image = samples["chelsea"]
    media = hash_media(encode(jpeg(image, 60)))
    assert matcher.match(media) == []
    supplied = ReferenceHashes.from_hashes("pdq", [hash_media(encode(image)).pdq[0].hex])
    matcher.add(7, 3, supplied)
    assert [(r.case_id, r.reference_id, r.algorithm) for r in matcher.match(media)] == [
        (3, 7, "pdq")
    ]
    matcher.remove(7)
    matcher.remove(7)  # unknown ids are ignored
    assert matcher.match(media) == [] and len(matcher) == 0


def test_replacing_a_reference_drops_its_old_hashes(samples: dict[str, Image.Image]) -> None:
    matcher = Matcher()
    matcher.add(1, 1, hash_reference(encode(samples["astronaut"])))
    matcher.add(1, 1, hash_reference(encode(samples["coffee"])))
    assert matcher.match(hash_media(encode(jpeg(samples["astronaut"], 60)))) == []
    assert matcher.match(hash_media(encode(jpeg(samples["coffee"], 60))))[0].reference_id == 1


def test_reference_round_trips_through_json(reference_hashes: dict[int, ReferenceHashes]) -> None:
    hashes = reference_hashes[1]
    again = ReferenceHashes.from_dict(json.loads(hashes.to_json()))
    assert again == hashes
    assert hashes.features is not None and len(hashes.features) > 100
    assert len(hashes.pdq) >= 30  # 8 dihedral + the augmentation family


def test_video_reference_subclip_compilation_and_frame_screenshot(
    reference_clip: Path, other_clip: Path, video_dir: Path
) -> None:
    matcher = Matcher()
    matcher.add(50, 5, hash_reference(reference_clip.read_bytes()))
    excerpt = video_dir / "engine-excerpt.mp4"
    ffmpeg("-ss", "3", "-i", str(reference_clip), "-t", "5", "-vf", "scale=320:240", str(excerpt))
    compilation = video_dir / "engine-compilation.mp4"
    ffmpeg(
        *("-i", str(other_clip), "-i", str(reference_clip)),
        "-filter_complex",
        "[0:v][1:v]concat=n=2:v=1:a=0[v]",
        *("-map", "[v]", "-c:v", "libx264", "-preset", "ultrafast", str(compilation)),
    )
    for path in (excerpt, compilation):
        results = matcher.match(hash_media(path.read_bytes()))
        assert [(r.reference_id, r.algorithm) for r in results] == [(50, "vpdq")], path.name
    assert matcher.match(hash_media(other_clip.read_bytes())) == []
    still = video_dir / "still.png"
    ffmpeg("-ss", "6", "-i", str(reference_clip), "-frames:v", "1", str(still))
    assert [r.algorithm for r in matcher.match(hash_media(still.read_bytes()))] == ["vpdq"]


def test_concurrent_matches_while_references_change(
    reference_hashes: dict[int, ReferenceHashes], samples: dict[str, Image.Image]
) -> None:
    matcher = Matcher()
    for ref, hashes in reference_hashes.items():
        matcher.add(ref, CASE_OF[ref], hashes)
    queries = [hash_media(encode(HASH_EDITS["crop5"](samples[n]))) for n in REFERENCE_NAMES]

    def look(i: int) -> int:
        if i % 10 == 0:
            matcher.add(1000 + i, 99, reference_hashes[1 + i % 4])
            matcher.remove(1000 + i)
        return matcher.match(queries[i % 4])[0].reference_id

    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(look, range(80)))
    assert got == [1 + i % 4 for i in range(80)]


def test_near_pdq_hits_are_confirmed_by_the_verifier(
    reference_hashes: dict[int, ReferenceHashes], samples: dict[str, Image.Image]
) -> None:
    """A hit just beyond the PDQ threshold counts only once the verifier confirms it."""
    policy = MatchPolicy(pdq_threshold=2, pdq_confirm_threshold=44)
    strict = Matcher(policy)
    sweep = Matcher(dataclasses.replace(policy, keep_unconfirmed=True))
    for ref, hashes in reference_hashes.items():
        strict.add(ref, CASE_OF[ref], hashes)
        sweep.add(ref, CASE_OF[ref], hashes)
    coffee = samples["coffee"]
    data = encode(coffee.resize((coffee.width // 2, coffee.height // 2)), quality=50)
    media = hash_media(data)
    assert strict.match(media) == []  # near the reference, but no bytes to verify
    found = strict.match(media, data=data)
    assert [(r.reference_id, r.algorithm) for r in found] == [(2, "local")]
    unconfirmed = sweep.match(media)
    assert [(r.reference_id, r.algorithm) for r in unconfirmed] == [(2, "pdq")]
    assert 2 < unconfirmed[0].distance <= 44


def test_near_hit_the_verifier_cannot_judge_counts_within_its_threshold(
    samples: dict[str, Image.Image],
) -> None:
    """A reference without local features (too smooth to describe) cannot be confirmed; a
    near hit on it counts when within ``pdq_unverifiable_threshold``, and not beyond."""
    coffee = samples["coffee"]
    reference = hash_reference(encode(coffee, quality=92), HashLimits(local_features=False))
    data = encode(coffee.resize((coffee.width // 2, coffee.height // 2)), quality=50)
    media = hash_media(data)
    results = []
    for unverifiable in (44, 2):
        policy = MatchPolicy(
            pdq_threshold=2, pdq_confirm_threshold=44, pdq_unverifiable_threshold=unverifiable
        )
        found = Matcher(policy)
        found.add(7, 1, reference)
        found.add(8, 1, hash_reference(encode(samples["astronaut"], quality=92)))
        results.append([(r.reference_id, r.algorithm) for r in found.match(media, data=data)])
    assert results == [[(7, "pdq")], []]
