"""Alerts from the pipeline itself: a poll that finds a case's picture alerts the case's officer
once (a count, no name, no image); a source failing for an hour alerts once per episode."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.pipeline.scheduler import run_job
from takedown.store.base import utcnow
from takedown.store.tables import Source
from takedown.web.app import create_app
from tests.alerts.test_dispatch import VICTIM, webhook  # noqa: F401  (fixture)
from tests.conftest import auth
from tests.notices.conftest import Site
from tests.sites.media import sample_image
from tests.support.drain import poll_now
from tests.support.images import jpeg


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    s.server.start()
    yield s
    s.server.stop()


def _dispatch(rt: Runtime) -> int:
    running = run_job(rt, "dispatch_alerts")
    assert running is not None
    return int(running.result(30))  # type: ignore[attr-defined]


def test_pipeline_events_become_alerts(
    tmp_path: Path,
    site: Site,
    webhook: tuple[int, list[bytes]],  # noqa: F811
) -> None:
    port, bodies = webhook
    original = sample_image(5, 2, size=400)
    site.html("/", '<html><body><a href="/p/1">a</a></body></html>')
    site.html("/p/1", '<html><body><p>x</p><img src="/a.jpg"><img src="/b.jpg"></body></html>')
    site.data(
        "/a.jpg",
        jpeg(original.resize((300, 300 * original.height // original.width))),
        "image/jpeg",
    )
    site.data("/b.jpg", jpeg(original.rotate(180)), "image/jpeg")
    settings = Settings(
        home=tmp_path / "home",
        fetch_allow=[site.origin],
        alert_targets=[
            {"url": f"json://127.0.0.1:{port}/kim", "officer": "kim"},
            {"url": f"json://127.0.0.1:{port}/it", "events": ["source_failing"]},
        ],
    )
    rt = Runtime(settings)
    try:
        assert _dispatch(rt) == 0  # the first run starts the cursor at today's end of the log
        with rt.db.session() as s:
            h = auth(create_token(s, "officer", "t")[1])
        with TestClient(create_app(settings, rt)) as c:
            case = c.post(
                "/api/v1/cases", json={"name": VICTIM, "officer": "kim"}, headers=h
            ).json()
            r = c.post(
                f"/api/v1/cases/{case['id']}/references",
                files={"file": ("r.jpg", jpeg(original, 92), "image/jpeg")},
                headers=h,
            )
            assert r.status_code == 201, r.text
            r = c.post(
                "/api/v1/sources",
                json={"url": site.url("/"), "kind": "page", "interval_seconds": 3600},
                headers=h,
            )
            assert r.status_code == 201, r.text
            source_id = r.json()["id"]
        poll_now(rt, skip=("capture",))
        assert _dispatch(rt) == 1
        assert len(bodies) == 1
        payload = json.loads(bodies[0])
        assert payload["title"].startswith("takedown: New detections (")
        assert f"/cases/{case['id']}" in payload["message"]
        assert VICTIM.encode() not in bodies[0] and b"image/" not in bodies[0]
        assert _dispatch(rt) == 0, "the same detections alerted twice"

        with rt.db.session() as s:
            s.execute(
                update(Source)
                .where(Source.id == source_id)
                .values(last_error="HTTP 503", failing_since=utcnow() - timedelta(hours=2))
            )
        assert _dispatch(rt) == 1
        assert json.loads(bodies[1])["title"].startswith("takedown: Source failing for an hour")
        assert _dispatch(rt) == 0, "one alert per failing episode"
    finally:
        rt.close()
