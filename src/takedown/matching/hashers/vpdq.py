"""vPDQ video hashing (PDQ of one frame per second) and sub-clip comparison of two videos."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
    when the reference sits inside a longer compilation.
    """

    query_share: float
    reference_share: float
    matched_frames: int

    def matches(self, fraction: float = 0.8, min_frames: int = 2) -> bool:
        return max(self.query_share, self.reference_share) >= fraction and (
            self.matched_frames >= min_frames
        )


def _usable(frames: list[VideoFrameHash] | tuple[VideoFrameHash, ...], quality: int) -> list[str]:
    return list(dict.fromkeys(f.hex for f in frames if f.quality >= quality))


def compare_videos(
    query: list[VideoFrameHash] | tuple[VideoFrameHash, ...],
    reference: list[VideoFrameHash] | tuple[VideoFrameHash, ...],
    *,
    threshold: int = PDQ_THRESHOLD,
    min_quality: int = PDQ_MIN_QUALITY,
) -> VideoComparison:
    """Brute-force frame comparison (small inputs); the Matcher does the same via the index."""
    q, r = _usable(query, min_quality), _usable(reference, min_quality)
    if not q or not r:
        return VideoComparison(0.0, 0.0, 0)
    close = hamming_matrix(codes_of(q), codes_of(r)) <= threshold
    q_hit, r_hit = int(close.any(axis=1).sum()), int(close.any(axis=0).sum())
    return VideoComparison(q_hit / len(q), r_hit / len(r), q_hit)


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
