"""Time to removal per provider, in GET /stats: p50, p90 and the shares removed within 24 h, 7
days and never, per site, host network and CDN; the providers that never answered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.stats import distribution, percentile
from takedown.store.base import utcnow
from takedown.store.tables import (
    Case,
    Contact,
    Detection,
    MailMessage,
    Notice,
    Page,
    notice_detections,
)
from takedown.web.app import create_app
from tests.conftest import auth

HOUR = 3600.0


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    r = Runtime(Settings(home=tmp_path / "home"))
    yield r
    r.close()


def _sent(rt: Runtime, site: str, removed_after: list[float | None], sent: datetime) -> int:
    with rt.db.session() as s:
        case = Case(name="Case zorblat")
        s.add(case)
        s.flush()
        n = Notice(case_id=case.id, site=site, status="sent", sent_at=sent, to=[f"abuse@{site}"])
        s.add(n)
        s.flush()
        for i, after in enumerate(removed_after):
            url = f"https://{site}/p/{i}"
            page = Page(url_hash=f"{site}-{i}", url=url)
            s.add(page)
            s.flush()
            det = Detection(
                case_id=case.id,
                page_id=page.id,
                page_url=url,
                site=site,
                kind="text",
                algorithm="keyword",
                status="active" if after is None else "removed",
                removed_at=None if after is None else sent + timedelta(seconds=after),
            )
            s.add(det)
            s.flush()
            s.execute(notice_detections.insert().values(notice_id=n.id, detection_id=det.id))
        return n.id


def test_percentiles_and_shares_by_hand() -> None:
    assert percentile([], 50) is None and percentile([7.0], 90) == 7.0
    # Inclusive method: p90 of (1 h, 10 h, 72 h) sits 0.8 of the way from 10 h to 72 h.
    got = distribution([HOUR, 10 * HOUR, 72 * HOUR, None])
    assert got["p50_seconds"] == 10 * HOUR
    assert got["p90_seconds"] == pytest.approx(10 * HOUR + 0.8 * 62 * HOUR)
    assert (got["within_24h"], got["within_7d"], got["never"]) == (0.5, 0.75, 0.25)
    assert distribution([])["never"] is None


def test_stats_per_site_network_and_cdn_and_the_silent_ones(rt: Runtime) -> None:
    now = utcnow()
    week_ago = now - timedelta(days=8)
    _sent(rt, "fast.test", [HOUR, 10 * HOUR, 72 * HOUR, None], week_ago)
    _sent(rt, "slow.test", [9 * 24 * HOUR], now - timedelta(days=10))
    _sent(rt, "silent.test", [None, None], week_ago)
    answered = _sent(rt, "replied.test", [None], week_ago)
    with rt.db.session() as s:
        for domain in ("fast.test", "slow.test"):
            s.add(Contact(domain=domain, address="noc@hostco.test", source="rdap-network"))
        s.add(
            MailMessage(
                notice_id=answered,
                sha256="0" * 64,
                evidence_key="mail-x",
                sender="abuse@replied.test",
                verified=True,
                suggested="acknowledged",
            )
        )
        s.add(  # a forged reply does not count as an answer
            MailMessage(
                notice_id=_sent(rt, "forged.test", [None], week_ago),
                sha256="1" * 64,
                evidence_key="mail-y",
                sender="x@elsewhere.test",
                verified=False,
                suggested="removed",
            )
        )
        token = create_token(s, "viewer", "viewer-lee")[1]
    with TestClient(create_app(rt.settings, rt)) as c:
        stats = c.get("/api/v1/stats", headers=auth(token)).json()
    ttr = stats["time_to_removal"]
    fast = ttr["per_site"]["fast.test"]
    assert fast["requested"] == 4 and fast["removed"] == 3
    assert fast["p50_seconds"] == 10 * HOUR and fast["never"] == 0.25
    assert ttr["per_site"]["slow.test"]["within_7d"] == 0.0
    hostco = ttr["per_network"]["hostco.test"]
    assert hostco["requested"] == 5 and hostco["removed"] == 4
    assert hostco["within_24h"] == pytest.approx(2 / 5)
    assert ttr["per_network"]["unknown"]["requested"] == 4  # silent, replied, forged
    assert set(ttr["per_cdn"]) == {"none known"}
    silent = {p["site"]: p for p in ttr["never_answered"]}
    assert set(silent) == {"silent.test", "forged.test"}
    assert silent["silent.test"]["recipients"] == ["abuse@silent.test"]
