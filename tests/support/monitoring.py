"""The set-up of the end-to-end monitoring tests: the local web of tests/sites, a runtime that may
fetch from it alone, an officer's API client, and a case with one uploaded reference.

A test module takes the fixtures by name (pytest finds them as module attributes)::

    web, rt, api = monitoring.web, monitoring.rt, monitoring.api

and a module whose fetches need more time builds its own ``rt`` with :func:`monitoring_runtime`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from takedown.accounts.tokens import create_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.web.app import create_app
from tests.conftest import auth
from tests.sites import TestWeb

Api = tuple[TestClient, dict[str, str]]


@contextmanager
def monitoring_runtime(
    home: Path, web: TestWeb, *, total_timeout: float = 4.0, read_timeout: float = 2.0
) -> Iterator[Runtime]:
    """A runtime under ``home`` that fetches from ``web`` only, with no retries."""
    r = Runtime(
        Settings(
            home=home,
            fetch_allow=[web.origin],
            fetch_total_timeout=total_timeout,
            fetch_read_timeout=read_timeout,
            fetch_retries=0,
        )
    )
    try:
        yield r
    finally:
        r.close()


@contextmanager
def officer_api(rt: Runtime) -> Iterator[Api]:
    """The API of ``rt`` and the headers of an officer's token."""
    with rt.db.session() as s:
        token = create_token(s, "officer", "t")[1]
    with TestClient(create_app(rt.settings, rt)) as c:
        yield c, auth(token)


def case_with_reference(
    api: Api, data: bytes, *, filename: str, media_type: str, keywords: list[str], name: str = "c1"
) -> dict[str, Any]:
    """A new case watching ``keywords``, with ``data`` uploaded as its reference."""
    c, h = api
    case: dict[str, Any] = c.post(
        "/api/v1/cases", json={"name": name, "keywords": keywords}, headers=h
    ).json()
    files = {"file": (filename, data, media_type)}
    r = c.post(f"/api/v1/cases/{case['id']}/references", files=files, headers=h)
    assert r.status_code == 201, r.text
    return case


@pytest.fixture
def web() -> Iterator[TestWeb]:
    with TestWeb(drip_interval=0.5) as w:
        yield w


@pytest.fixture
def rt(tmp_path: Path, web: TestWeb) -> Iterator[Runtime]:
    with monitoring_runtime(tmp_path / "home", web) as r:
        yield r


@pytest.fixture
def api(rt: Runtime) -> Iterator[Api]:
    with officer_api(rt) as made:
        yield made
