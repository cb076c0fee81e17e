"""The review queue's priority score and the rule for proactive detections (pure functions).

Priority (0-100, higher first) adds up weighted signals; each part is returned so the UI can
show why an item ranks where it does:

=================  ====================================================================
part               contribution
=================  ====================================================================
``match``          exact file match (SHA-256/MD5): ``exact_match``; else a perceptual
                   match at distance ``d <= t``: from ``hash_match`` at ``d = 0`` down to
                   ``hash_match_floor`` at ``d = t`` (linear)
``keywords``       ``keyword`` x min(hits, ``keyword_cap``) / ``keyword_cap``
``nudity``         ``nudity`` x NudeNet's exposure score (0-1)
``minor``          ``minor`` x the largest probability of an apparent age under 18 (0-1)
``same_person``    a face within the threshold of a case's reference face:
                   ``same_person_floor`` + (``same_person`` - floor) x (1 - d / t)
=================  ====================================================================

The sum is capped at 100. Weights are a frozen dataclass so a center can tune them in one
place; the defaults put a known victim file first, then an apparent minor.

Proactive detections: a page from a monitored source with a keyword hit, nudity and an
apparent minor becomes a *candidate* detection without a case, for an officer to look at.
Nothing is ever sent on a classifier's word alone: a candidate only enters a queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Signals:
    """Everything known about one media item. ``None`` means "not measured", not "absent"."""

    keyword_hits: int = 0
    exact_match: bool = False
    hash_distance: int | None = None  # best perceptual-hash distance to a case reference
    hash_threshold: int = 31  # PDQ's match threshold; pass the algorithm's own
    exposure_score: float | None = None  # NuditySummary.exposure_score
    p_under_18: float | None = None  # AgeResult.max_p_under_18
    same_person_distance: float | None = None  # closest SamePersonCandidate.distance
    same_person_threshold: float = 0.6

    def __post_init__(self) -> None:
        if self.keyword_hits < 0:
            raise ValueError("keyword_hits must be >= 0")
        for name in ("exposure_score", "p_under_18"):
            value = getattr(self, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within 0..1, got {value}")
        if self.hash_threshold <= 0 or self.same_person_threshold <= 0:
            raise ValueError("thresholds must be positive")


@dataclass(frozen=True, slots=True)
class Weights:
    """Points per signal (see the module docstring for how each is scaled)."""

    exact_match: float = 50.0
    hash_match: float = 45.0
    hash_match_floor: float = 25.0
    keyword: float = 10.0
    keyword_cap: int = 3
    nudity: float = 15.0
    minor: float = 25.0
    same_person: float = 20.0
    same_person_floor: float = 10.0

    def __post_init__(self) -> None:
        if self.keyword_cap < 1:
            raise ValueError("keyword_cap must be >= 1")


@dataclass(frozen=True, slots=True)
class Priority:
    """The score and the points each signal contributed."""

    score: float
    parts: dict[str, float] = field(default_factory=dict)


def priority(signals: Signals, weights: Weights | None = None) -> Priority:
    """Score one item for the review queue; see the module docstring for the formula."""
    w = weights or Weights()
    parts: dict[str, float] = {}
    if signals.exact_match:
        parts["match"] = w.exact_match
    elif signals.hash_distance is not None and 0 <= signals.hash_distance <= signals.hash_threshold:
        closeness = 1.0 - signals.hash_distance / signals.hash_threshold
        parts["match"] = w.hash_match_floor + (w.hash_match - w.hash_match_floor) * closeness
    if signals.keyword_hits:
        parts["keywords"] = w.keyword * min(signals.keyword_hits, w.keyword_cap) / w.keyword_cap
    if signals.exposure_score:
        parts["nudity"] = w.nudity * signals.exposure_score
    if signals.p_under_18:
        parts["minor"] = w.minor * signals.p_under_18
    d = signals.same_person_distance
    if d is not None and 0.0 <= d <= signals.same_person_threshold:
        closeness = 1.0 - d / signals.same_person_threshold
        parts["same_person"] = (
            w.same_person_floor + (w.same_person - w.same_person_floor) * closeness
        )
    parts = {k: round(v, 2) for k, v in parts.items()}
    return Priority(score=round(min(100.0, sum(parts.values())), 2), parts=parts)


@dataclass(frozen=True, slots=True)
class ProactiveRule:
    """When a page without a case becomes a proactive candidate: all three must hold."""

    min_keyword_hits: int = 1
    min_exposure: float = 0.5
    min_p_under_18: float = 0.5


@dataclass(frozen=True, slots=True)
class ProactiveDecision:
    """The rule's answer. ``action`` is always officer review: a candidate is never sent."""

    candidate: bool
    met: tuple[str, ...]
    unmet: tuple[str, ...]
    action: Literal["officer_review"] = "officer_review"


def proactive(signals: Signals, rule: ProactiveRule | None = None) -> ProactiveDecision:
    """Keyword hit + nudity + apparent minor -> a proactive candidate for the separate queue.

    A signal that was not measured (``None``) counts as unmet: without the triage extra there
    are no proactive detections.
    """
    rule = rule or ProactiveRule()
    checks = {
        "keyword": signals.keyword_hits >= rule.min_keyword_hits,
        "nudity": signals.exposure_score is not None
        and signals.exposure_score >= rule.min_exposure,
        "apparent_minor": signals.p_under_18 is not None
        and signals.p_under_18 >= rule.min_p_under_18,
    }
    met = tuple(k for k, ok in checks.items() if ok)
    unmet = tuple(k for k, ok in checks.items() if not ok)
    return ProactiveDecision(candidate=not unmet, met=met, unmet=unmet)
