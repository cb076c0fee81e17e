"""The matcher: every reference of every case, queried with a media item's stored hashes.

Order: exact hashes, then PDQ through the index (all variants of every reference), then video
by temporal alignment of vPDQ frames and of the sound's Chromaprint (excerpts, trims and
compilations; see align.py and audio.py), then, only when nothing matched and the bytes are at
hand, the local-feature verifier.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from takedown.matching.align import AlignPolicy, Segment, align, passing
from takedown.matching.audio import AudioIndex, AudioPolicy
from takedown.matching.hashers.pdq import PDQ_MIN_QUALITY, PDQ_THRESHOLD, codes_of
from takedown.matching.hashes import MediaHashes, ReferenceHashes
from takedown.matching.index import HashIndex
from takedown.matching.verify import FeatureIndex, VerifyLimits, extract_features
from takedown.media.decode import ImageLimits, decode_image
from takedown.media.errors import MediaError
from takedown.media.sniff import sniff
from takedown.media.video import VideoFrameHash

Algorithm = Literal["sha256", "md5", "pdq", "vpdq", "audio", "local"]
_Keep = Callable[[int, Algorithm, float, float, tuple[Segment, ...]], None]
_FRAME_BITS = 20  # vPDQ index ids: reference id << 20 | frame position


@dataclass(frozen=True)
class MatchPolicy:
    """Thresholds; every one is chosen on the benchmark (recall at fixed precision)."""

    pdq_threshold: int = PDQ_THRESHOLD
    # PDQ hits a little farther than the threshold (up to this many bits) are kept only when
    # the local-feature verifier confirms them, which needs the media's bytes: a heavy edit
    # lands there, and so do the rare unrelated look-alikes the verifier then rejects.
    pdq_confirm_threshold: int = 44
    # A near hit the verifier cannot judge (the query or the reference has too little texture
    # for local features: a smooth picture) counts within this many bits.
    pdq_unverifiable_threshold: int = 38
    # Keep near hits even unconfirmed (with their distance): for threshold sweeps.
    keep_unconfirmed: bool = False
    vpdq_threshold: int = PDQ_THRESHOLD
    min_quality: int = PDQ_MIN_QUALITY
    # Whole-copy rule, beside the alignment: a video also matches when this share of the
    # query's frames (a trimmed copy) or of the reference's (inside a compilation) is found.
    video_fraction: float = 0.8
    min_video_frames: int = 2
    # Excerpts: runs of frames (or of sound) that advance in step with the reference.
    align: AlignPolicy = field(default_factory=AlignPolicy)
    audio: AudioPolicy = field(default_factory=AudioPolicy)
    verify: VerifyLimits = field(default_factory=VerifyLimits)
    verify_image: ImageLimits = field(default_factory=lambda: ImageLimits(max_side=1200))


@dataclass(frozen=True)
class MatchResult:
    """One reference found in a media item.

    ``distance``: 0 for exact hashes; Hamming bits for ``pdq``; for ``vpdq`` the mean bits of
    the matching frames; for ``audio`` the mean bit errors (of 32) of the aligned sound; for
    ``local`` 1 minus the confidence (0 is a certain match). ``confidence`` is 0-1, 1 being
    certain. ``segments``: for videos, the stretches of the query found in the reference and
    by which signal (``vpdq`` frames or ``audio``), longest first.
    """

    case_id: int
    reference_id: int
    algorithm: Algorithm
    distance: float
    confidence: float
    segments: tuple[Segment, ...] = ()

    @property
    def signals(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.signal for s in self.segments))

    @property
    def review(self) -> Literal["none", "candidate"]:
        """``candidate`` for a match by sound alone: the same soundtrack can accompany an
        unrelated video, so an officer confirms it before any request includes it."""
        return "candidate" if self.algorithm == "audio" else "none"

    def detail(self) -> dict[str, Any]:
        """What a detection records beyond algorithm and distance (empty for still images)."""
        if not self.segments:
            return {}
        return {
            "signals": list(self.signals),
            "segments": [s.to_dict() for s in self.segments],
        }


def _timed(frames: tuple[VideoFrameHash, ...], min_quality: int) -> list[VideoFrameHash]:
    """Trusted frames in time order, repeats kept: alignment needs every sample's time."""
    return sorted((f for f in frames if f.quality >= min_quality), key=lambda f: f.timestamp)


def _span(times: np.ndarray | list[float], step: float) -> float:
    return float(max(times) - min(times)) + step if len(times) else 0.0


def _step(times: np.ndarray | list[float]) -> float:
    """The sampling period (median gap, 1 s when unknown)."""
    gaps = np.diff(np.unique(np.asarray(times, dtype=np.float64)))
    return float(np.median(gaps)) if len(gaps) else 1.0


def _usable(frames: tuple[VideoFrameHash, ...], min_quality: int) -> list[VideoFrameHash]:
    seen: set[str] = set()
    out = []
    for frame in frames:
        if frame.quality >= min_quality and frame.hex not in seen:
            seen.add(frame.hex)
            out.append(frame)
    return out


class Matcher:
    """Holds every reference of every case; ``match`` may be called from many threads."""

    def __init__(self, policy: MatchPolicy | None = None) -> None:
        self.policy = policy or MatchPolicy()
        self._lock = threading.RLock()
        self._cases: dict[int, int] = {}
        self._sha256: dict[str, set[int]] = defaultdict(set)
        self._md5: dict[str, set[int]] = defaultdict(set)
        self._exact_of: dict[int, tuple[str | None, str | None]] = {}
        self._pdq = HashIndex(bits=256)
        self._frames = HashIndex(bits=256)
        self._frame_count: dict[int, int] = {}
        self._frame_times: dict[int, np.ndarray] = {}
        self._audio = AudioIndex(self.policy.audio)
        self._features = FeatureIndex(self.policy.verify)

    def __len__(self) -> int:
        with self._lock:
            return len(self._cases)

    def __contains__(self, reference_id: object) -> bool:
        with self._lock:
            return reference_id in self._cases

    # -- references --------------------------------------------------------------------------

    def add(self, reference_id: int, case_id: int, hashes: ReferenceHashes) -> None:
        """Index a reference (replacing any earlier version under the same id)."""
        if not 0 <= reference_id < 1 << (63 - _FRAME_BITS):
            raise ValueError(f"reference id out of range: {reference_id}")
        with self._lock:
            if reference_id in self._cases:
                self.remove(reference_id)
            self._cases[reference_id] = case_id
            self._exact_of[reference_id] = (hashes.sha256, hashes.md5)
            if hashes.sha256:
                self._sha256[hashes.sha256].add(reference_id)
            if hashes.md5:
                self._md5[hashes.md5].add(reference_id)
            trusted = [v.hex for v in hashes.pdq if v.quality >= self.policy.min_quality]
            if trusted:
                self._pdq.add(codes_of(trusted), np.full(len(trusted), reference_id, np.int64))
            frames = _timed(hashes.vpdq, self.policy.min_quality)[: 1 << _FRAME_BITS]
            if frames:
                ids = (np.int64(reference_id) << _FRAME_BITS) + np.arange(
                    len(frames), dtype=np.int64
                )
                self._frames.add(codes_of([f.hex for f in frames]), ids)
                self._frame_count[reference_id] = len(frames)
                self._frame_times[reference_id] = np.array([f.timestamp for f in frames])
            if hashes.audio is not None:
                self._audio.add(reference_id, hashes.audio)
            if hashes.features is not None:
                self._features.add(reference_id, hashes.features)

    def remove(self, reference_id: int) -> None:
        """Forget a reference; unknown ids are ignored."""
        with self._lock:
            if self._cases.pop(reference_id, None) is None:
                return
            sha256, md5 = self._exact_of.pop(reference_id, (None, None))
            for table, key in ((self._sha256, sha256), (self._md5, md5)):
                if key is not None:
                    table[key].discard(reference_id)
                    if not table[key]:
                        del table[key]
            self._pdq.remove(np.array([reference_id], dtype=np.int64))
            count = self._frame_count.pop(reference_id, 0)
            if count:
                base = np.int64(reference_id) << _FRAME_BITS
                self._frames.remove(base + np.arange(count, dtype=np.int64))
            self._frame_times.pop(reference_id, None)
            self._audio.remove(reference_id)
            self._features.remove(reference_id)

    # -- queries -----------------------------------------------------------------------------

    def match(
        self, media: MediaHashes, *, case_id: int | None = None, data: bytes | None = None
    ) -> list[MatchResult]:
        """References found in ``media``, best first; empty when nothing matches.

        ``data`` (the media's bytes) lets the local-feature verifier look at images that no
        hash matched. ``case_id`` limits the answer to one case.
        """
        found: dict[int, MatchResult] = {}

        def keep(
            ref: int,
            algorithm: Algorithm,
            distance: float,
            confidence: float,
            segments: tuple[Segment, ...] = (),
        ) -> None:
            case = self._cases.get(ref)
            if case is None or (case_id is not None and case != case_id) or ref in found:
                return
            found[ref] = MatchResult(
                case, ref, algorithm, float(distance), round(confidence, 4), segments
            )

        with self._lock:
            for ref in sorted(self._sha256.get(media.sha256 or "", ())):
                keep(ref, "sha256", 0, 1.0, ())
            for ref in sorted(self._md5.get(media.md5 or "", ())):
                keep(ref, "md5", 0, 1.0, ())
        near = self._match_pdq(media, keep)
        self._match_video(media, keep)
        judged: set[int] = set()
        if not found and data is not None and media.kind == "image":
            if len(self._features):
                judged = self._match_local(data, case_id, keep, tuple(ref for ref, _d in near))
            with self._lock:
                for ref, distance in near:
                    if ref not in judged and distance <= self.policy.pdq_unverifiable_threshold:
                        confidence = 1.0 - distance / (2.0 * (self.policy.pdq_threshold + 1))
                        keep(ref, "pdq", distance, max(0.0, confidence), ())
        if self.policy.keep_unconfirmed and not any(r.algorithm == "pdq" for r in found.values()):
            with self._lock:
                for ref, distance in near:
                    confidence = 1.0 - distance / (2.0 * (self.policy.pdq_threshold + 1))
                    keep(ref, "pdq", distance, max(0.0, confidence), ())
        return sorted(found.values(), key=lambda r: (-r.confidence, r.distance, r.reference_id))

    def _match_pdq(self, media: MediaHashes, keep: _Keep) -> list[tuple[int, int]]:
        """Keeps the hits within the threshold; returns the references hit only farther out
        (within ``pdq_confirm_threshold``), nearest first, for the verifier to confirm."""
        threshold = self.policy.pdq_threshold
        queries = [v.hex for v in media.pdq if v.quality >= self.policy.min_quality]
        queries += [f.hex for f in _usable(media.vpdq, self.policy.min_quality)]
        if not queries:
            return []
        reach = max(threshold, self.policy.pdq_confirm_threshold)
        best: dict[int, int] = {}
        for row in self._pdq.search(codes_of(queries), reach):
            for ref, distance in row:
                best[ref] = min(distance, best.get(ref, distance))
        near = [(ref, d) for ref, d in sorted(best.items(), key=lambda kv: kv[1]) if d > threshold]
        best = {ref: d for ref, d in best.items() if d <= threshold}
        # A still image that is one frame of a reference video also counts (a screenshot).
        if media.kind == "image":
            for row in self._frames.search(codes_of(queries), self.policy.vpdq_threshold):
                for frame_id, distance in row:
                    ref = frame_id >> _FRAME_BITS
                    best.setdefault(-ref - 1, distance)
        with self._lock:
            for ref, distance in sorted(best.items(), key=lambda kv: kv[1]):
                if ref >= 0:
                    keep(ref, "pdq", distance, 1.0 - distance / (2.0 * (threshold + 1)), ())
                else:
                    confidence = 1.0 - distance / (2.0 * (threshold + 1))
                    keep(-ref - 1, "vpdq", distance, confidence, ())
        return near

    def _match_video(self, media: MediaHashes, keep: _Keep) -> None:
        """Aligned runs of frames and of sound; the whole-copy share rule beside them."""
        frames = _timed(media.vpdq, self.policy.min_quality)
        video = self._video_segments(frames) if frames else {}
        audio = self._audio.search(media.audio) if media.audio is not None else {}
        step = _step([f.timestamp for f in frames])
        query_seconds = max(
            media.duration,
            _span([f.timestamp for f in frames], step),
            media.audio.seconds if media.audio is not None else 0.0,
        )
        threshold = self.policy.vpdq_threshold
        with self._lock:
            for ref in sorted(set(video) | set(audio)):
                times = self._frame_times.get(ref)
                ref_seconds = max(
                    _span(times, _step(times)) if times is not None else 0.0,
                    self._audio.seconds_of(ref),
                )
                segments, whole_share, median = video.get(ref, ([], 0.0, 0.0))
                seen = passing(segments, query_seconds, ref_seconds, self.policy.align)
                heard = passing(
                    audio.get(ref, []), query_seconds, ref_seconds, self.policy.audio.decide
                )
                if seen or whole_share:
                    distance = seen[0].distance if seen else median
                    confidence = 1.0 - distance / (2.0 * (threshold + 1))
                    keep(ref, "vpdq", distance, confidence, tuple(seen + heard))
                elif heard:
                    distance = heard[0].distance
                    confidence = 1.0 - distance / (4.0 * self.policy.audio.max_bits)
                    keep(ref, "audio", distance, confidence, tuple(heard))

    def _video_segments(
        self, frames: list[VideoFrameHash]
    ) -> dict[int, tuple[list[Segment], float, float]]:
        """Per reference: aligned frame runs, the whole-copy share (0 when under the rule) and
        the median distance of the matching frames."""
        rows = self._frames.search(codes_of([f.hex for f in frames]), self.policy.vpdq_threshold)
        pairs: dict[int, list[tuple[float, float, float]]] = defaultdict(list)
        query_hits: dict[int, set[str]] = defaultdict(set)
        ref_hits: dict[int, set[int]] = defaultdict(set)
        mask = (1 << _FRAME_BITS) - 1
        with self._lock:
            for frame, row in zip(frames, rows, strict=True):
                for frame_id, distance in row:
                    ref, position = frame_id >> _FRAME_BITS, frame_id & mask
                    times = self._frame_times.get(ref)
                    if times is None or position >= len(times):
                        continue
                    pairs[ref].append((frame.timestamp, float(times[position]), float(distance)))
                    query_hits[ref].add(frame.hex)
                    ref_hits[ref].add(position)
            counts = {ref: self._frame_count.get(ref, 0) for ref in pairs}
        step = _step([f.timestamp for f in frames])
        distinct = len({f.hex for f in frames})
        out: dict[int, tuple[list[Segment], float, float]] = {}
        for ref, found in pairs.items():
            segments = align(found, signal="vpdq", step=step, policy=self.policy.align)
            total = counts[ref]
            share = max(len(query_hits[ref]) / distinct, len(ref_hits[ref]) / max(1, total))
            enough = min(self.policy.min_video_frames, distinct, total)
            whole = share >= self.policy.video_fraction and len(query_hits[ref]) >= enough
            median = float(np.median([d for _q, _r, d in found]))
            out[ref] = (segments, share if whole else 0.0, median)
        return out

    def _match_local(
        self, data: bytes, case_id: int | None, keep: _Keep, prefer: tuple[int, ...] = ()
    ) -> set[int]:
        """Verified references kept; returns the references the verifier could judge (all
        that have local features, when the query has them too)."""
        if sniff(data) == "video":
            return set()
        try:
            image = decode_image(data, self.policy.verify_image).image
        except MediaError:
            return set()
        query = extract_features(
            image,
            self.policy.verify.query_keypoints,
            self.policy.verify.query_side,
            self.policy.verify.min_keypoints,
            self.policy.verify.query_min_side,
        )
        if query is None:
            return set()
        with self._lock:
            allowed = None
            if case_id is not None:
                allowed = {ref for ref, case in self._cases.items() if case == case_id}
        for hit in self._features.verify(query, allowed, prefer[:8]):
            with self._lock:
                keep(hit.reference_id, "local", 1.0 - hit.confidence, hit.confidence, ())
        return {ref for ref in prefer if ref in self._features}
