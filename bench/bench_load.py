"""The whole service under a realistic load: lanes against the single-queue design, same run.

Eight local sites in seven languages (one built by JavaScript, polled in the browser), each
polled every 5 s; two waves of posts: on every site some posts carry an edited copy of a case's
reference picture, and over a hundred posts per wave carry only a case keyword (each is a text
detection whose page is captured too, after the matches). The bench acts as the officer: it
approves every draft as soon as it appears; later it removes the first wave's posts. Figures:

* publish → drafted request (the first draft that lists the post's image detection), p50/p95;
* the share of polls started later than twice their interval (gaps between listing requests);
* removal → detection marked removed (target ≤ 2 × ``recheck_seconds``).

The baseline is the design before lanes, run in the same process with the same settings:
every stage on one FIFO queue with two worker threads (``pipeline_single_queue``).

    .venv/bin/python bench/bench_load.py --out bench/results/load.md [--quick]
"""

from __future__ import annotations

import argparse
import html
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import select

from takedown.accounts.roles import Principal
from takedown.config import Settings
from takedown.demo.images import edited, jpeg, pattern
from takedown.matching.hashing import hash_reference
from takedown.pipeline.roles import Workers
from takedown.pipeline.runtime import Runtime
from takedown.review.notices import approve
from takedown.store.tables import (
    AuditEvent,
    Case,
    Detection,
    Evidence,
    Notice,
    Reference,
    Source,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.identity import CENTER_IDENTITY

LANGS = ["ko", "en", "ja", "zh", "ru", "vi", "es", "en"]
WORDS = {
    "ko": "오늘 게시판 소식",
    "en": "news from the board today",
    "ja": "今日の掲示板のお知らせ",
    "zh": "今天的论坛消息",
    "ru": "новости форума сегодня",
    "vi": "tin tức diễn đàn hôm nay",
    "es": "noticias del foro de hoy",
}
KEYWORD = "zorblat"
EDITS = ["resize", "crop", "watermark", "flip", "none"]
OFFICER = Principal(kind="system", id=0, name="bench-officer", role="officer")


@dataclass
class Post:
    n: int
    text: str
    image: bytes | None
    published: float
    removed: float | None = None


@dataclass
class Site:
    lang: str
    js: bool
    posts: list[Post] = field(default_factory=list)
    listings: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def publish(self, text: str, image: bytes | None) -> Post:
        with self.lock:
            post = Post(len(self.posts), text, image, time.time())
            self.posts.append(post)
            return post

    def page(self, path: str) -> tuple[int, str, bytes]:
        with self.lock:
            live = [p for p in self.posts if p.removed is None]
            if path == "/":
                self.listings.append(time.time())
                links = "".join(f'<li><a href="/p/{p.n}">post {p.n}</a></li>' for p in live[-60:])
                if self.js:  # the links exist only after the script runs
                    items = repr(links)
                    body = f"<ul id=l></ul><script>document.getElementById('l').innerHTML={items}</script>"
                else:
                    body = f"<ul>{links}</ul>"
                return 200, "text/html; charset=utf-8", _doc(self.lang, "board", body)
            if path == "/contact":
                body = '<a href="mailto:abuse@site.test">report abuse</a>'
                return 200, "text/html; charset=utf-8", _doc(self.lang, "contact", body)
            if path.startswith(("/p/", "/m/")):
                n = int(path[3:].split(".")[0])
                post = next((p for p in live if p.n == n), None)
                if post is None:
                    return 404, "text/plain", b"gone"
                if path.startswith("/m/"):
                    return (200, "image/jpeg", post.image) if post.image else (404, "", b"")
                img = f'<img src="/m/{n}.jpg">' if post.image else ""
                text = html.escape(post.text)
                return (
                    200,
                    "text/html; charset=utf-8",
                    _doc(self.lang, f"post {n}", f"<p>{text}</p>{img}"),
                )
        return 404, "text/plain", b"not found"


def _doc(lang: str, title: str, body: str) -> bytes:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body>{body}</body></html>"
    ).encode()


def _serve(site: Site) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, ctype, data = site.page(self.path.split("?")[0])
            self.send_response(status)
            self.send_header("Content-Type", ctype or "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            return None

    site.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.server.daemon_threads = True
    threading.Thread(target=site.server.serve_forever, daemon=True).start()


class Sink:
    """An SMTP server that accepts everything (aiosmtpd, as the tests use)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        class Accept:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                return "250 OK"

        with socket.socket() as probe:  # aiosmtpd needs a port number up front
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Accept(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def run(single: bool, quick: bool, smtp_port: int) -> dict[str, Any]:
    sites = [Site(lang, js=(i == len(LANGS) - 1)) for i, lang in enumerate(LANGS)]
    for site in sites:
        _serve(site)
    interval, recheck = 5, 10
    per_wave = 14 if quick else 16  # keyword-only posts per site per wave (8 sites: > 100)
    home = Path(tempfile.mkdtemp(prefix="td-load-"))
    settings = Settings(
        home=home,
        fetch_allow=[s.origin for s in sites],
        rdap_bootstrap_url=None,
        smtp_url=f"smtp://127.0.0.1:{smtp_port}",
        smtp_from="center@center.test",
        recheck_seconds=recheck,
        renotice_seconds=86400,
        scheduler_tick_seconds=0.5,
        sweep_seconds=30,
        poll_page_budget=200,
        pipeline_single_queue=single,
        single_queue_workers=2,
        **CENTER_IDENTITY,
    )
    rt = Runtime(settings)
    refs = [pattern(900 + i) for i in range(4)]
    with rt.db.session() as s:
        case = Case(name="load-bench", keywords=[KEYWORD])
        s.add(case)
        s.flush()
        for img in refs:
            h = hash_reference(jpeg(img, 95), rt.services.hash_limits)
            s.add(
                Reference(
                    case_id=case.id,
                    kind="image",
                    origin="upload",
                    sha256=h.sha256,
                    hashes=h.to_dict(),
                )
            )
        for site in sites:
            s.add(
                Source(
                    url=site.origin + "/",
                    kind="page",
                    interval_seconds=interval,
                    render="browser" if site.js else "http",
                    max_depth=1,
                    state="idle",
                )
            )
    workers = Workers(rt)
    workers.start()
    positives: dict[str, Post] = {}  # page url -> post
    wave1: list[tuple[Site, Post]] = []
    t0 = time.time()
    window = 150.0 if quick else 200.0
    seed = 0

    def wave(k: int) -> None:
        nonlocal seed
        for si, site in enumerate(sites):
            for j in range(per_wave):
                site.publish(f"{WORDS.get(site.lang, WORDS['en'])} {KEYWORD} {k}-{j}", None)
            ref = refs[(si + k) % len(refs)]
            img = jpeg(edited(ref, EDITS[(si + k) % len(EDITS)]), 75)
            post = site.publish(f"{WORDS.get(site.lang, WORDS['en'])} {k}", img)
            positives[f"{site.origin}/p/{post.n}"] = post
            if k == 1:
                wave1.append((site, post))
            seed += 1

    approved: set[int] = set()
    removed_at: dict[str, float] = {}
    try:
        time.sleep(3)
        wave(1)
        second, removal = 45.0, 75.0
        did_second = did_removal = False
        while time.time() - t0 < window:
            now = time.time() - t0
            if not did_second and now >= second:
                wave(2)
                did_second = True
            if not did_removal and now >= removal:
                for site, post in wave1:
                    with site.lock:
                        post.removed = time.time()
                    removed_at[f"{site.origin}/p/{post.n}"] = post.removed or 0.0
                did_removal = True
            with rt.db.session() as s:
                drafts = list(
                    s.execute(
                        select(Notice.id).where(
                            Notice.status == "draft",
                            Notice.drafted_at.is_not(None),
                            Notice.draft_state == "idle",
                        )
                    ).scalars()
                )
            for nid in drafts:
                if nid not in approved:
                    try:
                        approve(rt, nid, OFFICER)
                        approved.add(nid)
                    except Exception as exc:  # a draft being re-composed: next round
                        print(f"approve {nid} later: {exc}", file=sys.stderr)
            time.sleep(0.5)
    finally:
        workers.stop()
    # publish -> first draft listing the post's image detection
    with rt.db.session() as s:
        dets = {
            d.id: d for d in s.execute(select(Detection).where(Detection.kind == "image")).scalars()
        }
        drafted: dict[int, float] = {}
        for ev in s.execute(
            select(AuditEvent).where(AuditEvent.action == "notice.draft")
        ).scalars():
            for det_id in ev.data.get("detections", []):
                if det_id in dets and det_id not in drafted:
                    drafted[det_id] = ev.at.timestamp()
        captured = {
            e.id: e.captured_at.timestamp()
            for e in s.execute(select(Evidence).where(Evidence.captured_at.is_not(None))).scalars()
        }
        stored: dict[int, float] = {}
        for ev in s.execute(
            select(AuditEvent).where(AuditEvent.action == "evidence.captured")
        ).scalars():
            if ev.object_id is not None:
                stored.setdefault(int(ev.object_id), ev.at.timestamp())
    lat: list[float] = []
    # Where the time goes (first detection of each post): publish -> detected -> the page's
    # capture begins -> its capture is stored -> the draft lists it.
    phases: dict[str, list[float]] = {"detect": [], "capture": [], "stored": [], "draft": []}
    found_pages = {d.page_url for d in dets.values()}
    for url, post in positives.items():
        times = [drafted[d.id] for d in dets.values() if d.page_url == url and d.id in drafted]
        lat.append(min(times) - post.published if times else float("inf"))
        mine = sorted(
            (d for d in dets.values() if d.page_url == url), key=lambda d: d.first_seen_at
        )
        if mine:
            d = mine[0]
            seen = d.first_seen_at.timestamp()
            phases["detect"].append(seen - post.published)
            cap = captured.get(d.evidence_id) if d.evidence_id else None
            done = stored.get(d.evidence_id) if d.evidence_id else None
            if cap is not None and done is not None:
                phases["capture"].append(cap - seen)
                phases["stored"].append(done - cap)
                if d.id in drafted:
                    phases["draft"].append(drafted[d.id] - done)
    removal_lat = []
    for url, at in removed_at.items():
        rem = [
            d.removed_at.timestamp() for d in dets.values() if d.page_url == url and d.removed_at
        ]
        removal_lat.append(min(rem) - at if rem else float("inf"))
    gaps = [b - a for site in sites for a, b in zip(site.listings, site.listings[1:], strict=False)]
    late = sum(1 for g in gaps if g > 2 * interval)
    polls = sum(len(site.listings) for site in sites)
    rt.close()
    for site in sites:
        assert site.server is not None
        site.server.shutdown()
    return {
        "positives": len(positives),
        "found": len(found_pages & set(positives)),
        "drafted": sum(1 for v in lat if v != float("inf")),
        "p50": _q(lat, 50),
        "p95": _q(lat, 95),
        "late_share": late / len(gaps) if gaps else 1.0,
        "polls": polls,
        "expected_polls": int(len(sites) * window / interval),
        "removal_marked": sum(1 for v in removal_lat if v != float("inf")),
        "removal_n": len(removal_lat),
        "removal_p50": _q(removal_lat, 50),
        "removal_max": max(removal_lat) if removal_lat else float("inf"),
        "distractors": per_wave * len(sites),
        "window": window,
        "recheck": recheck,
        "phases": {k: _q(v, 50) for k, v in phases.items()},
    }


def _q(values: list[float], q: int) -> float:
    if not values:
        return float("inf")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k] if q != 50 else statistics.median(ordered)


def _fmt(v: float) -> str:
    return "not within the window" if v == float("inf") else f"{v:.1f} s"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sink = Sink()
    try:
        lanes = run(False, args.quick, sink.port)
        single = run(True, args.quick, sink.port)
    finally:
        sink.stop()
    rows = [
        ("publish → draft p50 (target ≤ 15 s)", _fmt(lanes["p50"]), _fmt(single["p50"])),
        ("publish → draft p95 (target ≤ 45 s)", _fmt(lanes["p95"]), _fmt(single["p95"])),
        (
            "positive posts drafted / published",
            f"{lanes['drafted']}/{lanes['positives']}",
            f"{single['drafted']}/{single['positives']}",
        ),
        *(
            (f"  of which {label}, p50", _fmt(lanes["phases"][k]), _fmt(single["phases"][k]))
            for k, label in (
                ("detect", "publish → detected"),
                ("capture", "detected → capture begins"),
                ("stored", "capture begins → capture stored"),
                ("draft", "capture stored → drafted"),
            )
        ),
        (
            "polls started later than 2 × interval (target 0)",
            f"{lanes['late_share']:.1%}",
            f"{single['late_share']:.1%}",
        ),
        (
            "listing polls made / ideal",
            f"{lanes['polls']}/{lanes['expected_polls']}",
            f"{single['polls']}/{single['expected_polls']}",
        ),
        (
            f"removal → marked removed, p50 (target ≤ {2 * lanes['recheck']} s)",
            _fmt(lanes["removal_p50"]),
            _fmt(single["removal_p50"]),
        ),
        (
            "removal → marked removed, worst",
            _fmt(lanes["removal_max"]),
            _fmt(single["removal_max"]),
        ),
        (
            "removed posts noticed",
            f"{lanes['removal_marked']}/{lanes['removal_n']}",
            f"{single['removal_marked']}/{single['removal_n']}",
        ),
    ]
    lines = [
        "## Pipeline under load: lanes against one queue",
        "",
        f"`python bench/bench_load.py --out {args.out}{' --quick' if args.quick else ''}`: 8 local "
        "sites (ko, en, ja, zh, ru, vi, es, and one English site built by JavaScript and polled "
        f"in the browser), 5 s interval, 2 waves, {lanes['distractors']} keyword-only posts per "
        f"wave plus one post per site with an edited copy of a reference; window "
        f"{lanes['window']:.0f} s; the bench approves every draft as it appears and removes the "
        "first wave's posts at 75 s. Baseline: the same code with every stage folded into one "
        "queue and two worker threads (the design before lanes), same run, same machine.",
        "",
        "| figure | lanes | one queue (baseline) |",
        "|---|---:|---:|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
