"""NudeNet on benign portraits. Its positive (exposure) class cannot be tested here: we never
use sexual imagery. The summary's plumbing is tested with the labels benign photos produce and
with label strings alone."""

from __future__ import annotations

import json

import numpy as np
import pytest

from takedown.triage.base import Box, Registry
from takedown.triage.images import prepare
from takedown.triage.nudity import NudityResult, NuditySummary, Region, family


def _overlap(a: Box, b: Box) -> float:
    w = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    h = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    return max(0, w) * max(0, h) / min(a.area, b.area)


@pytest.mark.triage
def test_portrait_gives_a_face_label_and_no_exposure(
    models: Registry, astronaut: np.ndarray
) -> None:
    result = models.get("nudenet").classify(prepare(astronaut))
    assert isinstance(result, NudityResult)
    assert result.model.name == "nudenet" and result.model.version.startswith("3.4.2")
    labels = {r.label for r in result.regions}
    assert "FACE_FEMALE" in labels
    assert not any(label.endswith("_EXPOSED") for label in labels)
    assert result.summary.exposure_score == 0.0
    assert result.summary.faces["FACE_FEMALE"] > 0.5
    face = next(r for r in result.regions if r.label == "FACE_FEMALE")
    assert _overlap(face.box, Box(175, 76, 91, 91)) > 0.8  # where dlib finds her face
    json.dumps(result.to_json())


@pytest.mark.triage
def test_boxes_are_in_submitted_coordinates(models: Registry, astronaut: np.ndarray) -> None:
    big = np.repeat(np.repeat(astronaut, 3, axis=0), 3, axis=1)  # 1536 px, worked at 1024
    prepared = prepare(big)
    assert prepared.scale == pytest.approx(1.5)
    result = models.get("nudenet").classify(prepared)
    face = next(r for r in result.regions if r.label.startswith("FACE_"))
    assert _overlap(face.box, Box(525, 228, 273, 273)) > 0.7


@pytest.mark.triage
def test_second_portrait_and_an_object_photo(
    models: Registry, hopper: np.ndarray, no_face: np.ndarray
) -> None:
    nudity = models.get("nudenet")
    portrait = nudity.classify(prepare(hopper))
    assert portrait.summary.faces and portrait.summary.exposure_score == 0.0
    cup = nudity.classify(prepare(no_face))
    assert not cup.summary.faces and cup.summary.exposure_score == 0.0


def test_label_families() -> None:
    assert family("FACE_MALE") == "face"
    assert family("FEET_COVERED") == "feet"
    assert family("BELLY_EXPOSED") == "belly"


def test_summary_keeps_the_highest_score_per_family() -> None:
    box = Box(0, 0, 1, 1)
    regions = [
        Region("FACE_FEMALE", 0.7, box),
        Region("FACE_FEMALE", 0.4, box),
        Region("FEET_EXPOSED", 0.9, box),
        Region("FEET_COVERED", 0.3, box),
        Region("BELLY_EXPOSED", 0.6, box),
    ]
    summary = NuditySummary.of(regions)
    assert summary.faces == {"FACE_FEMALE": 0.7}
    assert summary.exposed == {"feet": 0.9, "belly": 0.6}
    assert summary.covered == {"feet": 0.3}
    # Feet and belly are ordinary in benign photos: they never raise the exposure score.
    assert summary.exposure_score == 0.0
    assert NuditySummary.of([Region("BUTTOCKS_EXPOSED", 0.55, box)]).exposure_score == 0.55
