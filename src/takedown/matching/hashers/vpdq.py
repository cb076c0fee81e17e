"""vPDQ video hashing (PDQ of one frame per second) and the comparison of two videos: shares of
frames found (whole copies) and aligned segments (excerpts, trims; see matching/align.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from takedown.matching.align import AlignPolicy, Segment, align, passing
from takedown.matching.hashers.base import HashValue, register_hasher
from takedown.matching.hashers.pdq import (
    PDQ_BITS,
    PDQ_MIN_QUALITY,
    PDQ_THRESHOLD,
    codes_of,
    hamming_matrix,
)
from takedown.media.video import VideoFrameHash, VideoLimits, hash_video


@dataclass(frozen=True)
class VideoComparison:
    """How much of each video is found in the other.

    ``query_share`` is high for a trimmed copy of a reference; ``reference_share`` is high
    when the reference sits inside a longer compilation. ``segments``: the aligned runs that
    make a match on their own, which also find an excerpt that is a small part of both.
    """

    query_share: float
    reference_share: float
    matched_frames: int
    segments: tuple[Segment, ...] = ()

    def matches(self, fraction: float = 0.8, min_frames: int = 2) -> bool:
        whole = max(self.query_share, self.reference_share) >= fraction
        return bool(self.segments) or (whole and self.matched_frames >= min_frames)


def _usable(frames: list[VideoFrameHash] | tuple[VideoFrameHash, ...], quality: int) -> list[str]:
    return list(dict.fromkeys(f.hex for f in frames if f.quality >= quality))


def compare_videos(
    query: list[VideoFrameHash] | tuple[VideoFrameHash, ...],
    reference: list[VideoFrameHash] | tuple[VideoFrameHash, ...],
    *,
    threshold: int = PDQ_THRESHOLD,
    min_quality: int = PDQ_MIN_QUALITY,
    policy: AlignPolicy | None = None,
) -> VideoComparison:
    """Brute-force frame comparison (small inputs); the Matcher does the same via the index."""
    q, r = _usable(query, min_quality), _usable(reference, min_quality)
    if not q or not r:
        return VideoComparison(0.0, 0.0, 0)
    close = hamming_matrix(codes_of(q), codes_of(r)) <= threshold
    q_hit, r_hit = int(close.any(axis=1).sum()), int(close.any(axis=0).sum())
    qf = [f for f in query if f.quality >= min_quality]
    rf = [f for f in reference if f.quality >= min_quality]
    dist = hamming_matrix(codes_of([f.hex for f in qf]), codes_of([f.hex for f in rf]))
    rows, cols = np.nonzero(dist <= threshold)
    pairs = [
        (qf[i].timestamp, rf[j].timestamp, float(dist[i, j]))
        for i, j in zip(rows, cols, strict=True)
    ]
    step = _period([f.timestamp for f in qf])
    runs = align(pairs, signal="vpdq", step=step, policy=policy)
    q_seconds = max(f.timestamp for f in qf) + step
    r_seconds = max(f.timestamp for f in rf) + _period([f.timestamp for f in rf])
    found = tuple(passing(runs, q_seconds, r_seconds, policy))
    return VideoComparison(q_hit / len(q), r_hit / len(r), q_hit, found)


def _period(times: list[float]) -> float:
    gaps = np.diff(np.unique(np.asarray(times, dtype=np.float64)))
    return float(np.median(gaps)) if len(gaps) else 1.0


@dataclass(frozen=True)
class VpdqHasher:
    """vPDQ frame hashes at ``limits.seconds_per_hash`` within the duration and frame caps."""

    limits: VideoLimits = field(default_factory=VideoLimits)
    name: str = "vpdq"
    hash_length: int = PDQ_BITS
    threshold: int = PDQ_THRESHOLD

    @property
    def distance_metric(self) -> Literal["hamming"]:
        return "hamming"

    def compute(self, data: bytes) -> list[HashValue]:
        frames = hash_video(data, self.limits).frames
        return [HashValue(self.name, f.hex, f.quality, f.timestamp) for f in frames]


register_hasher("vpdq", VpdqHasher)
