"""Officers at a center's volume: every list page and the dashboard on PostgreSQL holding 50,000
detections, 5,000 requests and 500 cases, server time p95, beside the unpaged queries of before.

The paged figures are the API's pages as an officer's browser or script asks for them (50 rows,
the first page and deep pages reached by following ``Link: rel="next"``, with the filters of the
review UI) and the UI's dashboard. The baseline is the same list read unpaged, as before paging:
every row of the table loaded and serialised (``limit`` at its maximum, 10,000 rows, and, for
detections, the whole table through the ORM); for the statistics and the dashboard it is the
figures computed as before they moved into the database (``officers_before.py``: every request
and detection they need loaded and summarised in Python). Server time is measured in the
process (the ASGI app called through Starlette's test client: no network, no browser).

    .venv/bin/python bench/bench_officers.py --out bench/results/officers.md [--quick]
        [--db postgresql+psycopg://...]  # reuse a database (seeded on first use) to iterate
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, insert, select, text

from takedown.accounts.tokens import create_token
from takedown.accounts.users import create_user
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Case, Detection, Notice, Page, Source
from takedown.store.tables.notices import notice_detections
from takedown.web.api.detections import DetectionOut
from takedown.web.app import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tests.support.services import PostgresCluster

from officers_before import compute_before, compute_dashboard_before
from officers_before import removal_by_provider as removal_by_provider_before

SITES = 200
STATUSES = ["draft", "approved", "sent", "resolved", "failed"]


def _seed(rt: Runtime, cases: int, detections: int, notices: int) -> dict[str, Any]:
    rnd = random.Random(7)
    now = datetime.now(UTC)
    with rt.db.session() as s:
        s.execute(
            insert(Case),
            [
                {"name": f"C-{i:04d}", "keywords": [f"zorb{i}"], "officer": f"officer-{i % 15}"}
                for i in range(cases)
            ],
        )
        case_ids = list(s.execute(select(Case.id)).scalars())
        s.execute(
            insert(Source),
            [
                {
                    "url": f"https://site{i}.example/list",
                    "kind": "page",
                    "interval_seconds": 300,
                    "state": "idle",
                    "poll_state": {},
                }
                for i in range(SITES)
            ],
        )
        pages = detections // 5
        s.execute(
            insert(Page),
            [
                {
                    "url_hash": uuid.uuid4().hex + uuid.uuid4().hex,
                    "url": f"https://site{i % SITES}.example/p/{i}",
                    "site": f"site{i % SITES}.example",
                }
                for i in range(pages)
            ],
        )
        page_rows = list(s.execute(select(Page.id, Page.url, Page.site)).all())
        rows = []
        for i in range(detections):
            pid, url, site = page_rows[i % len(page_rows)]
            seen = now - timedelta(minutes=rnd.randrange(0, 60 * 24 * 60))
            status = rnd.choice(["active", "active", "removed"])
            removed = seen + timedelta(minutes=rnd.randrange(30, 60 * 24 * 14))
            rows.append(
                {
                    "case_id": rnd.choice(case_ids),
                    "page_id": pid,
                    "page_url": url,
                    "media_url": f"{url}/m/{i}.jpg",
                    "site": site,
                    "kind": "image" if i % 7 else "text",
                    "algorithm": "pdq" if i % 7 else "keyword",
                    "distance": float(rnd.randrange(0, 40)),
                    "review": rnd.choice(["none", "candidate", "none", "none"]),
                    "priority": rnd.random(),
                    "first_seen_at": seen,
                    "status": status,
                    "removed_at": min(removed, now) if status == "removed" else None,
                }
            )
        for start in range(0, len(rows), 5000):
            s.execute(insert(Detection), rows[start : start + 5000])
        det = list(s.execute(select(Detection.id, Detection.case_id, Detection.site)).all())
        notice_rows = []
        for i in range(notices):
            _, case_id, site = det[i * (len(det) // notices)]
            created = now - timedelta(minutes=rnd.randrange(0, 60 * 24 * 60))
            status = rnd.choice(STATUSES)
            notice_rows.append(
                {
                    "case_id": case_id,
                    "site": site,
                    "to": [f"abuse@{site}"],
                    "language": rnd.choice(["ko", "en", "ja", "zh", "ru", "vi", "es"]),
                    "subject": f"Request {i}",
                    "body": "benign benchmark text " * 40,
                    "status": status,
                    "priority": round(rnd.random(), 2),  # ties, as stored scores have
                    "created_at": created,
                    "drafted_at": created,
                    "sent_at": created + timedelta(minutes=5) if status != "draft" else None,
                    "resolved_at": created + timedelta(hours=20) if status == "resolved" else None,
                    "draft_state": "done",
                }
            )
        s.execute(insert(Notice), notice_rows)
        nids = list(s.execute(select(Notice.id).order_by(Notice.id)).scalars())
        step = len(det) // notices
        s.execute(
            insert(notice_detections),
            [{"notice_id": n, "detection_id": det[i * step][0]} for i, n in enumerate(nids)],
        )
    # A database in service is vacuumed and analysed; right after a bulk load it is neither, and
    # autovacuum would otherwise run during the first measurements.
    with rt.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return {"case": case_ids[len(case_ids) // 2], "site": "site17.example"}


def _time(call: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def _follow(c: TestClient, url: str, h: dict[str, str], hops: int) -> str:
    """The URL of the page ``hops`` pages after ``url`` (via the Link headers)."""
    for _ in range(hops):
        link = c.get(url, headers=h).headers.get("link", "")
        m = re.search(r"<([^>]+)>;\s*rel=\"next\"", link)
        if not m:
            break
        url = m.group(1)
    return url.removeprefix("http://testserver")


def _follow_ui(c: TestClient, url: str, hops: int) -> str:
    """The review UI's page ``hops`` pages after ``url`` (via its "next page" links)."""
    for _ in range(hops):
        m = re.search(r'href="([^"]*cursor=[^"]+)"', c.get(url).text)
        if not m:
            break
        url = m.group(1).replace("&amp;", "&")
    return url


def _in_session(rt: Runtime, work: Callable[[Any], Any]) -> Any:
    with rt.db.session() as s:
        return work(s)


def _before(
    c: TestClient,
    h: dict[str, str],
    label: str,
    unpaged: dict[str, str],
    before: dict[str, Callable[[], Any]],
    repeat: int,
) -> float | None:
    """The baseline of one row: the list unpaged, or the figures computed as before."""
    if label in unpaged:
        url = unpaged[label]
        return _p95(_time(lambda: c.get(url, headers=h), max(3, repeat // 5)))
    if label in before:
        return _p95(_time(before[label], max(3, repeat // 5)))
    return None


def _login(c: TestClient, name: str, password: str) -> None:
    page = c.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    data = {"username": name, "password": password}
    if token:
        data["csrf"] = token.group(1)
    r = c.post("/login", data=data, follow_redirects=False)
    if r.status_code not in (302, 303):
        raise RuntimeError(f"login failed: {r.status_code}")


def _database(url: str | None) -> tuple[str, Callable[[], None]]:
    """The database to measure (``url``, or a new one in a throwaway cluster) and its clean-up."""
    if url:
        return url, lambda: None
    cluster = PostgresCluster()
    base = cluster.start()
    name = "bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name, cluster.stop


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--db", help="a PostgreSQL URL to reuse (seeded when it holds no detection)")
    ap.add_argument("--repeat", type=int, default=0, help="requests per page (default 30)")
    args = ap.parse_args()
    cases, detections, notices = (100, 10_000, 1_000) if args.quick else (500, 50_000, 5_000)
    repeat = args.repeat or (10 if args.quick else 30)
    db_url, cleanup = _database(args.db)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(home=Path(tmp) / "home", database_url=db_url)
            rt = Runtime(settings)
            started = time.monotonic()
            with rt.db.session() as s:
                held = s.execute(select(func.count()).select_from(Detection)).scalar_one()
            if held:
                detections = int(held)
                with rt.db.session() as s:
                    notices = int(s.execute(select(func.count()).select_from(Notice)).scalar_one())
                    case_ids = list(s.execute(select(Case.id).order_by(Case.id)).scalars())
                cases = len(case_ids)
                picks = {"case": case_ids[len(case_ids) // 2], "site": "site17.example"}
            else:
                picks = _seed(rt, cases, detections, notices)
            seeded = time.monotonic() - started
            user = "bench-" + uuid.uuid4().hex[:8]
            with rt.db.session() as s:
                token = create_token(s, "officer", "bench")[1]
                create_user(s, user, "bench-pass-1234-xyz", "officer")
            h = {"Authorization": f"Bearer {token}"}
            rows: list[tuple[str, float, float, float | None]] = []
            with TestClient(create_app(settings, rt)) as c:
                api = "/api/v1"
                paged = {
                    "detections, first page": f"{api}/detections?limit=50",
                    "detections, page 20": _follow(c, f"{api}/detections?limit=50", h, 19),
                    "detections of one case": f"{api}/detections?limit=50&case_id={picks['case']}",
                    "detections of one site": f"{api}/detections?limit=50&site={picks['site']}",
                    "requests, first page": f"{api}/notices?limit=50",
                    "requests, page 20": _follow(c, f"{api}/notices?limit=50", h, 19),
                    "requests by status": f"{api}/notices?limit=50&status=sent",
                    "requests by status, page 10": _follow(
                        c, f"{api}/notices?limit=50&status=sent", h, 9
                    ),
                    "cases, first page": f"{api}/cases?limit=50",
                    "sources, first page": f"{api}/sources?limit=50",
                    "statistics (GET /stats)": f"{api}/stats",
                }
                unpaged = {
                    "detections, first page": f"{api}/detections?limit=10000",
                    "requests, first page": f"{api}/notices?limit=10000",
                    "cases, first page": f"{api}/cases?limit=10000",
                    "sources, first page": f"{api}/sources?limit=10000",
                }
                before: dict[str, Callable[[], Any]] = {
                    "statistics (GET /stats)": lambda: _in_session(rt, compute_before),
                    "review UI /dashboard": lambda: _in_session(
                        rt, lambda s: (compute_dashboard_before(s), removal_by_provider_before(s))
                    ),
                }
                for label, url in paged.items():
                    r = c.get(url, headers=h)
                    if r.status_code != 200:
                        raise RuntimeError(f"{url}: {r.status_code} {r.text[:200]}")
                    ms = _time(lambda url=url: c.get(url, headers=h), repeat)
                    rows.append(
                        (
                            label,
                            _p95(ms),
                            statistics.median(ms),
                            _before(c, h, label, unpaged, before, repeat),
                        )
                    )

                def everything() -> None:
                    with rt.db.session() as s:
                        [
                            DetectionOut.model_validate(d)
                            for d in s.execute(select(Detection)).scalars()
                        ]

                whole = _p95(_time(everything, 3))
                _login(c, user, "bench-pass-1234-xyz")
                pages = ["/dashboard", "/queue", "/notices", "/cases", "/candidates", "/sources"]
                deep = _follow_ui(c, "/notices?status=", 9)
                for page in [*pages, deep]:
                    r = c.get(page)
                    if r.status_code != 200:
                        raise RuntimeError(f"{page}: {r.status_code}")
                    ms = _time(lambda page=page: c.get(page), repeat)
                    label = f"review UI {page}" if page != deep else "review UI /notices, page 10"
                    was = _before(c, h, label, {}, before, repeat)
                    rows.append((label, _p95(ms), statistics.median(ms), was))
            rt.close()
    finally:
        cleanup()
    worst = max(r[1] for r in rows)
    load = os.getloadavg()[0]
    lines = [
        "## Officers at volume: list pages and the dashboard on PostgreSQL",
        "",
        f"`python bench/bench_officers.py --out {args.out}{' --quick' if args.quick else ''}`: "
        f"{detections:,} detections on {SITES} sites, {notices:,} requests, {cases} cases in a "
        f"{'a reused PostgreSQL database' if args.db else 'throwaway PostgreSQL 15'} (seeded in "
        f"{seeded:.0f} s); each page requested {repeat} times in the process (server time, no "
        f"network), load average {load:.1f} on {os.cpu_count()} cores when it ended. "
        "Target: every page ≤ 300 ms p95.",
        "",
        "| page | p95 now | p50 now | p95 before (lists: every row, limit 10,000; figures: "
        "computed in Python) |",
        "|---|---|---|---|",
    ]
    for label, p95, p50, base_ms in rows:
        was = f"{base_ms:.0f} ms" if base_ms is not None else "—"
        lines.append(f"| {label} | {p95:.0f} ms | {p50:.0f} ms | {was} |")
    lines += [
        "",
        f"Loading and serialising all {detections:,} detections through the ORM (what an unpaged "
        f"list did before the 200-row cap): {whole:.0f} ms p95.",
        f"Worst page: {worst:.0f} ms p95 ({'meets' if worst <= 300 else 'misses'} the 300 ms target).",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
