"""The local-feature verifier: heavy crops, screenshots and collages, in bounded time."""

from __future__ import annotations

import time

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from takedown.matching.hashes import LocalFeatures
from takedown.matching.verify import (
    FeatureIndex,
    VerifyLimits,
    accepted,
    extract_features,
    measure,
)
from tests.matching.conftest import REFERENCE_NAMES, UNRELATED_NAMES
from tests.matching.transforms import collage, crop, jpeg, screenshot

LIMITS = VerifyLimits()


def features(image: Image.Image, query: bool = False) -> LocalFeatures:
    if query:
        found = extract_features(image, LIMITS.query_keypoints, LIMITS.query_side)
    else:
        found = extract_features(image, LIMITS.reference_keypoints, LIMITS.reference_side)
    assert found is not None
    return found


def build(samples: dict[str, Image.Image]) -> FeatureIndex:
    index = FeatureIndex(LIMITS)
    for ref, name in enumerate(REFERENCE_NAMES, start=1):
        index.add(ref, features(samples[name]))
    return index


@pytest.mark.slow
def test_crop_screenshot_collage(samples: dict[str, Image.Image]) -> None:
    index = build(samples)
    others = [samples[n] for n in UNRELATED_NAMES]
    for ref, name in enumerate(REFERENCE_NAMES, start=1):
        image = samples[name]
        for edited in (crop(image, 0.2), screenshot(image), collage(image, others)):
            found = index.verify(features(jpeg(edited, 80), query=True))
            assert [v.reference_id for v in found][:1] == [ref], name
            assert found[0].inliers >= LIMITS.min_inliers and 0 < found[0].confidence <= 1


def test_unrelated_and_flipped_images_are_not_verified(samples: dict[str, Image.Image]) -> None:
    index = build(samples)
    for name in UNRELATED_NAMES:
        assert index.verify(features(samples[name], query=True)) == [], name
    flat = Image.new("RGB", (400, 300), (128, 128, 128))
    assert extract_features(flat, 500, 800) is None


def test_allowed_limits_candidates_and_remove(samples: dict[str, Image.Image]) -> None:
    index = build(samples)
    query = features(crop(samples["coffee"], 0.2), query=True)
    assert index.verify(query, allowed={1, 3}) == []
    assert index.verify(query)[0].reference_id == 2
    index.remove(2)
    assert index.verify(query) == [] and len(index) == 3


@pytest.mark.slow
def test_bounded_time_with_many_references(samples: dict[str, Image.Image]) -> None:
    index = build(samples)
    rng = np.random.default_rng(7)
    for ref in range(100, 160):  # 60 more references: 30,000 descriptors, the IVF path
        points = rng.random((500, 2), dtype=np.float32) * 500
        index.add(ref, LocalFeatures(points, rng.integers(0, 256, (500, 32), np.uint8), 500, 500))
    query = features(screenshot(samples["rocket"]), query=True)
    assert index.verify(query)[0].reference_id == 4  # builds the index once
    start = time.perf_counter()
    found = index.verify(query)
    assert time.perf_counter() - start < 2.0
    assert found[0].reference_id == 4


def test_features_round_trip(samples: dict[str, Image.Image]) -> None:
    found = features(samples["astronaut"])
    again = LocalFeatures.from_dict(found.to_dict())
    assert again == found and len(again) <= LIMITS.reference_keypoints


def with_logo(image: Image.Image, logo: Image.Image, at: tuple[int, int]) -> Image.Image:
    out = image.copy()
    out.paste(logo, at)
    return out


def test_a_shared_logo_alone_is_not_a_match(samples: dict[str, Image.Image]) -> None:
    """Two unrelated pictures carrying the same textured badge: many consistent matches, all
    in one corner of the reference, so too few grid cells and too little area to count."""
    logo = samples["camera"].crop((180, 60, 300, 150))  # a 120 x 90 patch of detail
    reference = with_logo(samples["coffee"], logo, (20, 20))
    query = with_logo(samples["retina"].resize((600, 600)), logo, (400, 420))
    index = FeatureIndex(LIMITS)
    index.add(1, features(reference))
    measured = measure(1, features(reference), features(jpeg(query, 85), query=True), LIMITS)
    assert measured is not None and measured.inliers >= LIMITS.min_inliers  # the badge matches
    assert not accepted(measured, LIMITS)
    assert index.verify(features(jpeg(query, 85), query=True)) == []
    # The reference itself, shrunk into one cell of a 2 x 2 grid without gutters, is found.
    cell = (reference.width // 2, reference.height // 2)
    grid = Image.new("RGB", (2 * cell[0], 2 * cell[1]))
    for k, name in enumerate(("retina", "camera", "hubble_deep_field")):
        grid.paste(samples[name].resize(cell), ((k % 2) * cell[0], (k // 2) * cell[1]))
    grid.paste(reference.resize(cell), (cell[0], cell[1]))
    found = index.verify(features(jpeg(grid, 85), query=True))
    assert [v.reference_id for v in found] == [1]
    assert found[0].cells >= LIMITS.min_cells and found[0].coverage > 0.3


def test_smooth_pictures_still_get_keypoints(samples: dict[str, Image.Image]) -> None:
    """A soft picture gives few corners at ORB's usual threshold; the lower ones find more, and
    a crop of it is then verified."""
    soft = samples["chelsea"].filter(ImageFilter.GaussianBlur(8))
    usual = cv2.ORB.create(nfeatures=500, fastThreshold=12).detect(np.asarray(soft.convert("L")))
    found = extract_features(soft, LIMITS.reference_keypoints, LIMITS.reference_side)
    assert found is not None and len(usual) < 20 and len(found) >= LIMITS.min_keypoints
    index = FeatureIndex(LIMITS)
    index.add(1, found)
    detail = soft.crop((40, 30, soft.width - 60, soft.height - 40))
    assert [v.reference_id for v in index.verify(features(jpeg(detail, 85), query=True))] == [1]


def _with_caption(image: Image.Image) -> Image.Image:
    """Hard-edged white text over the lower half, as a watermark or a caption puts it."""
    out = image.copy()
    draw = ImageDraw.Draw(out)
    font = ImageFont.load_default(size=max(12, image.height // 8))
    for row in range(3):
        y = image.height // 2 + row * image.height // 7
        draw.text((10, y), "zorblat.example", fill=(255, 255, 255), font=font)
    return out


def test_text_over_a_soft_picture_leaves_its_own_corners(samples: dict[str, Image.Image]) -> None:
    """Text's strong corners would fill the keypoint budget at the usual threshold and leave the
    soft upper half without any; the sparse cells are re-detected at lower thresholds, so the
    query keeps the corners the reference (without the text) was described by."""
    soft = samples["chelsea"].filter(ImageFilter.GaussianBlur(6))
    captioned = _with_caption(soft)
    query = features(captioned, query=True)
    usual = cv2.ORB.create(nfeatures=6000, fastThreshold=12).detect(
        np.asarray(captioned.convert("L"))
    )
    assert len(usual) >= LIMITS.min_keypoints  # the text alone passes the global count
    upper_usual = sum(p.pt[1] < captioned.height / 2 for p in usual)
    upper = int((query.points[:, 1] < query.height / 2).sum())
    assert upper > 4 * max(1, upper_usual)
    index = FeatureIndex(LIMITS)
    index.add(1, features(soft))
    found = index.verify(features(jpeg(captioned, 85), query=True))
    assert [v.reference_id for v in found] == [1]


def test_thumbnails_are_enlarged_before_detection(samples: dict[str, Image.Image]) -> None:
    reference = samples["coffee"]
    small = reference.resize((reference.width * 2 // 5, reference.height * 2 // 5))
    plain = extract_features(small, LIMITS.query_keypoints, LIMITS.query_side)
    enlarged = extract_features(
        small, LIMITS.query_keypoints, LIMITS.query_side, min_side=LIMITS.query_min_side
    )
    assert plain is not None and enlarged is not None
    assert max(enlarged.width, enlarged.height) == LIMITS.query_min_side
    assert len(enlarged) > len(plain)
    index = FeatureIndex(LIMITS)
    index.add(1, features(reference))
    found = index.verify(enlarged)
    assert [v.reference_id for v in found] == [1]
    assert found[0].inliers >= LIMITS.min_inliers
