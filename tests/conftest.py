"""Fixtures shared by the whole suite: databases (SQLite and PostgreSQL), settings, runtime, API client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.web.app import create_app
from tests.support.services import PostgresCluster, RedisServer

# Settings come from fixtures only: a developer's environment must not leak into the tests.
for _key in [k for k in os.environ if k.startswith("TAKEDOWN_")]:
    del os.environ[_key]


@pytest.fixture(autouse=True)
def _signing_keys(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Development signing keys (one per home) go to a temporary folder, not the user's ~/.config."""
    from takedown.evidence import signing

    monkeypatch.setattr(signing, "DEFAULT_KEY_DIR", tmp_path_factory.getbasetemp() / "keys")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The base URL of a throwaway PostgreSQL cluster (a missing server is an error, not a skip)."""
    cluster = PostgresCluster()
    url = cluster.start()
    try:
        yield url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    server = RedisServer()
    url = server.start()
    try:
        yield url
    finally:
        server.stop()


def _fresh_pg_database(base_url: str) -> tuple[str, str]:
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base_url.rsplit("/", 1)[0] + "/" + name, name


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'takedown.db'}"
        return
    base = request.getfixturevalue("postgres_server")
    url, name = _fresh_pg_database(base)
    yield url
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=database_url)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings)
    yield rt
    rt.close()


@pytest.fixture
def client(settings: Settings, runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(settings, runtime)) as c:
        yield c


@pytest.fixture
def tokens(runtime: Runtime) -> dict[str, str]:
    out = {}
    with runtime.db.session() as s:
        for role in ("admin", "officer", "viewer"):
            out[role] = create_token(s, role, f"test-{role}")[1]
    return out


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
