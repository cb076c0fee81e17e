"""The figures the database computes (GET /stats, `takedown report`, the dashboard) equal their
definitions applied in Python to the raw times, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from takedown import stats
from takedown.pipeline.runtime import Runtime
from takedown.review.dashboard import DRAFT_BUCKETS, compute_dashboard
from takedown.store.tables import Case, Contact, Detection, Notice, Page, notice_detections

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# (site, [(detection first seen, removed, published) ...], drafted, sent), times in hours
# before NOW; odd minutes and microseconds so that a rounding or truncation would show.
SEED: list[tuple[str, list[tuple[float, float | None, float | None]], float, float | None]] = [
    ("alpha.test", [(100.0, 10.5, 120.0), (90.25, None, None)], 80.0, 79.5),
    ("alpha.test", [(60.0, 30.0, None)], 59.9, 59.0),
    ("alpha.test", [(50.0, None, 52.0)], 20.0, 19.0),
    ("beta.test", [(200.0, 150.0, None), (199.0, 198.0, None)], 170.0, 160.0),
    ("beta.test", [(40.0, 45.0, None)], 39.0, 38.0),  # removed "before" the request: 0 s
    ("gamma.test", [(30.0, None, None)], 29.0, None),  # a draft, never sent
]


def _at(hours: float) -> datetime:
    return NOW - timedelta(hours=hours, microseconds=123_457)


def _seed(rt: Runtime) -> dict[str, list[float]]:
    """Store SEED; return each delay list as the definitions compute it, in Python."""
    draft: dict[str, list[float]] = {}
    request: dict[str, list[float]] = {}
    removal: dict[str, list[float]] = {}
    requested: dict[str, list[float | None]] = {}
    detect: list[float] = []
    with rt.db.session() as s:
        case = Case(name="Case zorblat")
        s.add(case)
        s.flush()
        s.add(Contact(domain="alpha.test", address="NOC@Host.Example", source="rdap-network"))
        s.add(Contact(domain="beta.test", address="abuse@host.example", source="rdap-network"))
        for i, (site, dets, drafted, sent) in enumerate(SEED):
            sent_at = _at(sent) if sent is not None else None
            n = Notice(
                case_id=case.id,
                site=site,
                status="sent" if sent_at else "draft",
                to=[f"abuse@{site}"],
                created_at=_at(drafted + 0.5),
                drafted_at=_at(drafted),
                sent_at=sent_at,
            )
            s.add(n)
            s.flush()
            seen_times = []
            for j, (seen, removed, published) in enumerate(dets):
                page = Page(url_hash=f"h{i}-{j}", url=f"https://{site}/p/{i}/{j}")
                s.add(page)
                s.flush()
                d = Detection(
                    case_id=case.id,
                    page_id=page.id,
                    page_url=page.url,
                    site=site,
                    kind="text",
                    algorithm="keyword",
                    first_seen_at=_at(seen),
                    published_at=_at(published) if published is not None else None,
                    removed_at=_at(removed) if removed is not None else None,
                    status="removed" if removed is not None else "active",
                )
                s.add(d)
                s.flush()
                s.execute(notice_detections.insert().values(notice_id=n.id, detection_id=d.id))
                seen_times.append(d.first_seen_at)
                if published is not None:
                    detect.append((d.first_seen_at - d.published_at).total_seconds())  # type: ignore[operator]
                if sent_at is not None:
                    after = None
                    if d.removed_at is not None:
                        after = max(0.0, (d.removed_at - sent_at).total_seconds())
                        removal.setdefault(site, []).append(after)
                    requested.setdefault(site, []).append(after)
            first_seen = min(seen_times)
            draft.setdefault(site, []).append((n.drafted_at - first_seen).total_seconds())  # type: ignore[operator]
            if sent_at is not None:
                request.setdefault(site, []).append((sent_at - first_seen).total_seconds())
    return {
        **{f"draft:{k}": v for k, v in draft.items()},
        **{f"request:{k}": v for k, v in request.items()},
        **{f"removal:{k}": v for k, v in removal.items()},
        "detect": detect,
        **{f"requested:{k}": v for k, v in requested.items()},  # type: ignore[dict-item]
    }


def _flat(raw: dict[str, list[float]], prefix: str) -> list[float]:
    return [v for k, vs in raw.items() if k.startswith(prefix) for v in vs]


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def test_stats_and_dashboard_figures_equal_their_definitions(runtime: Runtime) -> None:
    raw = _seed(runtime)
    with runtime.db.session() as s:
        got = stats.compute(s)
        board = compute_dashboard(s, now=NOW, days=30)
    assert got["detections"] == 8 and got["removed"] == 5 and got["notices_sent"] == 5
    for figure in ("draft", "request", "removal"):
        assert got[f"median_seconds_to_{figure}"] == pytest.approx(
            _median(_flat(raw, f"{figure}:")), abs=1e-3
        ), figure
        for site in ("alpha.test", "beta.test"):
            assert got["per_site"][site][f"median_seconds_to_{figure}"] == pytest.approx(
                _median(raw.get(f"{figure}:{site}", [])), abs=1e-3
            ), (figure, site)
    assert got["median_seconds_to_detect"] == pytest.approx(_median(raw["detect"]), abs=1e-3)
    assert got["per_site"]["gamma.test"]["median_seconds_to_request"] is None
    assert got["per_site"]["alpha.test"]["removed"] == len(raw["removal:alpha.test"])

    ttr = got["time_to_removal"]
    for site in ("alpha.test", "beta.test"):
        want = stats.distribution(raw[f"requested:{site}"])  # type: ignore[arg-type]
        have = ttr["per_site"][site]
        assert have == pytest.approx(want, abs=1e-3), site
    # Both sites' abuse addresses name one network, whatever their case.
    both = raw["requested:alpha.test"] + raw["requested:beta.test"]  # type: ignore[operator]
    assert ttr["per_network"] == {"host.example": pytest.approx(stats.distribution(both))}
    assert ttr["never_answered"] == []  # each site removed something

    drafts_in_period = [
        v for k, vs in raw.items() if k.startswith("draft:") for v in vs
    ]  # every notice was created within the 30 days
    counts = [
        sum(1 for v in drafts_in_period if lo <= v < hi)
        for lo, hi in zip(
            [0.0, *(u for _, u in DRAFT_BUCKETS[:-1])], [u for _, u in DRAFT_BUCKETS], strict=True
        )
    ]
    assert [b.value for b in board.time_to_draft] == counts
    assert board.median_seconds_to_draft == pytest.approx(
        statistics.median(drafts_in_period), abs=1e-3
    )
    assert sum(b.value for b in board.detections_per_day) == board.totals["detections"] == 8
    per_day: dict[str, int] = {}
    for _site, dets, _d, _s in SEED:
        for seen, _r, _p in dets:
            day = f"{_at(seen):%m-%d}"
            per_day[day] = per_day.get(day, 0) + 1
    assert {b.label: b.value for b in board.detections_per_day if b.value} == per_day
    assert board.totals["open"] == 5  # the sent ones (as of NOW)
    assert sum(b.value for b in board.open_by_age) == 5
