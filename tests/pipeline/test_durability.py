"""A killed process loses no queued work: kill -9 `takedown serve` mid-run, restart, all completes.

Also the scaled shape: PostgreSQL + Redis with two `takedown worker` processes, one killed mid-run.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.queue import make_huey
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Source
from tests.support.procs import kill9, start, terminate, wait_for, wait_http
from tests.support.services import free_port
from tests.support.slowweb import slow_web

N = 6


def _env(home: Path, web_port: int, **extra: str) -> dict[str, str]:
    return {
        "TAKEDOWN_HOME": str(home),
        "TAKEDOWN_POLL_CONCURRENCY": "1",
        "TAKEDOWN_LEASE_SECONDS": "3",
        "TAKEDOWN_SWEEP_SECONDS": "1",
        "TAKEDOWN_FETCH_ALLOW": json.dumps([f"http://127.0.0.1:{web_port}"]),
        **extra,
    }


def _polled(settings: Settings) -> int:
    rt = Runtime(settings, migrate=False)
    try:
        with rt.db.session() as s:
            rows = s.execute(select(Source.last_polled_at)).scalars().all()
        return sum(1 for r in rows if r is not None)
    finally:
        rt.close()


@pytest.mark.slow
def test_kill_9_serve_then_restart_completes_queued_work(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home)
    rt = Runtime(settings)
    with rt.db.session() as s:
        token = create_token(s, "admin", "t")[1]
    rt.close()
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    log = tmp_path / "serve.log"
    with slow_web(delay=1.5) as web:
        env = _env(home, web.server_address[1])
        proc = start(["serve", "--port", str(port)], env, log)
        try:
            wait_http(f"{base}/health")
            h = {"Authorization": f"Bearer {token}"}
            for i in range(N):
                body = {
                    "url": f"http://127.0.0.1:{web.server_address[1]}/s/{i}",
                    "kind": "page",
                    "interval_seconds": 3600,
                }
                assert httpx.post(f"{base}/sources", json=body, headers=h).status_code == 201
            wait_for(lambda: len(web.log) >= 2, 30, "the first polls")
        finally:
            kill9(proc)
        polled_before = _polled(settings)
        assert polled_before < N, "the kill came too late to test anything"
        huey = make_huey(settings, "poll", "takedown.poll")
        assert huey.pending_count() > 0, "no task was queued at the kill"

        proc = start(["serve", "--port", str(port)], env, log)
        try:
            wait_for(lambda: _polled(settings) == N, 60, "every source to be polled after restart")
        finally:
            assert terminate(proc) == 0, log.read_text()
        assert {f"/s/{i}" for i in range(N)} <= set(web.log)


@pytest.mark.slow
@pytest.mark.postgres
def test_scaled_workers_on_postgres_and_redis(
    tmp_path: Path, postgres_server: str, redis_server: str
) -> None:
    from tests.conftest import _fresh_pg_database

    db_url, _ = _fresh_pg_database(postgres_server)
    home = tmp_path / "home"
    settings = Settings(home=home, database_url=db_url, queue_url=redis_server)
    rt = Runtime(settings)
    log = tmp_path / "workers.log"
    with slow_web(delay=1.0) as web:
        port = web.server_address[1]
        with rt.db.session() as s:
            for i in range(N):
                s.add(
                    Source(
                        url=f"http://127.0.0.1:{port}/w/{i}",
                        kind="page",
                        interval_seconds=3600,
                        state="idle",
                    )
                )
        env = _env(home, port, TAKEDOWN_DATABASE_URL=db_url, TAKEDOWN_QUEUE_URL=redis_server)
        a = start(["worker"], env, log)
        b = start(["worker"], env, log)
        try:
            wait_for(lambda: len(web.log) >= 2, 30, "the first polls")
            kill9(a)
            wait_for(lambda: _polled(settings) == N, 60, "the surviving worker to finish the work")
        finally:
            assert terminate(b) == 0, log.read_text()
    rt.close()
    paths = [p for p in web.log if p.startswith("/w/")]
    assert set(paths) == {f"/w/{i}" for i in range(N)}
    # At most the one item in flight at the kill is polled twice.
    assert len(paths) <= N + 1
