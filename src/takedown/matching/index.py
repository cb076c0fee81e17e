"""A thread-safe, incremental Hamming-radius index over binary hash codes (PDQ, vPDQ frames).

It wraps FAISS: an exact flat index while the index is small, multi-index hashing beyond (the
crossover and the multi-hash parameters were chosen by ``bench/bench_matching.py``). Ids are
ours, not FAISS's: several codes may share one id (a reference's dihedral and augmented
variants), and removal marks codes dead, compacting once enough are dead.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_FLAT_MAX", "DEFAULT_MULTIHASH", "HashIndex", "MultiHashParams"]

Codes = npt.NDArray[np.uint8]
Ids = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MultiHashParams:
    """FAISS ``IndexBinaryMultiHash`` parameters: ``nhash`` substrings of ``bits_per_hash``
    bits, each probed with up to ``nflip`` flipped bits.

    By the pigeonhole principle a code within ``nhash * (nflip + 1) - 1`` bits on the covered
    substrings is always found; beyond that, recall is high but not guaranteed.
    """

    nhash: int = 10
    bits_per_hash: int = 24
    nflip: int = 1

    def validate(self, bits: int) -> None:
        if self.nhash < 1 or self.bits_per_hash < 1 or self.nflip < 0:
            raise ValueError(f"invalid multi-hash parameters: {self}")
        if self.nhash * self.bits_per_hash > bits:
            raise ValueError(
                f"{self.nhash} x {self.bits_per_hash} bits exceeds the {bits}-bit code"
            )
        if self.bits_per_hash > 64:
            raise ValueError("FAISS multi-hash substrings are at most 64 bits")


# Measured by bench/bench_matching.py (one core): the exact flat scan answers a query in about
# 0.1 ms at 100 k codes and 1.2 ms at 1 M, so it serves small deployments exactly and cheaply.
DEFAULT_FLAT_MAX = 200_000
# 10 substrings of 24 bits, one flip: ~3,400 queries/s at 10 M codes (~800x numpy brute
# force), ~6 GB, ~150 s to build; finds every code within 19 bits and ~98.7% of the pairs at
# 20-31 bits in the benchmark's crowded setting. 12x21 finds 99.8% but is 6x slower.
DEFAULT_MULTIHASH = MultiHashParams()

# Fewer queries than this run on the calling thread alone: an OpenMP team costs far more than
# a few lookups (measured: 28 ms instead of 0.01 ms for two queries on a busy 2-core machine).
_PARALLEL_MIN = 64

# Compact (rebuild without dead codes) once this share of stored codes is dead.
_COMPACT_RATIO = 0.25
_COMPACT_MIN = 1024


class HashIndex:
    """Codes of ``bits`` bits (uint8 rows of ``bits // 8`` bytes) mapped to int64 ids.

    ``search`` returns, per query row, every id with a code within ``radius`` bits (inclusive)
    of the query, each id once with its smallest distance, sorted by distance then id.
    All methods may be called from several threads.
    """

    def __init__(
        self,
        *,
        bits: int = 256,
        flat_max: int = DEFAULT_FLAT_MAX,
        multihash: MultiHashParams | None = DEFAULT_MULTIHASH,
    ) -> None:
        if bits <= 0 or bits % 8:
            raise ValueError(f"bits must be a positive multiple of 8, got {bits}")
        if multihash is not None:
            multihash.validate(bits)
        if flat_max < 0:
            raise ValueError("flat_max must be >= 0")
        self.bits = bits
        self.code_size = bits // 8
        self._flat_max = flat_max
        self._multihash = multihash
        self._lock = threading.Lock()
        # Position in the FAISS index -> our id, and whether that position is still live.
        self._pos_ids: Ids = np.empty(0, dtype=np.int64)
        self._alive: npt.NDArray[np.bool_] = np.empty(0, dtype=bool)
        self._n = 0
        self._dead = 0
        # FAISS's SWIG classes are untyped.
        self._index: Any = faiss.IndexBinaryFlat(bits)

    # -- public API -------------------------------------------------------------------------

    def add(self, codes: np.ndarray, ids: np.ndarray) -> None:
        """Add ``codes`` (uint8, shape (n, bits/8)) under ``ids`` (int64, shape (n,))."""
        codes_ = self._check_codes(codes)
        ids_ = np.asarray(ids)
        if ids_.ndim != 1 or ids_.shape[0] != codes_.shape[0]:
            raise ValueError(f"ids must have shape ({codes_.shape[0]},), got {ids_.shape}")
        if not np.issubdtype(ids_.dtype, np.integer):
            raise ValueError(f"ids must be integers, got dtype {ids_.dtype}")
        ids_ = ids_.astype(np.int64, copy=False)
        if codes_.shape[0] == 0:
            return
        with self._lock:
            self._grow(codes_.shape[0])
            self._pos_ids[self._n : self._n + len(ids_)] = ids_
            self._alive[self._n : self._n + len(ids_)] = True
            self._index.add(codes_)
            self._n += len(ids_)
            if self._wants_multihash(self._live()) and self._is_flat():
                self._rebuild()

    def remove(self, ids: np.ndarray) -> None:
        """Remove every code stored under any of ``ids``; unknown ids are ignored."""
        ids_ = np.asarray(ids)
        if ids_.ndim != 1 or (ids_.size and not np.issubdtype(ids_.dtype, np.integer)):
            raise ValueError("ids must be a one-dimensional integer array")
        if ids_.size == 0:
            return
        with self._lock:
            hit = self._alive[: self._n] & np.isin(self._pos_ids[: self._n], ids_.astype(np.int64))
            self._alive[: self._n] &= ~hit
            self._dead += int(hit.sum())
            if self._dead >= max(_COMPACT_MIN, int(_COMPACT_RATIO * self._n)):
                self._rebuild()

    def search(self, codes: np.ndarray, radius: int) -> list[list[tuple[int, int]]]:
        """Per query row, ``(id, distance)`` for every id within ``radius`` bits, inclusive."""
        codes_ = self._check_codes(codes)
        if isinstance(radius, bool) or not isinstance(radius, int | np.integer):
            raise ValueError(f"radius must be an integer, got {radius!r}")
        if not 0 <= radius <= self.bits:
            raise ValueError(f"radius must be within 0..{self.bits}, got {radius}")
        if codes_.shape[0] == 0:
            return []
        with self._lock:
            if self._n == 0:
                return [[] for _ in range(codes_.shape[0])]
            # FAISS binary range search keeps distances strictly below the radius.
            with _threads(1 if len(codes_) < _PARALLEL_MIN else 0):
                lims, dist, pos = self._index.range_search(codes_, int(radius) + 1)
            ids = self._pos_ids[pos]
            alive = self._alive[pos]
        return [_row(ids[a:b], dist[a:b], alive[a:b]) for a, b in itertools.pairwise(lims)]

    def __len__(self) -> int:
        """The number of live codes (not distinct ids)."""
        with self._lock:
            return self._live()

    @property
    def structure(self) -> str:
        """``"flat"`` or ``"multihash(nhash x bits, nflip)"``: what FAISS index is in use."""
        with self._lock:
            if self._is_flat():
                return "flat"
            p = self._multihash
            assert p is not None
            return f"multihash({p.nhash}x{p.bits_per_hash}, nflip={p.nflip})"

    # -- internals --------------------------------------------------------------------------

    def _live(self) -> int:
        return self._n - self._dead

    def _check_codes(self, codes: np.ndarray) -> Codes:
        arr = np.asarray(codes)
        if arr.dtype != np.uint8:
            raise ValueError(f"codes must be uint8, got dtype {arr.dtype}")
        if arr.ndim != 2 or arr.shape[1] != self.code_size:
            raise ValueError(f"codes must have shape (n, {self.code_size}), got {arr.shape}")
        return np.ascontiguousarray(arr)

    def _is_flat(self) -> bool:
        return isinstance(self._index, faiss.IndexBinaryFlat)

    def _wants_multihash(self, n: int) -> bool:
        return self._multihash is not None and n > self._flat_max

    def _grow(self, extra: int) -> None:
        need = self._n + extra
        if need <= len(self._pos_ids):
            return
        cap = max(need, 2 * len(self._pos_ids), 1024)
        pos_ids = np.empty(cap, dtype=np.int64)
        alive = np.zeros(cap, dtype=bool)
        pos_ids[: self._n] = self._pos_ids[: self._n]
        alive[: self._n] = self._alive[: self._n]
        self._pos_ids, self._alive = pos_ids, alive

    def _stored_codes(self) -> Codes:
        flat = self._index if self._is_flat() else faiss.downcast_IndexBinary(self._index.storage)
        if self._n == 0:
            return np.empty((0, self.code_size), dtype=np.uint8)
        out: Codes = flat.reconstruct_n(0, self._n)
        return out

    def _rebuild(self) -> None:
        """Drop dead codes and pick the structure for the live size (lock held)."""
        keep = self._alive[: self._n]
        codes = self._stored_codes()[keep]
        ids = self._pos_ids[: self._n][keep]
        index: Any
        if self._wants_multihash(len(ids)):
            p = self._multihash
            assert p is not None
            index = faiss.IndexBinaryMultiHash(self.bits, p.nhash, p.bits_per_hash)
            index.nflip = p.nflip
        else:
            index = faiss.IndexBinaryFlat(self.bits)
        if len(ids):
            index.add(codes)
        self._index = index
        self._pos_ids = ids.copy()
        self._alive = np.ones(len(ids), dtype=bool)
        self._n = len(ids)
        self._dead = 0


@contextmanager
def _threads(count: int) -> Iterator[None]:
    """Run FAISS with ``count`` OpenMP threads (0: unchanged) inside the block.

    OpenMP keeps the thread count per calling thread, so this does not affect other threads.
    """
    if count <= 0:
        yield
        return
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(count)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _row(
    ids: Ids, dist: npt.NDArray[np.int32], alive: npt.NDArray[np.bool_]
) -> list[tuple[int, int]]:
    """One query's hits: live only, each id once at its smallest distance, sorted."""
    ids, dist = ids[alive], dist[alive]
    if ids.size == 0:
        return []
    order = np.lexsort((ids, dist))
    ids, dist = ids[order], dist[order]
    # After sorting by distance, an id's first occurrence is its smallest distance.
    _, first = np.unique(ids, return_index=True)
    first.sort()
    return [(int(i), int(d)) for i, d in zip(ids[first], dist[first], strict=True)]
