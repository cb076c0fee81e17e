"""Exact multi-index hashing over binary codes: the static tables and their compiled scans.

A code of ``bits`` bits is cut into ``m`` disjoint substrings. For each substring a table holds
every stored code, sorted by that substring's value, with a direct-address offset array (one
entry per possible substring value), so a probe is two reads and the codes of a bucket lie
next to each other in memory.

Exactness is the generalised pigeonhole principle: if two codes are within ``r`` bits and the
substrings get radii ``t_1..t_m`` with ``sum(t_i) = r - m + 1``, at least one substring ``i``
differs in at most ``t_i`` bits (otherwise the distance would be at least
``sum(t_i + 1) = r + 1``). Probing, in each table, every value within ``t_i`` bits of the query's
substring and checking the full distance of each code found therefore returns every stored code
within ``r`` bits, and nothing else. A radius of ``-1`` skips a table.

The scans are compiled with numba (no Python per probe or per candidate); they release the GIL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_SUBSTRING_BITS",
    "MAX_TABLE_RADIUS",
    "Tables",
    "auto_table_count",
    "build_tables",
    "scan_rows",
    "search_tables",
    "split_radius",
    "to_words",
]

Words = npt.NDArray[np.uint64]

# A table's offset array has 2**bits entries of 4 bytes: 26 bits is 256 MB, the most we allow.
MAX_SUBSTRING_BITS = 26
MIN_SUBSTRING_BITS = 8
# Probing 3 flips of a 24-bit substring is 2,325 probes; beyond that a linear scan is cheaper.
MAX_TABLE_RADIUS = 3


def to_words(codes: npt.NDArray[np.uint8]) -> Words:
    """uint8 rows -> uint64 words (little-endian), zero-padded to a whole number of words."""
    n, size = codes.shape
    nwords = (size + 7) // 8
    if size == nwords * 8:
        return np.ascontiguousarray(codes).view("<u8").astype(np.uint64, copy=False)
    padded = np.zeros((n, nwords * 8), dtype=np.uint8)
    padded[:, :size] = codes
    return padded.view("<u8").astype(np.uint64, copy=False)


def auto_table_count(bits: int, n: int) -> int:
    """Tables whose substrings hold about log2(n) bits: about one code per bucket."""
    ideal = bits / max(math.log2(max(n, 2)), 1.0)
    m = max(1, round(ideal))
    m = max(m, math.ceil(bits / MAX_SUBSTRING_BITS))
    return min(m, max(1, bits // MIN_SUBSTRING_BITS))


def split_radius(radius: int, m: int) -> list[int]:
    """Per-table radii summing to ``radius - m + 1``, as even as possible (largest first)."""
    total = radius - m + 1
    base, extra = divmod(total, m)
    return [base + 1 if i < extra else base for i in range(m)]


@dataclass(frozen=True)
class Tables:
    """``m`` substring tables over ``n`` codes (positions ``0..n-1`` of the owner's array)."""

    n: int
    starts: npt.NDArray[np.int64]  # first bit of each substring
    widths: npt.NDArray[np.int64]  # bits of each substring
    offset_base: npt.NDArray[np.int64]  # where each table's offsets begin in ``offsets``
    offsets: npt.NDArray[np.uint32]  # per table: 2**width + 1 bucket boundaries
    codes: Words  # (m * n, words): table t's codes, sorted by substring, at rows t*n..
    positions: npt.NDArray[np.int32]  # (m * n,): the position of each of those codes

    @property
    def m(self) -> int:
        return len(self.widths)

    @property
    def nbytes(self) -> int:
        return int(self.offsets.nbytes + self.codes.nbytes + self.positions.nbytes)


def _substring_keys(words: Words, start: int, width: int) -> npt.NDArray[np.int64]:
    wi, off = divmod(start, 64)
    v = words[:, wi] >> np.uint64(off)
    if off + width > 64:
        v = v | (words[:, wi + 1] << np.uint64(64 - off))
    return (v & np.uint64((1 << width) - 1)).astype(np.int64)


def build_tables(words: Words, bits: int, m: int) -> Tables:
    """Sort ``words`` (n, w) into ``m`` substring tables covering all ``bits`` bits."""
    n = words.shape[0]
    if n >= 2**31 - 1:
        raise ValueError("the multi-index holds fewer than 2**31 codes")
    base, extra = divmod(bits, m)
    widths = np.array([base + 1 if i < extra else base for i in range(m)], dtype=np.int64)
    if widths.max() > MAX_SUBSTRING_BITS or widths.min() < 1:
        raise ValueError(f"{m} tables over {bits} bits give substrings of {widths.max()} bits")
    starts = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(np.int64)
    sizes = (1 << widths) + 1
    offset_base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    offsets = np.empty(int(sizes.sum()), dtype=np.uint32)
    codes = np.empty((m * n, words.shape[1]), dtype=np.uint64)
    positions = np.empty(m * n, dtype=np.int32)
    for t in range(m):
        keys = _substring_keys(words, int(starts[t]), int(widths[t]))
        order = np.argsort(keys, kind="stable")
        counts = np.bincount(keys, minlength=1 << int(widths[t]))
        o = offsets[offset_base[t] : offset_base[t] + sizes[t]]
        o[0] = 0
        np.cumsum(counts, out=o[1:])
        codes[t * n : (t + 1) * n] = words[order]
        positions[t * n : (t + 1) * n] = order
        del keys, order, counts
    return Tables(n, starts, widths, offset_base, offsets, codes, positions)


# -- compiled kernels (numba is untyped: the jitted functions are kept as Any) ----------------

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)


def _popcount_py(x: np.uint64) -> np.int64:
    # The SWAR idiom; LLVM turns it into the popcnt instruction.
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return np.int64((x * _H01) >> np.uint64(56))


_popcount: Any = numba.njit(inline="always", cache=True)(_popcount_py)


def _distance_py(a: Words, i: int, q: Words) -> np.int64:
    d = np.int64(0)
    for w in range(q.shape[0]):
        d += _popcount(a[i, w] ^ q[w])
    return d


_distance: Any = numba.njit(inline="always", cache=True)(_distance_py)


def _key_py(q: Words, start: int, width: int) -> np.int64:
    wi = start >> 6
    off = start & 63
    v = q[wi] >> np.uint64(off)
    if off + width > 64:
        v = v | (q[wi + 1] << np.uint64(64 - off))
    return np.int64(v & np.uint64((np.int64(1) << width) - 1))


_key: Any = numba.njit(inline="always", cache=True)(_key_py)


def _probe_keys_py(key0: np.int64, b: int, r: int, keys: npt.NDArray[np.int64]) -> int:
    """Every value within ``r`` bits of ``key0`` over ``b`` bits, into ``keys``; the count."""
    one = np.int64(1)
    c = 0
    keys[c] = key0
    c += 1
    if r >= 1:
        for i in range(b):
            k1 = key0 ^ (one << i)
            keys[c] = k1
            c += 1
            if r >= 2:
                for j in range(i + 1, b):
                    k2 = k1 ^ (one << j)
                    keys[c] = k2
                    c += 1
                    if r >= 3:
                        for h in range(j + 1, b):
                            keys[c] = k2 ^ (one << h)
                            c += 1
    return c


_probe_keys: Any = numba.njit(inline="always", cache=True)(_probe_keys_py)


def _search_py(
    queries: Words,
    radius: int,
    radii: npt.NDArray[np.int64],
    n: int,
    starts: npt.NDArray[np.int64],
    widths: npt.NDArray[np.int64],
    offset_base: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.uint32],
    codes: Words,
    positions: npt.NDArray[np.int32],
    lims: npt.NDArray[np.int64],
    out_pos: npt.NDArray[np.int64],
    out_d: npt.NDArray[np.int32],
) -> int:
    """Fill ``lims``/``out_pos``/``out_d``; the hit count, or -1 if the buffers are too small.

    A code found by several tables appears several times; the caller keeps one. Each table is
    probed in three passes (keys, bucket bounds, codes) so that the memory reads of one pass
    do not wait on each other.
    """
    most = 1 + MAX_SUBSTRING_BITS + MAX_SUBSTRING_BITS**2 + MAX_SUBSTRING_BITS**3
    keys = np.empty(most, dtype=np.int64)
    los = np.empty(most, dtype=np.int64)
    his = np.empty(most, dtype=np.int64)
    k = 0
    for qi in range(queries.shape[0]):
        q = queries[qi]
        lims[qi] = k
        for t in range(widths.shape[0]):
            r = radii[t]
            if r < 0:
                continue
            c = _probe_keys(_key(q, starts[t], widths[t]), widths[t], r, keys)
            obase = offset_base[t]
            for p in range(c):
                los[p] = offsets[obase + keys[p]]
                his[p] = offsets[obase + keys[p] + 1]
            row0 = np.int64(t) * n
            for p in range(c):
                for j in range(row0 + los[p], row0 + his[p]):
                    d = _distance(codes, j, q)
                    if d <= radius:
                        if k >= out_pos.shape[0]:
                            return -1
                        out_pos[k] = positions[j]
                        out_d[k] = d
                        k += 1
    lims[queries.shape[0]] = k
    return k


_search: Any = numba.njit(cache=True, nogil=True)(_search_py)


def _scan_py(
    queries: Words,
    radius: int,
    codes: Words,
    lo: int,
    hi: int,
    lims: npt.NDArray[np.int64],
    out_pos: npt.NDArray[np.int64],
    out_d: npt.NDArray[np.int32],
) -> int:
    """Linear scan of rows ``lo..hi-1``; same output contract as ``_search_py``."""
    k = 0
    for qi in range(queries.shape[0]):
        q = queries[qi]
        lims[qi] = k
        for i in range(lo, hi):
            d = _distance(codes, i, q)
            if d <= radius:
                if k >= out_pos.shape[0]:
                    return -1
                out_pos[k] = i
                out_d[k] = d
                k += 1
    lims[queries.shape[0]] = k
    return k


_scan: Any = numba.njit(cache=True, nogil=True)(_scan_py)

Hits = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int32]]


def _run(kernel: Any, queries: Words, args: tuple[Any, ...]) -> Hits:
    cap = max(1024, 64 * len(queries))
    while True:
        lims = np.zeros(len(queries) + 1, dtype=np.int64)
        out_pos = np.empty(cap, dtype=np.int64)
        out_d = np.empty(cap, dtype=np.int32)
        k = int(kernel(queries, *args, lims, out_pos, out_d))
        if k >= 0:
            return lims, out_pos[:k], out_d[:k]
        cap *= 4


def search_tables(tables: Tables, queries: Words, radius: int) -> Hits:
    """``(lims, positions, distances)`` of every code within ``radius`` of each query.

    Needs every per-table radius at most ``MAX_TABLE_RADIUS`` (see ``split_radius``).
    """
    radii = np.array(split_radius(radius, tables.m), dtype=np.int64)
    if radii.max() > MAX_TABLE_RADIUS:
        raise ValueError(f"radius {radius} needs more than {MAX_TABLE_RADIUS} flips per table")
    args = (
        radius,
        radii,
        tables.n,
        tables.starts,
        tables.widths,
        tables.offset_base,
        tables.offsets,
        tables.codes,
        tables.positions,
    )
    return _run(_search, queries, args)


def scan_rows(codes: Words, lo: int, hi: int, queries: Words, radius: int) -> Hits:
    """Brute force over rows ``lo..hi-1`` of ``codes``: the same output as ``search_tables``."""
    return _run(_scan, queries, (radius, codes, lo, hi))
