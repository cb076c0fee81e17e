"""Index speed, recall, memory and build time at 1 M and 10 M codes, against numpy brute force
and FAISS's exact ``IndexBinaryFlat``.

The stored codes are the corpus references' 8 dihedral PDQ hashes, planted among fillers: half
uniform random, half "structured" (a corpus hash with 48-80 bits flipped, so fillers crowd the
same hash buckets as real images without matching them). The queries are plain PDQ hashes of
real edited corpus images. Each candidate is built in a forked child, so its memory is
measured alone and freed afterwards; all searches use one thread and are timed in CPU seconds
of the process (``time.process_time``) after one warm-up pass, so other work on the machine
does not count against any candidate.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pdqhash
from PIL import Image

from methods import naive_pdq
from takedown.matching.index import HashIndex
from transforms import apply

RADIUS = 31
QUERY_TRANSFORMS = ("jpeg", "resize", "blur", "gamma", "watermark", "rotate 4°", "crop 5%", "flip")


@dataclass(frozen=True)
class Candidate:
    label: str
    nhash: int = 0  # 0: flat
    bits_per_hash: int = 0
    nflips: tuple[int, ...] = (0,)


CANDIDATES = (
    Candidate("FAISS IndexBinaryFlat (exact)"),
    # 16 x 16 bits with one flip is exact within 31 bits (pigeonhole); 10 x 24 with one flip
    # was takedown's previous index (approximate beyond 19 bits).
    Candidate("FAISS MultiHash 16x16", 16, 16, (1,)),
    Candidate("FAISS MultiHash 10x24", 10, 24, (1,)),
)
# FAISS's multi-hash tables take ~6 GB and minutes to build at 10 M codes: measured up to here.
MULTIHASH_MAX = 2_000_000


@dataclass(frozen=True)
class Row:
    size: int
    label: str
    build_s: float
    memory_mb: float
    qps: float
    recall: float


@dataclass
class IndexResults:
    rows: list[Row]
    numpy_qps: dict[int, float]
    takedown: dict[int, Row]  # size -> the HashIndex row (label: its structure)
    queries: int
    true_pairs: dict[int, int]


def _dihedral_codes(paths: Sequence[Path]) -> np.ndarray:
    out: list[np.ndarray] = []
    for p in paths:
        with Image.open(p) as im:
            variants, _q = pdqhash.compute_dihedral(np.asarray(im.convert("RGB")))
        out.extend(np.packbits(np.asarray(v, dtype=np.uint8)) for v in variants)
    return np.stack(out)


def _queries(paths: Sequence[Path], fillers: list[Image.Image]) -> np.ndarray:
    codes = []
    for i, p in enumerate(paths):
        with Image.open(p) as im:
            image = im.convert("RGB")
        for t in QUERY_TRANSFORMS:
            codes.append(naive_pdq(apply(t, image, zlib.crc32(f"ix:{i}:{t}".encode()), fillers)))
    return np.stack(codes)


def _fillers(rng: np.random.Generator, seeds: np.ndarray, n: int) -> np.ndarray:
    half = n // 2
    uniform = rng.integers(0, 256, size=(half, 32), dtype=np.uint8)
    parts = [uniform]
    left = n - half
    while left:
        k = min(left, 250_000)
        base = seeds[rng.integers(0, len(seeds), size=k)]
        # Each bit flips with a per-row probability, about 48-80 flipped bits per row.
        p = rng.uniform(48 / 256, 80 / 256, size=(k, 1)).astype(np.float32)
        flips = rng.random((k, 256), dtype=np.float32) < p
        parts.append(base ^ np.packbits(flips, axis=1))
        left -= k
    return np.concatenate(parts)


def _release_freed_memory() -> None:
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _pairs(lims: np.ndarray, labels: np.ndarray) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for q in range(len(lims) - 1):
        out.update((q, int(x)) for x in labels[lims[q] : lims[q + 1]])
    return out


_SHARED: dict[str, np.ndarray] = {}


def _measure(cand: Candidate, truth: set[tuple[int, int]], conn: object) -> None:
    """Child process: build one candidate, time it, search with each nflip, report."""
    faiss.omp_set_num_threads(1)
    codes, queries = _SHARED["codes"], _SHARED["queries"]
    codes.sum(axis=0, dtype=np.uint64)  # touch the inherited pages before the baseline
    before = _rss_mb("VmRSS")
    t0 = time.perf_counter()
    index: Any
    if cand.nhash == 0:
        index = faiss.IndexBinaryFlat(256)
    else:
        index = faiss.IndexBinaryMultiHash(256, cand.nhash, cand.bits_per_hash)
    index.add(codes)
    build = time.perf_counter() - t0
    memory = _rss_mb("VmHWM") - before
    if cand.nhash == 0:
        # The flat index is exactly its codes; resident-set growth misses pages the forked
        # child reuses, so state the size by construction.
        memory = codes.nbytes / 2**20
    results = []
    for nflip in cand.nflips:
        if cand.nhash:
            index.nflip = nflip
        index.range_search(queries, RADIUS + 1)  # warm-up
        t0 = time.process_time()
        lims, _d, labels = index.range_search(queries, RADIUS + 1)
        elapsed = time.process_time() - t0
        found = _pairs(lims, labels)
        recall = len(found & truth) / max(1, len(truth))
        label = cand.label if not cand.nhash else f"{cand.label}, nflip={nflip}"
        results.append((label, build, memory, len(queries) / elapsed, recall))
    conn.send(results)  # type: ignore[attr-defined]


def _numpy_qps(codes: np.ndarray, queries: np.ndarray, n: int) -> tuple[float, set[int]]:
    """numpy brute force at its best (uint64 words, bitwise_count), on ``n`` queries."""
    words = codes.view(np.uint64)
    qwords = queries[:n].view(np.uint64)
    hits: set[int] = set()
    t0 = time.process_time()
    for q in qwords:
        dist = np.bitwise_count(words ^ q).sum(axis=1, dtype=np.uint16)
        hits.update(np.nonzero(dist <= RADIUS)[0].tolist())
    return n / (time.process_time() - t0), hits


def run(references: Sequence[Path], sizes: Sequence[int], query_refs: int) -> IndexResults:
    rng = np.random.default_rng(11)
    planted = _dihedral_codes(references)
    fillers_img = [Image.open(p).convert("RGB") for p in references[-16:]]
    queries = _queries(references[:query_refs], fillers_img)
    rows: list[Row] = []
    numpy_qps: dict[int, float] = {}
    takedown: dict[int, Row] = {}
    true_pairs: dict[int, int] = {}
    for size in sizes:
        t0 = time.perf_counter()
        codes = np.concatenate([planted, _fillers(rng, planted[::8], size - len(planted))])
        perm = np.random.default_rng(size).permutation(size)
        codes = np.ascontiguousarray(codes[perm])
        print(f"index: {size:,} codes ready in {time.perf_counter() - t0:.0f} s", flush=True)
        faiss.omp_set_num_threads(1)
        exact = faiss.IndexBinaryFlat(256)
        exact.add(codes)
        lims, _d, labels = exact.range_search(queries, RADIUS + 1)
        truth = _pairs(lims, labels)
        true_pairs[size] = len(truth)
        del exact
        _release_freed_memory()  # else the children reuse freed heap and under-report memory
        # numpy on a sample of queries; its hits must agree with the exact flat index.
        sample = min(len(queries), 40 if size <= 2_000_000 else 12)
        numpy_qps[size], np_hits = _numpy_qps(codes, queries, sample)
        flat_hits = {x for q, x in truth if q == sample - 1}
        assert flat_hits <= np_hits, "numpy brute force and IndexBinaryFlat disagree"
        _SHARED["codes"], _SHARED["queries"] = codes, queries
        ctx = mp.get_context("fork")
        for cand in CANDIDATES:
            if cand.nhash and size > MULTIHASH_MAX:
                continue
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_measure, args=(cand, truth, child))
            proc.start()
            for label, build, memory, qps, recall in parent.recv():
                rows.append(Row(size, label, build, memory, qps, recall))
                print(f"index: {size:,} {label}: {qps:,.0f} q/s, recall {recall:.4f}", flush=True)
            proc.join()
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_takedown, args=(size, truth, child))
        proc.start()
        takedown[size] = parent.recv()
        proc.join()
        t = takedown[size]
        print(f"index: {size:,} HashIndex: {t.qps:,.0f} q/s, recall {t.recall:.4f}", flush=True)
        del codes
        _SHARED.clear()
    return IndexResults(rows, numpy_qps, takedown, len(queries), true_pairs)


def _takedown(size: int, truth: set[tuple[int, int]], conn: object) -> None:
    """Child process: the HashIndex wrapper with its defaults, ids = positions, one thread."""
    codes, queries = _SHARED["codes"], _SHARED["queries"]
    codes.sum(axis=0, dtype=np.uint64)
    before = _rss_mb("VmRSS")
    t0 = time.perf_counter()
    index = HashIndex()
    index.add(codes, np.arange(len(codes), dtype=np.int64))
    build = time.perf_counter() - t0
    memory = _rss_mb("VmHWM") - before
    index.search(queries, RADIUS)  # warm-up (and the kernels' compilation, if not cached)
    t0 = time.process_time()
    rows = index.search(queries, RADIUS)
    qps = len(queries) / (time.process_time() - t0)
    found = {(q, i) for q, row in enumerate(rows) for i, _ in row}
    recall = len(found & truth) / max(1, len(truth))
    exact = found == truth
    label = f"{index.structure}, {index.nbytes / 2**20:,.0f} MB held" + ("" if exact else ", EXTRA")
    conn.send(Row(size, label, build, memory, qps, recall))  # type: ignore[attr-defined]


def report(res: IndexResults, cpu: str) -> list[str]:
    lines = [
        "### Index: Hamming range search (radius 31) over 256-bit codes",
        "",
        f"{res.queries} queries: plain PDQ hashes of real edited corpus images"
        f" ({', '.join(QUERY_TRANSFORMS)}). Stored: the references' 8 dihedral hashes among"
        " fillers (half uniform random, half corpus hashes with 48-80 bits flipped)."
        " Recall is the share of the exact answer's (query, code) pairs found; the exact answer"
        " comes from IndexBinaryFlat, checked against numpy. One thread; queries/s are per CPU"
        " second after a warm-up pass; memory is the peak resident growth while building."
        f" {cpu}",
        "",
        "| codes | structure | build | memory | queries/s | x numpy | x IndexBinaryFlat | recall |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sorted(res.numpy_qps):
        base = res.numpy_qps[size]
        flat = next(
            (r.qps for r in res.rows if r.size == size and r.label.startswith("FAISS I")), 0
        )
        lines.append(
            f"| {size:,} | numpy brute force (`bitwise_count`, uint64 words) | - | - |"
            f" {base:,.2f} | 1 | {base / flat:.2f} | 1.0000 |"
        )
        for r in (r for r in res.rows if r.size == size):
            lines.append(
                f"| {size:,} | {r.label} | {r.build_s:.1f} s | {r.memory_mb:,.0f} MB |"
                f" {r.qps:,.0f} | {r.qps / base:,.0f} | {r.qps / flat:.1f} | {r.recall:.4f} |"
            )
        t = res.takedown[size]
        lines.append(
            f"| {size:,} | **takedown `HashIndex`** ({t.label}) | {t.build_s:.1f} s |"
            f" {t.memory_mb:,.0f} MB | **{t.qps:,.0f}** | {t.qps / base:,.0f} |"
            f" {t.qps / flat:.1f} | **{t.recall:.4f}** |"
        )
        lines.append(f"| {size:,} | (exact matching pairs: {res.true_pairs[size]}) | | | | | | |")
    return [*lines, ""]


if __name__ == "__main__":  # a quick manual run: python bench/index_bench.py
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from corpus import build_corpus

    c = build_corpus(Path(__file__).parent / "cache", references=1000, distractors=0)
    sizes = [int(x) for x in os.environ.get("SIZE", "100000").split(",")]
    out = run(c.references, sizes, int(os.environ.get("QUERY_REFS", "25")))
    print("\n".join(report(out, "")))
