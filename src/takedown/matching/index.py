"""A thread-safe, incremental, exact Hamming-radius index over binary hash codes (PDQ, vPDQ).

Small indexes are a compiled linear scan. Beyond ``flat_max`` codes the index is an exact
multi-index (``takedown.matching.mih``: substring tables probed by the generalised pigeonhole
principle), so every code within the radius is found, never an approximation. Codes added after
the tables were built sit in a short tail that is scanned linearly; once the tail grows past
its limit the tables are rebuilt over everything. Ids are ours: several codes may share one id
(a reference's dihedral and augmented variants), and removal marks codes dead, compacting once
enough are dead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from takedown.matching import mih

__all__ = ["DEFAULT_FLAT_MAX", "DEFAULT_MULTI_INDEX", "HashIndex", "MultiIndexParams"]

Codes = npt.NDArray[np.uint8]
Ids = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MultiIndexParams:
    """How the multi-index cuts a code: ``tables`` substrings (``None``: about log2(n) bits
    each, chosen at every rebuild, which keeps about one code per bucket)."""

    tables: int | None = None

    def validate(self, bits: int) -> None:
        if self.tables is None:
            return
        if self.tables < 1:
            raise ValueError(f"invalid multi-index parameters: {self}")
        if -(-bits // self.tables) > mih.MAX_SUBSTRING_BITS:
            raise ValueError(
                f"{self.tables} tables over {bits} bits exceeds {mih.MAX_SUBSTRING_BITS}-bit"
                " substrings"
            )


# Below this many codes a linear scan (about 3 ns a code on one core) is fast enough and
# needs no tables; bench/index_bench.py measures both sides.
DEFAULT_FLAT_MAX = 100_000
DEFAULT_MULTI_INDEX = MultiIndexParams()

# Codes added after the last build are scanned linearly until there are this many, or a 64th
# of the built codes, whichever is more; then the tables are rebuilt.
_TAIL_MIN = 16_384
_TAIL_SHARE = 64

# Compact (rebuild without dead codes) once this share of stored codes is dead.
_COMPACT_RATIO = 0.25
_COMPACT_MIN = 1024


class HashIndex:
    """Codes of ``bits`` bits (uint8 rows of ``bits // 8`` bytes) mapped to int64 ids.

    ``search`` returns, per query row, every id with a code within ``radius`` bits (inclusive)
    of the query, each id once with its smallest distance, sorted by distance then id. It is
    exact at every size and radius. All methods may be called from several threads.
    """

    def __init__(
        self,
        *,
        bits: int = 256,
        flat_max: int = DEFAULT_FLAT_MAX,
        multi_index: MultiIndexParams | None = DEFAULT_MULTI_INDEX,
    ) -> None:
        if bits <= 0 or bits % 8:
            raise ValueError(f"bits must be a positive multiple of 8, got {bits}")
        if multi_index is not None:
            multi_index.validate(bits)
        if flat_max < 0:
            raise ValueError("flat_max must be >= 0")
        self.bits = bits
        self.code_size = bits // 8
        self._nwords = (self.code_size + 7) // 8
        self._flat_max = flat_max
        self._params = multi_index
        self._lock = threading.Lock()
        # Position -> code words, our id, and whether that position is still live.
        self._words: mih.Words = np.empty((0, self._nwords), dtype=np.uint64)
        self._pos_ids: Ids = np.empty(0, dtype=np.int64)
        self._alive: npt.NDArray[np.bool_] = np.empty(0, dtype=bool)
        self._n = 0
        self._dead = 0
        # Tables over positions 0.._built-1; positions _built.._n-1 are the scanned tail.
        self._tables: mih.Tables | None = None
        self._built = 0

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
        words = mih.to_words(codes_)
        with self._lock:
            self._grow(len(ids_))
            end = self._n + len(ids_)
            self._words[self._n : end] = words
            self._pos_ids[self._n : end] = ids_
            self._alive[self._n : end] = True
            self._n = end
            if self._wants_tables(self._live()) and (
                self._tables is None or self._n - self._built > self._tail_max()
            ):
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
        queries = mih.to_words(codes_)
        radius = int(radius)
        with self._lock:
            if self._n == 0:
                return [[] for _ in range(codes_.shape[0])]
            parts: list[mih.Hits] = []
            scan_from = 0
            tables = self._tables
            if tables is not None and max(mih.split_radius(radius, tables.m)) <= (
                mih.MAX_TABLE_RADIUS
            ):
                parts.append(mih.search_tables(tables, queries, radius))
                scan_from = self._built
            if scan_from < self._n:
                parts.append(mih.scan_rows(self._words, scan_from, self._n, queries, radius))
            pos_ids, alive = self._pos_ids, self._alive
            rows: list[list[tuple[int, int]]] = []
            for q in range(len(queries)):
                pos = np.concatenate([p[1][p[0][q] : p[0][q + 1]] for p in parts])
                dist = np.concatenate([p[2][p[0][q] : p[0][q + 1]] for p in parts])
                rows.append(_row(pos_ids[pos], dist, alive[pos]))
        return rows

    def __len__(self) -> int:
        """The number of live codes (not distinct ids)."""
        with self._lock:
            return self._live()

    @property
    def structure(self) -> str:
        """``"flat"`` or ``"multi-index(m tables of a-b bits, tail t)"``: what is in use."""
        with self._lock:
            t = self._tables
            if t is None:
                return "flat"
            lo, hi = int(t.widths.min()), int(t.widths.max())
            width = f"{lo}" if lo == hi else f"{lo}-{hi}"
            return f"multi-index({t.m} tables of {width} bits, tail {self._n - self._built})"

    @property
    def nbytes(self) -> int:
        """Bytes held by the codes, ids and tables (not counting spare capacity)."""
        with self._lock:
            tables = self._tables.nbytes if self._tables is not None else 0
            return self._n * (self._nwords * 8 + 9) + tables

    # -- internals --------------------------------------------------------------------------

    def _live(self) -> int:
        return self._n - self._dead

    def _tail_max(self) -> int:
        return max(_TAIL_MIN, self._built // _TAIL_SHARE)

    def _check_codes(self, codes: np.ndarray) -> Codes:
        arr = np.asarray(codes)
        if arr.dtype != np.uint8:
            raise ValueError(f"codes must be uint8, got dtype {arr.dtype}")
        if arr.ndim != 2 or arr.shape[1] != self.code_size:
            raise ValueError(f"codes must have shape (n, {self.code_size}), got {arr.shape}")
        return np.ascontiguousarray(arr)

    def _wants_tables(self, n: int) -> bool:
        return self._params is not None and n > self._flat_max

    def _grow(self, extra: int) -> None:
        need = self._n + extra
        if need <= len(self._pos_ids):
            return
        cap = max(need, 2 * len(self._pos_ids), 1024)
        words = np.zeros((cap, self._nwords), dtype=np.uint64)
        pos_ids = np.empty(cap, dtype=np.int64)
        alive = np.zeros(cap, dtype=bool)
        words[: self._n] = self._words[: self._n]
        pos_ids[: self._n] = self._pos_ids[: self._n]
        alive[: self._n] = self._alive[: self._n]
        self._words, self._pos_ids, self._alive = words, pos_ids, alive

    def _rebuild(self) -> None:
        """Drop dead codes and build the tables if the live size wants them (lock held)."""
        keep = self._alive[: self._n]
        words = np.ascontiguousarray(self._words[: self._n][keep])
        ids = self._pos_ids[: self._n][keep]
        self._tables = None  # free the old tables before building the new ones
        if self._wants_tables(len(ids)):
            assert self._params is not None
            m = self._params.tables or mih.auto_table_count(self.bits, len(ids))
            self._tables = mih.build_tables(words, self.bits, m)
        self._words = words
        self._pos_ids = ids.copy()
        self._alive = np.ones(len(ids), dtype=bool)
        self._n = self._built = len(ids)
        self._dead = 0


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
