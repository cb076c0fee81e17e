"""Audio as a second video signal: aligned runs of Chromaprint sub-fingerprints.

Candidate alignments come from exact lookups of 20-bit slices of each 32-bit sub-fingerprint
(two slices per value, so one flipped bit loses one vote, not both); every (reference, offset)
that enough distinct query items vote for is then checked along its diagonal: the bit errors
between aligned sub-fingerprints, averaged over a ~2 s window, must stay under ``max_bits``
(unrelated sound sits near 16 of 32). A stretch that stays under is a :class:`Segment`.

Silence and steady tones give the same sub-fingerprint over and over, in any video; such
values are not looked up, and a run whose reference side is mostly repeats is not a match.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np

from takedown.matching.align import AlignPolicy, Segment
from takedown.media.audio import ITEM_SECONDS, AudioPrint

_SLICE_BITS = 20
_TAG = np.int64(1) << 32  # keeps the two slices' keys apart


@dataclass(frozen=True)
class AudioPolicy:
    """Thresholds of audio matching, chosen on the benchmark (bench/bench_video.py)."""

    window: int = 16  # sub-fingerprints averaged (~2 s)
    max_bits: float = 8.0  # mean bit errors of 32 along a window: a quarter
    min_votes: int = 6  # distinct query items agreeing on an offset before it is checked
    candidates: int = 4  # offsets checked per reference
    max_repeats: int = 8  # a value this common in one print is silence or a steady tone
    min_distinct: float = 0.4  # share of distinct values in a run's reference side
    decide: AlignPolicy = field(
        default_factory=lambda: AlignPolicy(min_seconds=5.0, min_samples=40, min_share=0.6)
    )


def _slices(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = values.astype(np.int64)
    return v >> (32 - _SLICE_BITS), (v & ((1 << _SLICE_BITS) - 1)) | _TAG


def _informative(values: np.ndarray, max_repeats: int) -> np.ndarray:
    """False for values repeated more than ``max_repeats`` times in the same print."""
    uniq, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    del uniq
    return np.asarray(counts[inverse] <= max_repeats)


class AudioIndex:
    """The references' Chromaprints, with a slice index over all of them; thread-safe."""

    def __init__(self, policy: AudioPolicy | None = None) -> None:
        self.policy = policy or AudioPolicy()
        self._lock = threading.RLock()
        self._prints: dict[int, np.ndarray] = {}
        self._built = False
        self._keys = np.empty(0, np.int64)
        self._refs = np.empty(0, np.int64)
        self._pos = np.empty(0, np.int64)

    def __len__(self) -> int:
        with self._lock:
            return len(self._prints)

    def add(self, reference_id: int, audio: AudioPrint) -> None:
        values = np.asarray(audio.values, dtype=np.uint32)
        if len(values) == 0:
            return
        with self._lock:
            self._prints[reference_id] = values
            self._built = False

    def remove(self, reference_id: int) -> None:
        with self._lock:
            if self._prints.pop(reference_id, None) is not None:
                self._built = False

    def seconds_of(self, reference_id: int) -> float:
        with self._lock:
            values = self._prints.get(reference_id)
        return 0.0 if values is None else len(values) * ITEM_SECONDS

    def _build(self) -> None:
        keys, refs, pos = [], [], []
        for ref, values in self._prints.items():
            keep = np.flatnonzero(_informative(values, self.policy.max_repeats))
            for part in _slices(values[keep]):
                keys.append(part)
                refs.append(np.full(len(keep), ref, np.int64))
                pos.append(keep.astype(np.int64))
        if keys:
            all_keys = np.concatenate(keys)
            order = np.argsort(all_keys, kind="stable")
            self._keys = all_keys[order]
            self._refs = np.concatenate(refs)[order]
            self._pos = np.concatenate(pos)[order]
        else:
            self._keys = self._refs = self._pos = np.empty(0, np.int64)
        self._built = True

    def search(
        self, query: AudioPrint, allowed: Collection[int] | None = None
    ) -> dict[int, list[Segment]]:
        """Per reference, the aligned stretches of ``query`` found in it (longest first)."""
        q = np.asarray(query.values, dtype=np.uint32)
        if len(q) < self.policy.window:
            return {}
        with self._lock:
            if not self._built:
                self._build()
            keys, refs, pos = self._keys, self._refs, self._pos
            prints = dict(self._prints)
        if len(keys) == 0:
            return {}
        votes = self._votes(q, keys, refs, pos)
        out: dict[int, list[Segment]] = {}
        for ref, offsets in votes.items():
            if allowed is not None and ref not in allowed:
                continue
            segments = [s for off in offsets for s in self._diagonal(q, prints[ref], off)]
            if segments:
                out[ref] = sorted(segments, key=lambda s: -s.seconds)
        return out

    def _votes(
        self, q: np.ndarray, keys: np.ndarray, refs: np.ndarray, pos: np.ndarray
    ) -> dict[int, list[int]]:
        """Per reference, the offsets (reference item - query item) most query items back."""
        keep = np.flatnonzero(_informative(q, self.policy.max_repeats))
        qpos_parts, qkey_parts = [], []
        for part in _slices(q[keep]):
            qpos_parts.append(keep)
            qkey_parts.append(part)
        qpos, qkeys = np.concatenate(qpos_parts), np.concatenate(qkey_parts)
        lo = np.searchsorted(keys, qkeys, "left")
        hi = np.searchsorted(keys, qkeys, "right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return {}
        starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        idx = np.arange(total) + starts
        q_item = np.repeat(qpos, counts)
        ref_of, offset = refs[idx], pos[idx] - q_item
        # Distinct query items per (reference, offset); neighbouring offsets pool their votes.
        triples = np.unique(np.stack([ref_of, offset, q_item]), axis=1)
        pairs, n = np.unique(triples[:2], axis=1, return_counts=True)
        out: dict[int, list[int]] = {}
        for ref in np.unique(pairs[0]).tolist():
            sel = pairs[0] == ref
            offs, cnt = pairs[1, sel], n[sel]
            tally = dict(zip(offs.tolist(), cnt.tolist(), strict=True))
            pooled = sorted(
                ((tally.get(o - 1, 0) + c + tally.get(o + 1, 0), o) for o, c in tally.items()),
                reverse=True,
            )
            chosen: list[int] = []
            for score, o in pooled:
                if score < self.policy.min_votes or len(chosen) >= self.policy.candidates:
                    break
                if all(abs(o - c) > 2 for c in chosen):
                    chosen.append(o)
            if chosen:
                out[int(ref)] = chosen
        return out

    def _diagonal(self, q: np.ndarray, r: np.ndarray, offset: int) -> list[Segment]:
        """Stretches along ``reference item = query item + offset`` under the error bound."""
        first_q = max(0, -offset)
        last_q = min(len(q), len(r) - offset)
        w = self.policy.window
        if last_q - first_q < w:
            return []
        qa = q[first_q:last_q]
        ra = r[first_q + offset : last_q + offset]
        errors = np.bitwise_count(qa ^ ra).astype(np.float64)
        mean = np.convolve(errors, np.ones(w) / w, mode="valid")  # window k covers k..k+w-1
        good = np.zeros(len(errors), dtype=bool)
        for k in np.flatnonzero(mean <= self.policy.max_bits).tolist():
            good[k : k + w] = True
        out: list[Segment] = []
        edges = np.flatnonzero(np.diff(np.concatenate([[0], good.astype(np.int8), [0]])))
        for start, stop in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            ref_side = ra[start:stop]
            if len(np.unique(ref_side)) < self.policy.min_distinct * len(ref_side):
                continue  # mostly one repeated value: silence or a steady tone
            qs, rs = first_q + start, first_q + start + offset
            out.append(
                Segment(
                    "audio",
                    qs * ITEM_SECONDS,
                    (first_q + stop) * ITEM_SECONDS,
                    rs * ITEM_SECONDS,
                    (rs + stop - start) * ITEM_SECONDS,
                    stop - start,
                    float(errors[start:stop].mean()),
                )
            )
        return out
