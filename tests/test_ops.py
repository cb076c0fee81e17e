"""Operations: file modes of the data directory, heartbeats and the readiness checks."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update

from takedown.config import Settings
from takedown.ops import beat, check_lanes, harden_permissions
from takedown.pipeline.runtime import Runtime
from takedown.store.base import utcnow
from takedown.store.tables import Heartbeat
from takedown.web.app import create_app


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_files_are_0600_and_directories_0700(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a typical login shell
    try:
        settings = Settings(home=tmp_path / "home")
        rt = Runtime(settings)  # creates the database and the queue world-readable
        evidence = settings.evidence_dir / "ab" / "cd"
        evidence.mkdir(parents=True)
        (evidence / "page.txt").write_text("captured", "utf-8")
        assert _mode(settings.home / "takedown.db") == 0o644
        try:
            create_app(settings, rt)  # hardens at start
            assert _mode(settings.home) == 0o700
            queues = sorted(settings.home.glob("queue-*.db"))
            assert queues, "the lanes' queue files exist"
            for path in [settings.home / "takedown.db", *queues]:
                assert _mode(path) == 0o600, path.name
            assert _mode(settings.evidence_dir) == 0o700
            assert _mode(evidence) == 0o700
            assert _mode(evidence / "page.txt") == 0o600
            # And whatever is created from now on.
            (evidence / "later.warc").write_bytes(b"x")
            (evidence / "sub").mkdir()
            assert _mode(evidence / "later.warc") == 0o600
            assert _mode(evidence / "sub") == 0o700
        finally:
            rt.close()
    finally:
        os.umask(old)


def test_harden_permissions_is_repeatable(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        settings = Settings(home=tmp_path / "h")
        harden_permissions(settings)
        harden_permissions(settings)
        assert _mode(settings.home) == 0o700
    finally:
        os.umask(old)


def test_heartbeats_make_lanes_ready(runtime: Runtime) -> None:
    with runtime.db.session() as s:
        assert [c.ok for c in check_lanes(s, ["poll", "hash"], 60)] == [False, False]
        beat(s, "poll", "host-a:1")
        beat(s, "poll", "host-a:1")
        beat(s, "hash", "host-b:7")
    with runtime.db.session() as s:
        assert [c.ok for c in check_lanes(s, ["poll", "hash"], 60)] == [True, True]
        s.execute(
            update(Heartbeat)
            .where(Heartbeat.lane == "hash")
            .values(beat_at=utcnow() - timedelta(seconds=120))
        )
    with runtime.db.session() as s:
        assert [c.ok for c in check_lanes(s, ["poll", "hash"], 60)] == [True, False]


def test_healthz_and_readyz_answer_without_a_token(tmp_path: Path, database_url: str) -> None:
    settings = Settings(home=tmp_path / "home", database_url=database_url, ready_lanes=["poll"])
    rt = Runtime(settings)
    try:
        with TestClient(create_app(settings, rt)) as client:
            live = client.get("/healthz")
            assert live.status_code == 200 and live.text == "ok\n"
            not_ready = client.get("/readyz")
            assert not_ready.status_code == 503 and not_ready.text == "failing\n"
            with rt.db.session() as s:
                beat(s, "poll", "w1")
            ready = client.get("/readyz")
            assert ready.status_code == 200 and ready.text == "ok\n"
            assert ready.headers["cache-control"] == "no-store"
    finally:
        rt.close()


def test_readyz_fails_when_the_disk_is_short(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", min_free_bytes=2**62)
    rt = Runtime(settings)
    try:
        with TestClient(create_app(settings, rt)) as client:
            reply = client.get("/readyz")
            assert reply.status_code == 503 and reply.text == "failing\n"  # no details
    finally:
        rt.close()
