"""End to end through the real service: publish → detection latency, and pipeline throughput.

takedown runs as `serve` does (Huey workers, scheduler, SQLite), against the demonstration web on
127.0.0.1. The baseline, measured in the same run on the same site, is a naive single-threaded
poller: fetch the listing every interval, fetch each new post, download its images, hash them with
plain pdqhash and compare by brute force.

    .venv/bin/python bench/bench_pipeline.py --out bench/results/pipeline.md [--quick]
"""

from __future__ import annotations

import argparse
import io
import random
import re
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import pdqhash
from PIL import Image
from sqlalchemy import func, select

from takedown.config import Settings
from takedown.demo.images import edited, jpeg, pattern
from takedown.demo.site import DemoWeb
from takedown.matching.hashing import hash_reference
from takedown.pipeline import services
from takedown.pipeline.roles import Workers
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Case, Detection, Media, Page, Reference, Source

EDITS = ["resize", "crop", "watermark", "flip", "none"]


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _runtime(home: Path, web: DemoWeb, interval: int) -> Runtime:
    settings = Settings(
        home=home,
        fetch_allow=[web.origin],
        workers=2,
        poll_page_budget=1000,
        sweep_seconds=30,
        scheduler_tick_seconds=0.5,
    )
    rt = Runtime(settings)
    with rt.db.session() as s:
        case = Case(name="bench", keywords=["zorblat"])
        s.add(case)
        s.flush()
        for seed in range(3):
            h = hash_reference(jpeg(pattern(seed), 95), services.hash_limits(rt))
            s.add(
                Reference(
                    case_id=case.id,
                    kind="image",
                    origin="upload",
                    sha256=h.sha256,
                    hashes=h.to_dict(),
                )
            )
        s.add(
            Source(
                url=f"{web.origin}/board",
                kind="page",
                interval_seconds=interval,
                max_depth=1,
                state="idle",
            )
        )
    return rt


class NaivePoller:
    """The baseline: one thread, plain httpx, plain pdqhash, brute-force Hamming comparison."""

    def __init__(self, web: DemoWeb, interval: float) -> None:
        self.web, self.interval = web, interval
        refs = [np.asarray(pattern(seed).convert("RGB")) for seed in range(3)]
        self.refs = [pdqhash.compute(r)[0].astype(bool) for r in refs]
        self.seen: set[str] = set()
        self.found: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=20) as client:
            while not self.stop.is_set():
                started = time.monotonic()
                listing = client.get(f"{self.web.origin}/board").text
                for path in re.findall(r'href="(/post/\d+)"', listing):
                    if path in self.seen:
                        continue
                    self.seen.add(path)
                    page = client.get(self.web.origin + path).text
                    for src in re.findall(r'<img src="([^"]+)"', page):
                        data = client.get(self.web.origin + src).content
                        img = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
                        vec = pdqhash.compute(img)[0].astype(bool)
                        if min(int((vec != r).sum()) for r in self.refs) <= 31:
                            self.found.setdefault(path, time.time())
                self.stop.wait(max(0.0, self.interval - (time.monotonic() - started)))


def latency(posts: int, interval: int) -> dict[str, object]:
    web = DemoWeb().start()
    with tempfile.TemporaryDirectory() as tmp:
        rt = _runtime(Path(tmp) / "home", web, interval)
        workers = Workers(rt)
        workers.start()
        naive = NaivePoller(web, interval)
        threading.Thread(target=naive.run, daemon=True).start()
        published: dict[str, float] = {}
        rng = random.Random(7)
        for i in range(posts):
            time.sleep(rng.uniform(0.5, 2.0 * interval / 2))
            img = edited(pattern(i % 3), EDITS[i % len(EDITS)])
            src = web.add_file(f"p{i}.jpg", jpeg(img, 75), "image/jpeg")
            post = web.publish(f"post {i}", "text", [src])
            published[f"/post/{post.id}"] = post.published.timestamp()
        deadline = time.monotonic() + 6 * interval + 30
        ours: dict[str, float] = {}
        while time.monotonic() < deadline:
            with rt.db.session() as s:
                rows = s.execute(
                    select(Detection.page_url, Detection.first_seen_at).where(
                        Detection.kind == "image"
                    )
                ).all()
            ours = {re.sub(r"^https?://[^/]+", "", u): t.timestamp() for u, t in rows}
            if len(ours) >= posts and len(naive.found) >= posts:
                break
            time.sleep(0.5)
        naive.stop.set()
        workers.stop()
        rt.close()
    web.stop()
    lat = [ours[p] - t for p, t in published.items() if p in ours]
    base = [naive.found[p] - t for p, t in published.items() if p in naive.found]
    return {
        "posts": posts,
        "found": len(lat),
        "p50": _pct(lat, 50),
        "p95": _pct(lat, 95),
        "base_found": len(base),
        "base_p50": _pct(base, 50),
        "base_p95": _pct(base, 95),
    }


def throughput(posts: int) -> dict[str, object]:
    web = DemoWeb().start()
    for i in range(posts):
        img = edited(pattern(1000 + i), "none")  # distinct, unrelated pictures
        web.publish(f"post {i}", "text", [web.add_file(f"t{i}.jpg", jpeg(img, 80), "image/jpeg")])
    with tempfile.TemporaryDirectory() as tmp:
        rt = _runtime(Path(tmp) / "home", web, 3600)
        workers = Workers(rt)
        start = time.monotonic()
        workers.start()
        while True:
            with rt.db.session() as s:
                pages = s.execute(select(func.count()).select_from(Page)).scalar_one()
                done = s.execute(
                    select(func.count())
                    .select_from(Media)
                    .where(Media.state.in_(["done", "failed"]))
                ).scalar_one()
            if done >= posts or time.monotonic() - start > 600:
                break
            time.sleep(0.2)
        ours = time.monotonic() - start
        workers.stop()
        rt.close()
    naive = NaivePoller(web, 3600)
    start = time.monotonic()
    naive.stop.set()  # one pass only
    naive.stop.clear()
    t = threading.Thread(target=naive.run, daemon=True)
    t.start()
    while len(naive.seen) < posts and time.monotonic() - start < 600:
        time.sleep(0.05)
    naive.stop.set()
    t.join(60)
    base = time.monotonic() - start
    web.stop()
    return {
        "posts": posts,
        "pages": pages,
        "media": done,
        "seconds": ours,
        "pages_s": (posts + 1) / ours,
        "media_s": posts / ours,
        "base_s": base,
        "base_pages_s": (posts + 1) / base,
    }


def _missed(thr: dict[str, object]) -> str:
    pages_s = float(thr["pages_s"])  # type: ignore[arg-type]
    if pages_s >= 50:
        return ""
    return (
        f"\nThe 50 pages/s target is missed ({pages_s:.1f}). Per page the pipeline does five database"
        " transactions and full text extraction (trafilatura), and `hash_media` looks for borders to trim"
        " (hashing again when it finds one) on these 2 cores; the library alone fetches and extracts about 140 pages/s"
        " (Monitoring section). Next steps: batch the page and media rows of one poll into one"
        " transaction, and run more worker threads for the I/O-bound stages.\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    lat = latency(posts=8 if args.quick else 24, interval=5)
    thr = throughput(posts=100 if args.quick else 400)
    cmd = "python bench/bench_pipeline.py" + (" --quick" if args.quick else "")
    text = f"""## Pipeline end to end (the whole service)

Made by `{cmd} --out {args.out}` on {datetime.now(UTC):%Y-%m-%d}: `serve`'s workers (2 threads),
scheduler and SQLite against the demonstration web on 127.0.0.1. Baseline, same run: a naive
single-threaded poller (httpx, regex links, plain pdqhash, brute-force comparison).

| figure | takedown | naive poller (baseline) | target |
|---|---|---|---|
| publish → detection p50, interval 5 s | {lat["p50"]:.1f} s | {lat["base_p50"]:.1f} s | ≤ 10 s |
| publish → detection p95, interval 5 s | {lat["p95"]:.1f} s | {lat["base_p95"]:.1f} s | |
| posts detected | {lat["found"]}/{lat["posts"]} | {lat["base_found"]}/{lat["posts"]} | all |
| pages/s, hashing on (1 image per page) | {thr["pages_s"]:.1f} | {thr["base_pages_s"]:.1f} | ≥ 50 |
| media/s fetched, hashed, matched | {thr["media_s"]:.1f} | {thr["posts"] / thr["base_s"]:.1f} | |

takedown's figure includes everything the baseline skips: the SSRF guard on every request, the
queue, the database rows (page, media, detection, audit), text extraction with language and
keywords, trimmed and dihedral-aware matching, and, for latency, evidence capture in Chromium
running on the same two cores.
{_missed(thr)}"""
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, "utf-8")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
