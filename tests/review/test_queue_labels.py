"""Keyword hits read as words, never as a raw dict."""

from __future__ import annotations

from takedown.review.queue import keyword_labels, keyword_pairs


def test_keyword_hits_are_readable() -> None:
    hits = [
        {"keyword": "zorblat", "variant": "zorb1at", "kind": "leet", "matched": "zorb1at"},
        {"keyword": "zorblat", "variant": "zorblat", "kind": "exact", "matched": "zorblat"},
        "quixel",
    ]
    assert keyword_pairs(hits) == (("zorblat", "zorb1at"), ("zorblat", ""), ("quixel", ""))
    assert keyword_labels(hits) == ("zorblat", "quixel")
    assert not any("{" in label for label in keyword_labels(hits))
    assert keyword_labels(None) == () and keyword_labels("not a list") == ()
