"""Video recall and speed: benign slideshow videos from corpus stills, edited with ffmpeg.

Each reference video is 20 s at 640x360, 25 fps: four corpus stills of PDQ quality >= 80, each
slowly zoomed or panned for 5 s. Edits: re-encode (CRF 35), resize (320x180), trim (an 8 s sub-clip), letterbox
(into 640x480 with black bars) and compilation (the whole reference between 6 s excerpts of
three distractor videos, 38 s in all). Distractor videos are made the same way from distractor stills and
get the same edits; any match of theirs is a false match.
"""

from __future__ import annotations

import subprocess
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vpdq

VIDEO_EDITS = ("re-encode", "resize", "trim", "letterbox", "compilation")
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-an"]

# Frame hashes of plain vPDQ: (hex, quality, seconds).
FrameHashes = list[tuple[str, int, float]]


def _ffmpeg(args: Sequence[str]) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True, timeout=600)


def make_slideshow(stills: Sequence[Path], out: Path, size: str = "640x360") -> Path:
    """Four stills, 5 s each, zooming in or panning, concatenated into one H.264 file."""
    if out.exists():
        return out
    w, h = (int(v) for v in size.split("x"))
    inputs: list[str] = []
    chains = []
    for k, still in enumerate(stills):
        inputs += ["-i", str(still)]
        motion = (
            "z='min(zoom+0.0015,1.25)':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
            if k % 2 == 0
            else "z=1.15:x='(iw-iw/zoom)*on/125':y='ih/2-(ih/zoom/2)'"
        )
        chains.append(
            f"[{k}:v]scale={2 * w}:{2 * h}:force_original_aspect_ratio=increase,"
            f"crop={2 * w}:{2 * h},zoompan={motion}:d=125:s={size}:fps=25,setsar=1[v{k}]"
        )
    concat = "".join(f"[v{k}]" for k in range(len(stills))) + f"concat=n={len(stills)}:v=1[out]"
    _ffmpeg(
        [*inputs, "-filter_complex", ";".join([*chains, concat]), "-map", "[out]", *X264, str(out)]
    )
    return out


def edit(name: str, src: Path, out: Path, others: Sequence[Path] = ()) -> Path:
    if out.exists():
        return out
    if name == "re-encode":
        _ffmpeg(["-i", str(src), *X264, "-crf", "35", str(out)])
    elif name == "resize":
        _ffmpeg(["-i", str(src), "-vf", "scale=320:180", *X264, "-crf", "28", str(out)])
    elif name == "trim":
        _ffmpeg(["-ss", "6", "-t", "8", "-i", str(src), *X264, "-crf", "26", str(out)])
    elif name == "letterbox":
        vf = "scale=640:360,pad=640:480:0:60:black"
        _ffmpeg(["-i", str(src), "-vf", vf, *X264, "-crf", "26", str(out)])
    elif name == "compilation":
        # The whole reference between 6 s excerpts of unrelated videos.
        parts = [(others[0], 2.0, 6.0), (src, 0.0, 0.0), *((o, 4.0, 6.0) for o in others[1:])]
        inputs: list[str] = []
        for p, start, length in parts:
            inputs += ["-ss", str(start), *(["-t", str(length)] if length else []), "-i", str(p)]
        chains = "".join(f"[{k}:v]scale=640:360,setsar=1,fps=25[c{k}];" for k in range(len(parts)))
        concat = "".join(f"[c{k}]" for k in range(len(parts))) + f"concat=n={len(parts)}:v=1[out]"
        _ffmpeg(
            [
                *inputs,
                "-filter_complex",
                chains + concat,
                "-map",
                "[out]",
                *X264,
                "-crf",
                "26",
                str(out),
            ]
        )
    else:
        raise ValueError(f"unknown video edit {name!r}")
    return out


def plain_vpdq(path: Path) -> FrameHashes:
    """vpdq at 1 frame/s on the full-size frames, one thread."""
    features = vpdq.computeHash(str(path), seconds_per_hash=1, thread_count=1)
    return [(f.hex, f.quality, f.timestamp) for f in features]


def _codes(hashes: FrameHashes, min_quality: int = 50) -> list[int]:
    return [int(h, 16) for h, q, _t in hashes if q >= min_quality]


def vpdq_match_percents(query: FrameHashes, ref: FrameHashes) -> tuple[float, float]:
    """ThreatExchange's vPDQ measure: share of query frames near some reference frame, and
    share of reference frames near some query frame (distance <= 31, quality >= 50)."""
    q, r = _codes(query), _codes(ref)
    if not q or not r:
        return 0.0, 0.0
    q_hit = sum(any((a ^ b).bit_count() <= 31 for b in r) for a in q)
    r_hit = sum(any((a ^ b).bit_count() <= 31 for a in q) for b in r)
    return 100 * q_hit / len(q), 100 * r_hit / len(r)


def plain_vpdq_decision(query: FrameHashes, ref: FrameHashes) -> bool:
    """python-threatexchange's and HMA's defaults: >= 80% of the query's frames match."""
    query_pct, _ref_pct = vpdq_match_percents(query, ref)
    return query_pct >= 80.0


@dataclass
class VideoMethod:
    """Hashes reference and query files, then decides which references a query contains."""

    name: str
    hash_reference: Callable[[Path], Any]
    hash_query: Callable[[Path], Any]
    # Given all references' hashes, a function from a query's hashes to the references found.
    build: Callable[[list[Any]], Callable[[Any], set[int]]]


def pairwise(
    decide: Callable[[Any, Any], bool],
) -> Callable[[list[Any]], Callable[[Any], set[int]]]:
    def build(refs: list[Any]) -> Callable[[Any], set[int]]:
        return lambda q: {j for j, r in enumerate(refs) if decide(q, r)}

    return build


@dataclass
class VideoResults:
    recall: dict[str, dict[str, float]]  # method -> edit -> recall
    false_matches: dict[str, int]
    comparisons: int
    references: int
    distractors: int
    speed: dict[str, float]  # method -> seconds of video hashed per second of one core
    speed_note: str


def run(
    stills: Sequence[Path],
    distractor_stills: Sequence[Path],
    cache: Path,
    methods: Sequence[VideoMethod],
    n_refs: int,
    n_distractors: int,
) -> VideoResults:
    used = [*stills[: 4 * n_refs], *distractor_stills[: 4 * n_distractors]]
    # Files are cached per choice of stills, so a quick run never feeds a full one.
    folder = cache / f"videos-{zlib.crc32(' '.join(p.name for p in used).encode()):08x}"
    folder.mkdir(parents=True, exist_ok=True)
    refs = [
        make_slideshow(stills[4 * k : 4 * k + 4], folder / f"ref{k:03d}.mp4") for k in range(n_refs)
    ]
    dis = [
        make_slideshow(distractor_stills[4 * k : 4 * k + 4], folder / f"dis{k:03d}.mp4")
        for k in range(n_distractors)
    ]
    queries: list[tuple[str, Path, set[int]]] = []  # edit, file, references it contains
    for k, src in enumerate(refs):
        for e in VIDEO_EDITS:
            others = [dis[(k + j) % len(dis)] for j in range(3)] if e == "compilation" else []
            queries.append((e, edit(e, src, folder / f"ref{k:03d}-{e}.mp4", others), {k}))
    for k, src in enumerate(dis):
        for e in VIDEO_EDITS:
            others = (
                [dis[(k + 1) % len(dis)], dis[(k + 2) % len(dis)]] if e == "compilation" else []
            )
            queries.append((e, edit(e, src, folder / f"dis{k:03d}-{e}.mp4", others), set()))
    print(
        f"videos: {len(refs)} references, {len(dis)} distractors, {len(queries)} queries",
        flush=True,
    )
    recall: dict[str, dict[str, float]] = {}
    false_matches: dict[str, int] = {}
    speed: dict[str, float] = {}
    total_seconds = 0.0
    total_seconds = sum(_duration(p) for p in [*refs, *(p for _e, p, _t in queries)])
    for m in methods:
        t0 = time.perf_counter()
        ref_hashes = [m.hash_reference(r) for r in refs]
        hashed = [(e, m.hash_query(p), truth) for e, p, truth in queries]
        speed[m.name] = total_seconds / (time.perf_counter() - t0)
        find = m.build(ref_hashes)
        hits: dict[str, list[int]] = {e: [0, 0] for e in VIDEO_EDITS}
        false = 0
        for e, qh, truth in hashed:
            found = find(qh)
            hits[e][0] += len(found & truth)
            hits[e][1] += len(truth)
            false += len(found - truth)
        recall[m.name] = {e: h / max(1, n) for e, (h, n) in hits.items()}
        false_matches[m.name] = false
        print(f"videos: {m.name} done", flush=True)
    note = f"{total_seconds:.0f} s of 640x360 (and smaller) H.264 video, wall time, one thread"
    comparisons = len(queries) * len(refs)
    return VideoResults(recall, false_matches, comparisons, len(refs), len(dis), speed, note)


def _duration(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def report(res: VideoResults) -> list[str]:
    names = list(res.recall)
    lines = [
        "### Video recall",
        "",
        f"{res.references} reference videos and {res.distractors} distractor videos, each edited"
        f" five ways; {res.comparisons} (edited video, reference) comparisons. A compilation"
        " holds the whole reference between 6 s excerpts of three distractor videos."
        " Plain vPDQ decides with ThreatExchange's and HMA's defaults (>= 80% of the query's"
        " frames within 31 bits of the reference's, quality >= 50).",
        "",
        "| edit | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for e in VIDEO_EDITS:
        lines.append(
            f"| {e} | " + " | ".join(f"{100 * res.recall[n][e]:.1f}%" for n in names) + " |"
        )
    overall = [100 * sum(res.recall[n].values()) / len(VIDEO_EDITS) for n in names]
    lines.append("| **all edits (mean)** | " + " | ".join(f"{v:.1f}%" for v in overall) + " |")
    lines.append("| false matches | " + " | ".join(str(res.false_matches[n]) for n in names) + " |")
    lines += [
        "",
        "### Video hashing speed",
        "",
        f"Seconds of video hashed per second ({res.speed_note}).",
        "",
        "| method | video seconds per second |",
        "|---|---:|",
    ]
    lines += [f"| {n} | {res.speed[n]:.1f} |" for n in names]
    return [*lines, ""]
