"""The scaled shape with lanes split over machines: PostgreSQL, Redis and `takedown worker`
processes, each with its own home folder, take a post from poll to a drafted request with triage
on; the browser worker is killed with -9 in the middle of its capture and nothing is lost.

Everything the workers hand each other (the triage spool, evidence files) goes through the shared
evidence store; nothing is read from another worker's home."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import AuditEvent, Detection, Evidence, Media, Notice
from takedown.web.app import create_app
from tests.conftest import auth
from tests.notices.conftest import Site
from tests.sites.media import sample_image
from tests.sites.server import Reply
from tests.support.images import jpeg
from tests.support.procs import kill9, start, terminate, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SLOW_CSS_SECONDS = 6.0


def _slow_css() -> Iterator[bytes]:
    time.sleep(SLOW_CSS_SECONDS)
    yield b"body { color: #111 }"


class SlowSite(Site):
    """The post's stylesheet takes SLOW_CSS_SECONDS, so the capture is long enough to kill."""

    def __call__(self, request):  # type: ignore[no-untyped-def]
        if request.path == "/slow.css":
            return Reply(200, content_type="text/css", chunks=_slow_css())
        return super().__call__(request)


@pytest.fixture
def site() -> Iterator[SlowSite]:
    s = SlowSite()
    s.server.start()
    yield s
    s.server.stop()


def _state(settings: Settings) -> dict[str, list[str]]:
    rt = Runtime(settings, migrate=False)
    try:
        with rt.db.session() as s:
            return {
                "evidence": list(s.execute(select(Evidence.state)).scalars()),
                "notices": list(s.execute(select(Notice.status)).scalars()),
                "detections": list(s.execute(select(Detection.status)).scalars()),
            }
    finally:
        rt.close()


def test_split_lanes_on_postgres_and_redis_survive_kill_9(
    tmp_path: Path, site: SlowSite, postgres_server: str, redis_server: str
) -> None:
    from tests.conftest import _fresh_pg_database

    original = sample_image(3, 1, size=480)
    site.html("/", '<html lang="en"><body><a href="/post/1">post</a></body></html>')
    site.html(
        "/post/1",
        '<html lang="en"><head><link rel="stylesheet" href="/slow.css"></head><body>'
        '<p>a post</p><img src="/m/1.jpg"><footer><a href="/report">report</a></footer>'
        "</body></html>",
    )
    site.html("/report", "<html><body><a href='mailto:abuse@site.test'>abuse</a></body></html>")
    site.data(
        "/m/1.jpg",
        jpeg(original.resize((400, 400 * original.height // original.width))),
        "image/jpeg",
    )
    site.json("/rdap.json", {"version": "1.0", "services": []})

    db_url, _ = _fresh_pg_database(postgres_server)
    shared = tmp_path / "shared-evidence"  # stands in for the shared store (NFS, S3)
    key_dir = tmp_path / "keys"  # the one signing key, outside every home
    key_dir.mkdir()
    common = {
        "TAKEDOWN_DATABASE_URL": db_url,
        "TAKEDOWN_QUEUE_URL": redis_server,
        "TAKEDOWN_EVIDENCE_URL": shared.as_uri(),
        "TAKEDOWN_VAULT_KEY": base64.b64encode(os.urandom(32)).decode(),
        "TAKEDOWN_SIGNING_KEY_FILE": str(key_dir / "signing.key"),
        "TAKEDOWN_FETCH_ALLOW": json.dumps([site.origin]),
        "TAKEDOWN_RDAP_BOOTSTRAP_URL": site.url("/rdap.json"),
        "TAKEDOWN_RDAP_IP_BOOTSTRAP_URLS": json.dumps([site.url("/rdap.json")]),
        "TAKEDOWN_LEASE_SECONDS": "15",
        "TAKEDOWN_SWEEP_SECONDS": "1",
        "TAKEDOWN_METRICS_BIND": "",
    }
    admin = Settings(
        home=tmp_path / "web",
        database_url=db_url,
        queue_url=redis_server,
        evidence_url=shared.as_uri(),
        vault_key=common["TAKEDOWN_VAULT_KEY"],
        signing_key_file=key_dir / "signing.key",
        fetch_allow=[site.origin],
    )
    rt = Runtime(admin)  # the web role: migrates once, takes the case, reference and source
    with rt.db.session() as s:
        h = auth(create_token(s, "officer", "officer-kim")[1])
    with TestClient(create_app(admin, rt)) as c:
        case = c.post("/api/v1/cases", json={"name": "c"}, headers=h).json()
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
    rt.close()

    log = tmp_path / "workers.log"

    def worker(name: str, lanes: str) -> object:
        env = {**common, "TAKEDOWN_HOME": str(tmp_path / name)}
        return start(["worker", "--lanes", lanes], env, log)

    front = worker("machine-a", "poll,hash,notice")
    browser = worker("machine-b", "browser")
    spare = None
    try:
        wait_for(lambda: "/slow.css" in site.paths(), 120, "the capture to load the page")
        assert _state(admin)["evidence"] == ["capturing"]
        kill9(browser)  # type: ignore[arg-type]  # mid-capture: the stylesheet is still loading
        spare = worker("machine-c", "browser")
        wait_for(lambda: "draft" in _state(admin)["notices"], 180, "the drafted request")
    finally:
        for proc in (front, spare):
            if proc is not None:
                assert terminate(proc) == 0, log.read_text()  # type: ignore[arg-type]

    state = _state(admin)
    assert state["evidence"] == ["captured"], (state, log.read_text()[-3000:])
    assert state["notices"] == ["draft"]
    rt = Runtime(admin, migrate=False)
    try:
        with rt.db.session() as s:
            media = s.execute(select(Media).where(Media.url == site.url("/m/1.jpg"))).scalar_one()
            det = s.execute(select(Detection)).scalar_one()
            notice = s.execute(select(Notice)).scalar_one()
            assert det.media_id == media.id and det.algorithm != "keyword"
            assert media.triage, "triage (on by default) stored no result for the media"
            assert notice.to == ["abuse@site.test"]
            # If the killed capture had written files, they stay and the retry used a new folder.
            abandoned = s.execute(
                select(AuditEvent).where(AuditEvent.action == "evidence.attempt_abandoned")
            ).scalars()
            final_key = s.execute(select(Evidence.key)).scalar_one()
            for event in abandoned:
                assert event.data["new_key"] == final_key
                assert (shared / event.data["abandoned_key"]).is_dir()
    finally:
        rt.close()
    # Each worker's home holds its own logs and keys, never another's hand-over.
    for name in ("machine-a", "machine-b", "machine-c"):
        home = tmp_path / name
        assert not any(p.name.startswith("spool") for p in home.rglob("*")), name
    assert any(shared.rglob("*")), "nothing went through the shared evidence store"
