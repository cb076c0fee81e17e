from __future__ import annotations

import pytest

from takedown.triage.priority import (
    ProactiveRule,
    Signals,
    Weights,
    priority,
    proactive,
)


def test_nothing_known_scores_zero() -> None:
    assert priority(Signals()).score == 0.0
    assert priority(Signals()).parts == {}


def test_known_victim_file_ranks_above_triage_signals_alone() -> None:
    known = priority(Signals(hash_distance=10))
    triaged = priority(Signals(keyword_hits=1, exposure_score=0.9, same_person_distance=0.5))
    assert known.score > triaged.score


def test_closer_hash_and_closer_face_rank_higher() -> None:
    assert priority(Signals(exact_match=True)).score > priority(Signals(hash_distance=0)).score
    assert priority(Signals(hash_distance=0)).score > priority(Signals(hash_distance=31)).score
    assert priority(Signals(hash_distance=32)).parts == {}  # beyond the threshold: no match
    near = priority(Signals(same_person_distance=0.2)).score
    far = priority(Signals(same_person_distance=0.59)).score
    assert near > far >= Weights().same_person_floor
    assert priority(Signals(same_person_distance=0.7)).score == 0.0


def test_apparent_minor_raises_priority() -> None:
    base = Signals(keyword_hits=1, exposure_score=0.6)
    with_minor = Signals(keyword_hits=1, exposure_score=0.6, p_under_18=0.8)
    assert priority(with_minor).score - priority(base).score == pytest.approx(20.0)


def test_keywords_saturate_and_score_is_capped() -> None:
    assert priority(Signals(keyword_hits=30)).parts["keywords"] == Weights().keyword
    everything = Signals(
        keyword_hits=5,
        exact_match=True,
        exposure_score=1.0,
        p_under_18=1.0,
        same_person_distance=0.0,
    )
    assert priority(everything).score == 100.0


def test_weights_are_tunable() -> None:
    signals = Signals(exposure_score=1.0)
    assert priority(signals, Weights(nudity=40.0)).score == 40.0


def test_signals_are_validated() -> None:
    with pytest.raises(ValueError):
        Signals(exposure_score=1.5)
    with pytest.raises(ValueError):
        Signals(keyword_hits=-1)
    with pytest.raises(ValueError):
        Weights(keyword_cap=0)


def test_proactive_needs_keyword_nudity_and_apparent_minor() -> None:
    full = Signals(keyword_hits=1, exposure_score=0.7, p_under_18=0.6)
    decision = proactive(full)
    assert decision.candidate and decision.unmet == ()
    assert decision.action == "officer_review"  # never "send"
    for missing in (
        Signals(exposure_score=0.7, p_under_18=0.6),
        Signals(keyword_hits=1, exposure_score=0.2, p_under_18=0.6),
        Signals(keyword_hits=1, exposure_score=0.7, p_under_18=0.1),
    ):
        assert not proactive(missing).candidate


def test_unmeasured_signals_never_make_a_candidate() -> None:
    decision = proactive(Signals(keyword_hits=3))
    assert not decision.candidate
    assert decision.unmet == ("nudity", "apparent_minor")
    lenient = ProactiveRule(min_exposure=0.0, min_p_under_18=0.0)
    assert not proactive(Signals(keyword_hits=3), lenient).candidate


def test_docs_state_the_default_weights_and_the_rule() -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "triage.md").read_text("utf-8")
    w = Weights()
    for line in (
        f"| exact file match (SHA-256/MD5) | {w.exact_match:.0f} |",
        f"| nudity | {w.nudity:.0f} × exposure score |",
        f"| apparent minor | {w.minor:.0f} × largest `p_under_18` |",
    ):
        assert line in docs
    rule = ProactiveRule()
    flat = " ".join(docs.split())
    assert (
        f"an exposure score >= {rule.min_exposure} and an apparent-minor probability >= "
        f"{rule.min_p_under_18}"
    ) in flat
    assert "pip install takedown[triage]" in docs
