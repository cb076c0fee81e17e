"""Fixtures of the review-UI tests: an app with the UI mounted, seeded sample data, logged-in
clients per role, and helpers to read CSRF tokens out of pages."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import AuditEvent
from takedown.web.app import create_app
from takedown.web.ui import mount
from takedown.web.ui.sample import Seeded, seed_sample
from tests.support.identity import CENTER_IDENTITY

# A fixed test key: evidence media are encrypted at rest, as in production.
VAULT_KEY = base64.b64encode(bytes(range(32))).decode()
_CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
_CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF_META.search(html) or _CSRF_FIELD.search(html)
    assert found, "page carries no CSRF token"
    return found.group(1)


def audit_actions(rt: Runtime, action: str) -> list[AuditEvent]:
    with rt.db.session() as s:
        return list(
            s.execute(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            ).scalars()
        )


@pytest.fixture
def ui_settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=database_url,
        vault_key=VAULT_KEY,
        reveal_seconds=2,
        **CENTER_IDENTITY,
    )


@pytest.fixture
def ui_runtime(ui_settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(ui_settings)
    yield rt
    rt.close()


@pytest.fixture
def ui_app(ui_settings: Settings, ui_runtime: Runtime) -> FastAPI:
    app = create_app(ui_settings, ui_runtime)
    mount(app, ui_runtime)  # harmless if create_app mounted it already
    return app


@pytest.fixture
def seeded(ui_runtime: Runtime) -> Seeded:
    return seed_sample(ui_runtime)


def login(client: TestClient, username: str, password: str) -> TestClient:
    page = client.get("/login")
    reply = client.post(
        "/login",
        data={"username": username, "password": password, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    return client


@pytest.fixture
def client_as(ui_app: FastAPI, seeded: Seeded) -> Iterator[Callable[[str], TestClient]]:
    """A logged-in TestClient for role "admin", "officer" or "viewer" (or None: anonymous)."""
    opened: list[TestClient] = []

    def make(role: str | None) -> TestClient:
        client = TestClient(ui_app, base_url="http://127.0.0.1")
        client.__enter__()
        opened.append(client)
        if role is None:
            return client
        name = f"sample-{role}"
        return login(client, name, seeded.users[name])

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def seeded_proxy_app(tmp_path: Path, database_url: str) -> Iterator[FastAPI]:
    """An app behind a trusted proxy at 10.0.0.0/8, with the sample users."""
    settings = Settings(
        home=tmp_path / "proxyhome",
        database_url=database_url,
        vault_key=VAULT_KEY,
        trusted_proxies=["10.0.0.0/8"],
        **CENTER_IDENTITY,
    )
    rt = Runtime(settings)
    seed_sample(rt)
    yield create_app(settings, rt)
    rt.close()


@pytest.fixture
def totp_app(ui_settings: Settings, ui_runtime: Runtime) -> FastAPI:
    """The UI with the second factor required (as in production)."""
    settings = ui_settings.model_copy(update={"totp_required": True})
    ui_runtime.settings = settings
    return create_app(settings, ui_runtime)


@pytest.fixture
def seeded_totp(totp_app: FastAPI, ui_runtime: Runtime) -> Seeded:
    return seed_sample(ui_runtime)
