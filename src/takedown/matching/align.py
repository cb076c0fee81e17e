"""Temporal alignment: runs of query samples whose matching reference samples advance in step.

A compilation that holds 8 s of a 15 s reference, or a trim that keeps 40% of it, shares only
a part of either side, so "80% of the frames" cannot see it. Instead, every matching pair of
samples (query time, reference time) votes for a time offset ``reference - rate * query``
(a Hough transform over offsets, as TMK and the VSC22 systems do); the pairs near the winning
offset are cut into runs where the query advances without a long gap (dropped or unmatched
frames inside a run are tolerated up to ``max_gap``). A run is a :class:`Segment`, and a
reference matches when its longest run is long enough in seconds or covers enough of the
shorter side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Signal = Literal["vpdq", "audio"]


@dataclass(frozen=True)
class Segment:
    """A stretch of the query found in a reference, in seconds of each."""

    signal: Signal
    query_start: float
    query_end: float
    reference_start: float
    reference_end: float
    samples: int  # matched samples (frames, or audio sub-fingerprints) in the run
    distance: float  # their mean distance (PDQ bits, or bit errors out of 32 for audio)

    @property
    def seconds(self) -> float:
        return self.query_end - self.query_start

    def to_dict(self) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "query_start": round(self.query_start, 2),
            "query_end": round(self.query_end, 2),
            "reference_start": round(self.reference_start, 2),
            "reference_end": round(self.reference_end, 2),
            "samples": self.samples,
            "distance": round(self.distance, 2),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Segment:
        signal = data.get("signal")
        if signal not in ("vpdq", "audio"):
            raise ValueError(f"segment signal must be 'vpdq' or 'audio', got {signal!r}")
        return cls(
            signal,
            float(data["query_start"]),
            float(data["query_end"]),
            float(data["reference_start"]),
            float(data["reference_end"]),
            int(data.get("samples", 0)),
            float(data.get("distance", 0.0)),
        )


@dataclass(frozen=True)
class AlignPolicy:
    """How pairs are grouped into runs, and when a run is a match.

    A run matches when it lasts ``min_seconds`` with ``min_samples`` matched samples, or,
    for clips too short for that, when it covers ``min_share`` of the shorter of the two
    videos with at least two samples.
    """

    tolerance: float = 1.5  # seconds of slack around the winning offset
    max_gap: float = 3.5  # longest stretch of unmatched query inside one run, seconds
    rates: tuple[float, ...] = (1.0,)  # playback-speed ratios tried (reference s per query s)
    max_segments: int = 4
    min_seconds: float = 4.0
    min_samples: int = 4
    min_share: float = 0.6


def align(
    pairs: Sequence[tuple[float, float, float]] | np.ndarray,
    *,
    signal: Signal,
    step: float,
    policy: AlignPolicy | None = None,
) -> list[Segment]:
    """Runs of ``(query_time, reference_time, distance)`` pairs along consistent offsets.

    ``step`` is the sampling period in seconds (one frame per second for vPDQ): a run's last
    sample stands for ``step`` more seconds. Longest first.
    """
    policy = policy or AlignPolicy()
    data = np.asarray(pairs, dtype=np.float64).reshape(-1, 3)
    segments: list[Segment] = []
    while len(data) >= 2 and len(segments) < policy.max_segments:
        peak = _peak(data, policy)
        if peak is None:
            break
        rate, center = peak
        offsets = data[:, 1] - rate * data[:, 0]
        near = np.abs(offsets - center) <= policy.tolerance
        runs = _runs(data[near], offsets[near] - center, policy, signal, step)
        if not runs:
            break
        segments += runs
        # Every query sample on this offset is spoken for; look for other offsets in the rest.
        taken = np.isin(data[:, 0], data[near, 0])
        data = data[~taken]
    return sorted(segments, key=lambda s: (-s.seconds, s.query_start))[: policy.max_segments]


def _peak(data: np.ndarray, policy: AlignPolicy) -> tuple[float, float] | None:
    """The (rate, offset) most distinct query samples agree on, or None under two votes."""
    best: tuple[int, float, float] | None = None
    width = policy.tolerance
    for rate in policy.rates:
        offsets = data[:, 1] - rate * data[:, 0]
        bins = np.floor(offsets / width).astype(np.int64)
        # Distinct query samples per bin (a static scene gives one query frame many pairs).
        keys = np.unique(np.stack([bins, np.round(data[:, 0] * 1000).astype(np.int64)]), axis=1)
        values, counts = np.unique(keys[0], return_counts=True)
        votes = dict(zip(values.tolist(), counts.tolist(), strict=True))
        for b in values.tolist():
            total = votes.get(b - 1, 0) + votes[b] + votes.get(b + 1, 0)
            if best is None or total > best[0]:
                sel = np.abs(bins - b) <= 1
                best = (total, rate, float(np.median(offsets[sel])))
    if best is None or best[0] < 2:
        return None
    return best[1], best[2]


def _runs(
    data: np.ndarray, deviation: np.ndarray, policy: AlignPolicy, signal: Signal, step: float
) -> list[Segment]:
    # One pair per query sample: the one closest to the offset, then the closest in distance.
    order = np.lexsort((data[:, 2], np.abs(deviation), data[:, 0]))
    data = data[order]
    first = np.ones(len(data), dtype=bool)
    first[1:] = data[1:, 0] != data[:-1, 0]
    data = data[first]
    out: list[Segment] = []
    start = 0
    for k in range(1, len(data) + 1):
        if k < len(data) and data[k, 0] - data[k - 1, 0] <= policy.max_gap:
            continue
        run = data[start:k]
        start = k
        if len(run) < 2:
            continue
        out.append(
            Segment(
                signal,
                float(run[0, 0]),
                float(run[-1, 0] + step),
                float(run[:, 1].min()),
                float(run[:, 1].max() + step),
                len(run),
                float(run[:, 2].mean()),
            )
        )
    return out


def passing(
    segments: Sequence[Segment],
    query_seconds: float,
    reference_seconds: float,
    policy: AlignPolicy | None = None,
) -> list[Segment]:
    """The segments that make a match on their own (see :class:`AlignPolicy`), longest first."""
    policy = policy or AlignPolicy()
    shorter = max(min(query_seconds, reference_seconds), 1e-6)
    out = []
    for seg in sorted(segments, key=lambda s: (-s.seconds, s.distance)):
        long_enough = seg.seconds >= policy.min_seconds and seg.samples >= policy.min_samples
        if long_enough or (seg.seconds / shorter >= policy.min_share and seg.samples >= 2):
            out.append(seg)
    return out


def share_of_shorter(segment: Segment, query_seconds: float, reference_seconds: float) -> float:
    """The segment's length as a share (0-1) of the shorter of the two videos."""
    shorter = max(min(query_seconds, reference_seconds), 1e-6)
    return min(1.0, segment.seconds / shorter)
