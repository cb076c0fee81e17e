"""HashIndex against numpy brute force (``np.bitwise_count``), flat and multi-index."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from takedown.matching.index import HashIndex, MultiIndexParams


def brute_force(
    codes: np.ndarray, ids: np.ndarray, queries: np.ndarray, radius: int
) -> list[list[tuple[int, int]]]:
    """Every id within ``radius`` of each query, once, at its smallest distance, sorted."""
    out: list[list[tuple[int, int]]] = []
    for q in queries:
        dist = np.bitwise_count(codes ^ q).sum(axis=1)
        best: dict[int, int] = {}
        for i, d in zip(ids.tolist(), dist.tolist(), strict=True):
            if d <= radius and d < best.get(i, radius + 1):
                best[i] = d
        out.append(sorted(best.items(), key=lambda t: (t[1], t[0])))
    return out


def flip_bits(rng: np.random.Generator, codes: np.ndarray, nbits: int) -> np.ndarray:
    """Copies of ``codes`` with exactly ``nbits`` distinct bits flipped in each row."""
    bits = np.unpackbits(codes, axis=1)
    for row in bits:
        row[rng.choice(bits.shape[1], size=nbits, replace=False)] ^= 1
    return np.packbits(bits, axis=1)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def random_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)


# The multi-index is exact by construction, so it must agree with brute force exactly; the
# tiny flat_max forces it on. Automatic and fixed table counts (16 x 16 bits, 11 x 23-24 bits
# as at 10 M codes) are both checked.
STRUCTURES = [
    pytest.param({"multi_index": None}, id="flat"),
    pytest.param({"flat_max": 10}, id="multi-index-auto"),
    pytest.param({"flat_max": 10, "multi_index": MultiIndexParams(16)}, id="multi-index-16"),
    pytest.param({"flat_max": 10, "multi_index": MultiIndexParams(11)}, id="multi-index-11"),
]


@pytest.mark.parametrize("kw", STRUCTURES)
def test_search_matches_brute_force(rng: np.random.Generator, kw: dict[str, object]) -> None:
    codes = random_codes(rng, 3000)
    ids = rng.integers(0, 800, size=3000).astype(np.int64)  # shared ids on purpose
    index = HashIndex(**kw)  # type: ignore[arg-type]
    index.add(codes, ids)
    assert len(index) == 3000
    # Queries near stored codes at every distance up to and beyond the radius, plus strangers.
    near = np.concatenate([flip_bits(rng, codes[k : k + 1], k % 40) for k in range(120)])
    queries = np.concatenate([near, random_codes(rng, 20)])
    got = index.search(queries, 31)
    want = brute_force(codes, ids, queries, 31)
    assert got == want
    assert sum(len(r) for r in got) >= 90  # the test exercises hits, not only misses


@pytest.mark.parametrize("kw", STRUCTURES)
def test_radius_is_inclusive(rng: np.random.Generator, kw: dict[str, object]) -> None:
    base = random_codes(rng, 1)
    index = HashIndex(**kw)  # type: ignore[arg-type]
    stored = np.concatenate([flip_bits(rng, base, d) for d in (0, 5, 31, 32)])
    index.add(stored, np.array([10, 11, 12, 13], dtype=np.int64))
    index.add(random_codes(rng, 50), np.arange(100, 150, dtype=np.int64))
    assert index.search(base, 31) == [[(10, 0), (11, 5), (12, 31)]]
    assert index.search(base, 32) == [[(10, 0), (11, 5), (12, 31), (13, 32)]]
    assert index.search(base, 0) == [[(10, 0)]]


def test_incremental_adds_cross_into_multi_index(rng: np.random.Generator) -> None:
    index = HashIndex(flat_max=500, multi_index=MultiIndexParams(16))
    codes = random_codes(rng, 1200)
    ids = np.arange(1200, dtype=np.int64) + 7_000_000_000  # ids beyond 32 bits survive
    for start in range(0, 1200, 300):
        index.add(codes[start : start + 300], ids[start : start + 300])
        assert len(index) == start + 300
    assert index.structure.startswith("multi-index(16 tables of 16 bits")
    queries = flip_bits(rng, codes[::50], 12)
    assert index.search(queries, 31) == brute_force(codes, ids, queries, 31)


@pytest.mark.parametrize("kw", STRUCTURES)
def test_remove_then_compact(rng: np.random.Generator, kw: dict[str, object]) -> None:
    index = HashIndex(**kw)  # type: ignore[arg-type]
    codes = random_codes(rng, 4000)
    ids = np.repeat(np.arange(1000, dtype=np.int64), 4)  # four variants per reference
    index.add(codes, ids)
    gone = np.arange(0, 1000, 3, dtype=np.int64)
    index.remove(gone)
    index.remove(np.array([123_456], dtype=np.int64))  # unknown id: ignored
    keep = ~np.isin(ids, gone)
    assert len(index) == int(keep.sum())
    queries = flip_bits(rng, codes[::37], 9)
    want = brute_force(codes[keep], ids[keep], queries, 31)
    assert index.search(queries, 31) == want
    assert all(i not in set(gone.tolist()) for row in index.search(codes, 0) for i, _ in row)
    # Removing most of the rest triggers compaction; the survivors are still found.
    index.remove(np.arange(0, 990, dtype=np.int64))
    survivors = ~np.isin(ids, np.concatenate([gone, np.arange(990)]))
    assert len(index) == int(survivors.sum())
    assert index.search(codes, 0) == brute_force(codes[survivors], ids[survivors], codes, 0)


def test_re_adding_a_removed_id(rng: np.random.Generator) -> None:
    index = HashIndex()
    code = random_codes(rng, 1)
    index.add(code, np.array([5], dtype=np.int64))
    index.remove(np.array([5], dtype=np.int64))
    assert index.search(code, 0) == [[]]
    index.add(code, np.array([5], dtype=np.int64))
    assert index.search(code, 0) == [[(5, 0)]]


def test_empty_index_and_empty_queries(rng: np.random.Generator) -> None:
    index = HashIndex()
    assert len(index) == 0
    assert index.search(random_codes(rng, 3), 31) == [[], [], []]
    assert index.search(np.empty((0, 32), dtype=np.uint8), 31) == []
    index.add(np.empty((0, 32), dtype=np.uint8), np.empty(0, dtype=np.int64))
    assert len(index) == 0


def test_other_code_lengths(rng: np.random.Generator) -> None:
    index = HashIndex(bits=64, multi_index=None)
    codes = rng.integers(0, 256, size=(200, 8), dtype=np.uint8)
    ids = np.arange(200, dtype=np.int64)
    index.add(codes, ids)
    assert index.search(codes[:5], 6) == brute_force(codes, ids, codes[:5], 6)


@pytest.mark.parametrize(
    ("codes", "ids", "message"),
    [
        (np.zeros((2, 32), dtype=np.int64), np.arange(2), "uint8"),
        (np.zeros((2, 16), dtype=np.uint8), np.arange(2), r"shape \(n, 32\)"),
        (np.zeros(32, dtype=np.uint8), np.arange(1), r"shape \(n, 32\)"),
        (np.zeros((2, 32), dtype=np.uint8), np.arange(3), r"ids must have shape \(2,\)"),
        (np.zeros((2, 32), dtype=np.uint8), np.array([0.5, 1.5]), "integers"),
    ],
)
def test_bad_input_is_a_clear_error(codes: np.ndarray, ids: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HashIndex().add(codes, ids)


def test_bad_search_arguments() -> None:
    index = HashIndex()
    q = np.zeros((1, 32), dtype=np.uint8)
    for radius in (-1, 257):
        with pytest.raises(ValueError, match="radius"):
            index.search(q, radius)
    with pytest.raises(ValueError, match="radius"):
        index.search(q, 3.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="uint8"):
        index.search(q.astype(np.float32), 3)
    with pytest.raises(ValueError, match="multiple of 8"):
        HashIndex(bits=250)
    with pytest.raises(ValueError, match="exceeds"):
        HashIndex(multi_index=MultiIndexParams(tables=9))  # 29-bit substrings
    with pytest.raises(ValueError, match="invalid"):
        HashIndex(multi_index=MultiIndexParams(tables=0))


def test_concurrent_adds_and_searches(rng: np.random.Generator) -> None:
    index = HashIndex(flat_max=2000, multi_index=MultiIndexParams(16))
    batches = [random_codes(rng, 500) for _ in range(8)]
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            index.add(batches[k], np.full(500, k, dtype=np.int64))
        except BaseException as exc:  # a failure in a thread must fail the test
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(20):
                for row in index.search(batches[0][:10], 0):
                    assert row in ([], [(0, 0)])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    threads += [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(index) == 4000
    assert index.structure.startswith("multi-index")
    for k, batch in enumerate(batches):
        assert index.search(batch[:3], 0) == [[(k, 0)]] * 3


def test_every_radius_is_exact_with_tables(rng: np.random.Generator) -> None:
    """Small radii skip tables (negative per-table radius); large ones fall back to a scan."""
    codes = random_codes(rng, 3000)
    ids = np.arange(3000, dtype=np.int64)
    index = HashIndex(flat_max=100, multi_index=MultiIndexParams(12))
    index.add(codes, ids)
    near = np.concatenate([flip_bits(rng, codes[k : k + 1], k % 70) for k in range(140)])
    for radius in (0, 3, 11, 12, 31, 40, 47, 64, 90):
        assert index.search(near, radius) == brute_force(codes, ids, near, radius), radius


def test_tail_is_searched_then_folded_into_the_tables(rng: np.random.Generator) -> None:
    index = HashIndex(flat_max=100, multi_index=MultiIndexParams(16))
    first = random_codes(rng, 1000)
    index.add(first, np.arange(1000, dtype=np.int64))
    assert index.structure.endswith("tail 0)")
    late = random_codes(rng, 200)
    index.add(late, np.arange(1000, 1200, dtype=np.int64))
    assert index.structure.endswith("tail 200)")  # below the tail limit: scanned, not rebuilt
    allc = np.concatenate([first, late])
    queries = flip_bits(rng, allc[::7], 20)
    assert index.search(queries, 31) == brute_force(allc, np.arange(1200), queries, 31)
    more = random_codes(rng, 17_000)  # past the tail limit: rebuilt
    index.add(more, np.arange(1200, 18_200, dtype=np.int64))
    assert index.structure.endswith("tail 0)")
    assert index.search(late[:5], 0) == [[(1000 + k, 0)] for k in range(5)]
