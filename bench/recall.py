"""Recall at fixed precision, per transform, from (query, reference, distance) candidate pairs.

Every query is scored against every reference a method returns. A pair is true when the query
is an edit of that reference; queries made from distractors (images that are not references)
only make false pairs. The threshold is the largest distance at which the pooled precision over
all transforms, true pairs / all pairs at or below it, stays >= the target.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Query:
    transform: str
    reference: int | None  # index of the reference it was made from; None for distractors


@dataclass(frozen=True)
class Outcome:
    """A method's result at its chosen threshold."""

    threshold: float | str
    precision: float
    true_pairs: int
    false_pairs: int
    recall: dict[str, float]  # per transform
    queries: dict[str, int]
    # The closest false pairs: (transform, query's reference or None, matched reference, distance).
    closest_false: list[tuple[str, int | None, int, float]]
    # The cuts applied: hash distances (below ``split``) and verifier scores (from it on).
    cuts: tuple[float, float] = (float("-inf"), float("-inf"))
    split: float | None = None

    def overall(self, transforms: Sequence[str] | None = None) -> float:
        names = [t for t in self.recall if transforms is None or t in transforms]
        hits = sum(self.recall[t] * self.queries[t] for t in names)
        return hits / max(1, sum(self.queries[t] for t in names))


def evaluate(
    queries: Sequence[Query],
    scores: Sequence[dict[int, float]],
    *,
    min_precision: float = 0.9999,
    fixed_threshold: float | None = None,
    split: float | None = None,
    fixed_cuts: tuple[float, float] | None = None,
) -> Outcome:
    """Recall per transform at the loosest threshold meeting ``min_precision`` (or a fixed one).

    With ``split``, scores below it and scores from it on are two kinds of evidence (hash
    distances, then verifier scores) with a threshold each, chosen together for the most true
    pairs at the target precision.
    """
    dist: list[float] = []
    true: list[bool] = []
    for q, s in zip(queries, scores, strict=True):
        for ref, d in s.items():
            dist.append(d)
            true.append(ref == q.reference)
    d_arr, t_arr = np.asarray(dist, dtype=float), np.asarray(true, dtype=bool)
    if fixed_cuts is not None:
        cuts = fixed_cuts
    elif fixed_threshold is not None:
        cuts = (fixed_threshold, float("-inf"))
    elif split is None:
        cuts = (_loosest(d_arr, t_arr, min_precision), float("-inf"))
    else:
        cuts = _best_pair(d_arr, t_arr, split, min_precision)
    lo = split if split is not None else float("inf")

    def accepted(d: np.ndarray | float) -> np.ndarray | bool:
        return (d <= cuts[0]) & (d < lo) | (d >= lo) & (d <= cuts[1])

    under = np.asarray(accepted(d_arr), dtype=bool)
    tp, fp = int((under & t_arr).sum()), int((under & ~t_arr).sum())
    threshold = cuts[0] if split is None else f"{cuts[0]:g} / {cuts[1]:g}"
    recall: dict[str, float] = {}
    counts: dict[str, int] = {}
    for q, s in zip(queries, scores, strict=True):
        if q.reference is None:
            continue
        counts[q.transform] = counts.get(q.transform, 0) + 1
        found = q.reference in s and bool(accepted(s[q.reference]))
        recall[q.transform] = recall.get(q.transform, 0.0) + float(found)
    recall = {t: recall[t] / counts[t] for t in counts}
    false = [
        (q.transform, q.reference, ref, d)
        for q, s in zip(queries, scores, strict=True)
        for ref, d in s.items()
        if ref != q.reference
    ]
    false.sort(key=lambda f: f[3])
    return Outcome(threshold, tp / max(1, tp + fp), tp, fp, recall, counts, false[:8], cuts, split)


def ranking(queries: Sequence[Query], scores: Sequence[dict[int, float]]) -> tuple[float, float]:
    """(micro average precision, recall at 90% precision) over every scored pair.

    As in DISC21's evaluation: all (query, reference) pairs of all queries ranked together by
    confidence (a smaller score first: hash distances, then the verifier's scores above the
    split), average precision against the number of queries that have a true reference.
    """
    pairs = [
        (d, ref == q.reference)
        for q, s in zip(queries, scores, strict=True)
        for ref, d in s.items()
    ]
    positives = sum(q.reference is not None for q in queries)
    if not pairs or not positives:
        return 0.0, 0.0
    pairs.sort(key=lambda p: p[0])
    t = np.array([p[1] for p in pairs], dtype=bool)
    tp = np.cumsum(t)
    precision = tp / np.arange(1, len(t) + 1)
    micro_ap = float((precision * t).sum() / positives)
    ok = precision >= 0.9
    at90 = float(tp[np.nonzero(ok)[0][-1]] / positives) if ok.any() else 0.0
    return micro_ap, at90


def leave_one_out(
    queries: Sequence[Query],
    scores: Sequence[dict[int, float]],
    *,
    split: float | None = None,
    min_precision: float = 0.9999,
) -> dict[str, tuple[float, int, float]]:
    """Per transform: thresholds tuned on all the other transforms, applied to this one.

    Returns (recall on the held-out transform, its false pairs, recall when tuned on all).
    """
    everything = evaluate(queries, scores, split=split, min_precision=min_precision)
    out: dict[str, tuple[float, int, float]] = {}
    for held in sorted({q.transform for q in queries}):
        rest = [i for i, q in enumerate(queries) if q.transform != held]
        mine = [i for i, q in enumerate(queries) if q.transform == held]
        tuned = evaluate(
            [queries[i] for i in rest],
            [scores[i] for i in rest],
            split=split,
            min_precision=min_precision,
        )
        applied = evaluate(
            [queries[i] for i in mine],
            [scores[i] for i in mine],
            split=split,
            fixed_cuts=tuned.cuts,
        )
        out[held] = (applied.recall.get(held, 0.0), applied.false_pairs, everything.recall[held])
    return out


def _cumulative(d: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Attainable cuts (with -inf first) and the true/false pairs at or below each."""
    order = np.argsort(d, kind="stable")
    d, t = d[order], t[order]
    last = np.r_[d[1:] != d[:-1], True] if d.size else np.zeros(0, dtype=bool)
    tp = np.r_[0, np.cumsum(t)[last]]
    fp = np.r_[0, np.cumsum(~t)[last]]
    return np.r_[float("-inf"), d[last]], tp, fp


def _best_pair(
    d: np.ndarray, t: np.ndarray, split: float, min_precision: float
) -> tuple[float, float]:
    low = d < split
    c1, tp1, fp1 = _cumulative(d[low], t[low])
    c2, tp2, fp2 = _cumulative(d[~low], t[~low])
    tp = tp1[:, None] + tp2[None, :]
    fp = fp1[:, None] + fp2[None, :]
    ok = tp >= min_precision * np.maximum(tp + fp, 1)
    # The most true pairs, then the fewest false ones.
    key = np.where(ok, tp * (fp.max() + 1) - fp, -1)
    i, j = np.unravel_index(int(np.argmax(key)), key.shape)
    return float(c1[i]), float(c2[j])


def _loosest(dist: np.ndarray, true: np.ndarray, min_precision: float) -> float:
    """The largest distance whose cumulative precision is still >= ``min_precision``."""
    if dist.size == 0:
        return float("-inf")
    order = np.argsort(dist, kind="stable")
    d, t = dist[order], true[order]
    # Only thresholds at the end of a run of equal distances are attainable.
    last = np.r_[d[1:] != d[:-1], True]
    tp = np.cumsum(t)[last]
    total = np.arange(1, d.size + 1)[last]
    ok = tp / total >= min_precision
    values = d[last]
    if not ok.any():
        return float("-inf")
    # Precision is not monotone in the threshold; take the loosest one that meets the target.
    return float(values[np.nonzero(ok)[0][-1]])
