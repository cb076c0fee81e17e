"""Accounts in the review UI: login, logout, sessions, CSRF, the login rate limit, languages."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Case, User
from takedown.web.ui.ratelimit import LoginLimiter, LoginLimits
from takedown.web.ui.sample import Seeded
from takedown.web.ui.session import session_secret
from tests.ui.conftest import audit_actions, csrf_of


def test_pages_need_a_login(client_as: Callable[[str | None], TestClient]) -> None:
    anon = client_as(None)
    for path in ("/queue", "/cases", "/dashboard", "/admin/users", "/thumbs/1"):
        reply = anon.get(path, follow_redirects=False)
        assert reply.status_code == 303
        assert reply.headers["location"].startswith("/login?next=")


def test_login_logout_and_audit(
    client_as: Callable[[str | None], TestClient], seeded: Seeded, ui_runtime: Runtime
) -> None:
    client = client_as(None)
    page = client.get("/login")
    bad = client.post(
        "/login",
        data={
            "username": "sample-officer",
            "password": "wrong-password",
            "csrf": csrf_of(page.text),
        },
    )
    assert bad.status_code == 401
    good = client.post(
        "/login",
        data={
            "username": "sample-officer",
            "password": seeded.users["sample-officer"],
            "csrf": csrf_of(bad.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert good.headers["location"] == "/queue"  # an off-site `next` is ignored
    queue = client.get("/queue")
    assert queue.status_code == 200 and "sample-officer" in queue.text
    assert queue.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in queue.headers["content-security-policy"]
    client.post("/logout", data={"csrf": csrf_of(queue.text)})
    assert client.get("/queue", follow_redirects=False).status_code == 303
    assert [e.actor for e in audit_actions(ui_runtime, "user.login")] == ["user:sample-officer"]
    assert len(audit_actions(ui_runtime, "user.login_failed")) == 1
    assert len(audit_actions(ui_runtime, "user.logout")) == 1


def test_deactivated_user_loses_the_session_at_once(
    client_as: Callable[[str | None], TestClient], ui_runtime: Runtime
) -> None:
    client = client_as("officer")
    assert client.get("/queue").status_code == 200
    with ui_runtime.db.session() as s:
        user = s.execute(select(User).where(User.username == "sample-officer")).scalar_one()
        user.active = False
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_post_without_or_with_a_wrong_csrf_token_is_refused(
    client_as: Callable[[str | None], TestClient], ui_runtime: Runtime
) -> None:
    client = client_as("officer")
    token = csrf_of(client.get("/cases").text)
    missing = client.post("/cases", data={"name": "case-x"})
    wrong = client.post("/cases", data={"name": "case-x", "csrf": token[:-2] + "xx"})
    assert missing.status_code == 403 and wrong.status_code == 403
    # Another session's token is no good either.
    other = client_as("admin")
    foreign = client.post(
        "/cases", data={"name": "case-x", "csrf": csrf_of(other.get("/cases").text)}
    )
    assert foreign.status_code == 403
    with ui_runtime.db.session() as s:
        assert s.execute(select(Case).where(Case.name == "case-x")).first() is None
    ok = client.post("/cases", data={"name": "case-x", "csrf": token}, follow_redirects=False)
    assert ok.status_code == 303


def test_api_accepts_the_session_only_with_the_csrf_header(
    client_as: Callable[[str | None], TestClient],
) -> None:
    client = client_as("officer")
    token = csrf_of(client.get("/queue").text)
    assert client.get("/api/v1/cases").status_code == 200
    body = {"name": "via-api"}
    assert client.post("/api/v1/cases", json=body).status_code == 401
    assert (
        client.post("/api/v1/cases", json=body, headers={"X-CSRF-Token": token}).status_code == 201
    )


def test_login_is_rate_limited_per_username(
    client_as: Callable[[str | None], TestClient], seeded: Seeded
) -> None:
    client = client_as(None)
    token = csrf_of(client.get("/login").text)
    for _ in range(LoginLimits().per_user):
        reply = client.post(
            "/login", data={"username": "sample-viewer", "password": "nope-nope", "csrf": token}
        )
        assert reply.status_code == 401
        token = csrf_of(reply.text)
    blocked = client.post(
        "/login",
        data={
            "username": "sample-viewer",
            "password": seeded.users["sample-viewer"],
            "csrf": token,
        },
    )
    assert blocked.status_code == 429  # even the right password waits now
    other = client.post(
        "/login",
        data={
            "username": "sample-officer",
            "password": seeded.users["sample-officer"],
            "csrf": token,
        },
        follow_redirects=False,
    )
    assert other.status_code == 303  # another account from the same address is not locked


def test_limiter_counts_per_address_and_forgets_after_the_window() -> None:
    now = [0.0]
    limiter = LoginLimiter(
        LoginLimits(per_user=3, per_address=4, window_seconds=60), lambda: now[0]
    )
    for i in range(4):
        assert not limiter.blocked(f"user{i}", "10.0.0.1")
        limiter.failed(f"user{i}", "10.0.0.1")
    assert limiter.blocked("someone-else", "10.0.0.1")
    assert not limiter.blocked("someone-else", "10.0.0.2")
    now[0] = 61.0
    assert not limiter.blocked("someone-else", "10.0.0.1")
    limiter.failed("a", "x")
    limiter.failed("a", "y")
    limiter.failed("a", "z")
    assert limiter.blocked("A", "w")  # usernames compare case-insensitively
    limiter.succeeded("a")
    assert not limiter.blocked("a", "w")


def test_session_key_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "h")
    first = session_secret(settings)
    assert first == session_secret(settings) and len(first) >= 40
    mode = stat.S_IMODE((tmp_path / "h" / "session.key").stat().st_mode)
    assert mode == 0o600
    assert session_secret(Settings(home=tmp_path / "h", session_secret="s" * 40)) == "s" * 40


def test_language_is_per_user_and_switchable(
    client_as: Callable[[str | None], TestClient], ui_runtime: Runtime, ui_app: FastAPI
) -> None:
    client = client_as("officer")
    page = client.get("/queue")
    assert "검토 대기열" in page.text  # users start in Korean
    client.post("/locale", data={"locale": "en", "back": "/cases", "csrf": csrf_of(page.text)})
    assert "Review queue" in client.get("/queue").text
    with ui_runtime.db.session() as s:
        user = s.execute(select(User).where(User.username == "sample-officer")).scalar_one()
        assert user.locale == "en"
    assert audit_actions(ui_runtime, "user.locale")[-1].data == {"locale": "en"}
    # The choice follows the user, not the browser: a fresh login sees English too.
    again = client_as("officer")
    assert "Review queue" in again.get("/queue").text
    assert "검토 대기열" in client_as("viewer").get("/queue").text
