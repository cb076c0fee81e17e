"""The worker's entry point: decode once, run classifiers, keep going past failures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from takedown.triage.base import Budget, Registry, TriageError
from takedown.triage.faces import FaceEmbedder
from takedown.triage.images import Prepared, prepare
from takedown.triage.priority import priority, proactive
from takedown.triage.run import signals_from, triage


class Broken:
    name = "broken"
    version = "0"
    returns = dict
    budget = Budget()

    def load(self) -> None:
        pass

    def classify(self, image: Prepared) -> dict[str, object]:
        raise TriageError("model exploded on purpose")


def test_bad_input_is_reported_not_raised() -> None:
    report = triage(b"\x89PNG\r\n\x1a\n broken", classifiers=Registry())
    assert report.results == {}
    assert "input" in report.errors


def test_a_failing_classifier_does_not_stop_the_others() -> None:
    registry = Registry()
    registry.register("broken", Broken)
    registry.register("shape", lambda: _Shape())
    report = triage(np.zeros((32, 32, 3), np.uint8), ["broken", "shape"], classifiers=registry)
    assert report.errors == {"broken": "model exploded on purpose"}
    assert report.results["shape"].to_json() == {"shape": [32, 32, 3]}


class _Shape:
    name = "shape"
    version = "1"
    returns = dict
    budget = Budget()

    def load(self) -> None:
        pass

    def classify(self, image: Prepared) -> _ShapeResult:
        return _ShapeResult(list(image.rgb.shape))


class _ShapeResult:
    def __init__(self, shape: list[int]) -> None:
        self.shape = shape

    def to_json(self) -> dict[str, object]:
        return {"shape": self.shape}


@pytest.mark.triage
def test_portrait_end_to_end(models: Registry, astronaut: np.ndarray, hopper: np.ndarray) -> None:
    embedder = models.get("dlib-face")
    assert isinstance(embedder, FaceEmbedder)
    reference = embedder.reference("ref-1", prepare(astronaut))
    report = triage(astronaut[:, ::-1].copy(), classifiers=models)
    assert report.errors == {}
    json.dumps(report.to_json())
    signals, candidates = signals_from(report, keyword_hits=1, references=[reference])
    assert [c.ref_id for c in candidates] == ["ref-1"]
    assert signals.exposure_score == 0.0 and signals.p_under_18 is not None
    assert signals.p_under_18 < 0.05
    assert not proactive(signals).candidate  # an adult portrait never becomes one
    ranked = priority(signals)
    assert "same_person" in ranked.parts and ranked.score > 10

    other, none = signals_from(triage(hopper, classifiers=models), references=[reference])
    assert none == [] and other.same_person_distance is None
    assert priority(other).score < ranked.score
