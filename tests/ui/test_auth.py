"""Accounts in the review UI: login, logout, sessions, CSRF, the login rate limit, languages."""

from __future__ import annotations

import re
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from takedown.accounts import totp
from takedown.accounts.users import change_password
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.tables import Case, User
from takedown.web.ui.ratelimit import LoginThrottle, ThrottleLimits
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


def _try(client: TestClient, username: str, password: str, **headers: str) -> int:
    token = csrf_of(client.get("/login").text)
    reply = client.post(
        "/login",
        data={"username": username, "password": password, "csrf": token},
        headers=headers,
        follow_redirects=False,
    )
    return reply.status_code


def test_throttle_holds_against_rotating_forwarded_for_and_the_real_user_gets_in(
    ui_app: FastAPI, seeded: Seeded
) -> None:
    with (
        TestClient(ui_app, base_url="http://127.0.0.1", client=("203.0.113.9", 4000)) as attacker,
        TestClient(ui_app, base_url="http://127.0.0.1", client=("198.51.100.7", 4001)) as user,
    ):
        codes = [
            _try(attacker, "sample-viewer", f"guess-{i}", **{"X-Forwarded-For": f"10.1.{i}.{i}"})
            for i in range(24)
        ]
        assert codes[:3] == [401, 401, 401]
        assert codes.count(429) >= 20, codes  # the untrusted header changed nothing
        # Even the right password waits at the guessing address: backoff, not a free pass.
        assert _try(attacker, "sample-viewer", seeded.users["sample-viewer"]) == 429
        # The real user, elsewhere, is not locked out by someone else's guesses.
        assert _try(user, "sample-viewer", seeded.users["sample-viewer"]) == 303


def test_forwarded_for_counts_only_from_a_trusted_proxy(
    tmp_path: Path, database_url: str, seeded_proxy_app: FastAPI
) -> None:
    with TestClient(
        seeded_proxy_app, base_url="http://127.0.0.1", client=("10.0.0.2", 4000)
    ) as proxy:
        for i in range(3):
            xff = {"X-Forwarded-For": "203.0.113.50"}
            assert _try(proxy, "sample-officer", f"nope-{i}", **xff) == 401
        assert _try(proxy, "sample-officer", "nope", **{"X-Forwarded-For": "203.0.113.50"}) == 429
        # Another client behind the same proxy is another address.
        assert _try(proxy, "sample-officer", "nope", **{"X-Forwarded-For": "203.0.113.51"}) == 401


def test_throttle_backs_off_exponentially_and_forgets(ui_runtime: Runtime) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    throttle = LoginThrottle(
        ThrottleLimits(per_account_address=2, per_address=100, per_account=100), lambda: now[0]
    )
    with ui_runtime.db.session() as s:
        waits = []
        for _ in range(5):
            throttle.failed(s, "Alice", "192.0.2.1")
            waits.append(throttle.wait_seconds(s, "alice", "192.0.2.1"))
        assert waits == [0.0, 1.0, 2.0, 4.0, 8.0]
        assert throttle.wait_seconds(s, "alice", "192.0.2.2") == 0.0
        now[0] += timedelta(seconds=9)
        assert throttle.wait_seconds(s, "alice", "192.0.2.1") == 0.0
        throttle.succeeded(s, "alice", "192.0.2.1")
        throttle.failed(s, "alice", "192.0.2.1")
        assert throttle.wait_seconds(s, "alice", "192.0.2.1") == 0.0


def test_a_cookie_copied_before_logout_is_refused_after_it(
    client_as: Callable[[str | None], TestClient], ui_app: FastAPI
) -> None:
    client = client_as("officer")
    page = client.get("/queue")
    assert page.status_code == 200
    copied = dict(client.cookies)
    client.post("/logout", data={"csrf": csrf_of(page.text)})
    with TestClient(ui_app, base_url="http://127.0.0.1", cookies=copied) as thief:
        assert thief.get("/queue", follow_redirects=False).status_code == 303
        assert thief.get("/api/v1/cases").status_code == 401


def test_password_change_and_deactivation_end_sessions(
    client_as: Callable[[str | None], TestClient], ui_runtime: Runtime
) -> None:
    officer = client_as("officer")
    viewer = client_as("viewer")
    assert officer.get("/queue").status_code == 200
    with ui_runtime.db.session() as s:
        change_password(s, "sample-officer", "a-new-password-1")
    assert officer.get("/queue", follow_redirects=False).status_code == 303
    admin = client_as("admin")
    page = admin.get("/admin/users")
    with ui_runtime.db.session() as s:
        vid = s.execute(select(User.id).where(User.username == "sample-viewer")).scalar_one()
    admin.post(f"/admin/users/{vid}", data={"role": "viewer", "csrf": csrf_of(page.text)})
    with ui_runtime.db.session() as s:
        assert s.execute(select(User.active).where(User.id == vid)).scalar_one() is False
        # The row is active again, but the old session stays ended.
        s.execute(update(User).where(User.id == vid).values(active=True))
    assert viewer.get("/queue", follow_redirects=False).status_code == 303


def test_second_factor_enrolment_and_login(
    totp_app: FastAPI, seeded_totp: Seeded, ui_runtime: Runtime
) -> None:
    with TestClient(totp_app, base_url="http://127.0.0.1") as client:
        token = csrf_of(client.get("/login").text)
        reply = client.post(
            "/login",
            data={
                "username": "sample-officer",
                "password": seeded_totp.users["sample-officer"],
                "csrf": token,
            },
            follow_redirects=False,
        )
        assert reply.headers["location"] == "/account/totp"  # required: enrol first
        assert client.get("/queue", follow_redirects=False).status_code == 303
        page = client.get("/account/totp")
        uri = re.search(r"otpauth://totp/[^<\s]+", page.text)
        assert uri and "issuer=takedown" in uri.group(0)
        secret = re.search(r"secret=([A-Z2-7]+)", uri.group(0))
        assert secret
        bad = client.post("/account/totp", data={"code": "000000", "csrf": csrf_of(page.text)})
        assert bad.status_code == 401
        good = client.post(
            "/account/totp",
            data={"code": totp.current_code(secret.group(1)), "csrf": csrf_of(bad.text)},
            follow_redirects=False,
        )
        assert good.status_code == 303
        assert client.get("/queue").status_code == 200
    with TestClient(totp_app, base_url="http://127.0.0.1") as again:
        token = csrf_of(again.get("/login").text)
        reply = again.post(
            "/login",
            data={
                "username": "sample-officer",
                "password": seeded_totp.users["sample-officer"],
                "csrf": token,
            },
            follow_redirects=False,
        )
        assert reply.headers["location"] == "/login/totp"
        assert again.get("/queue", follow_redirects=False).status_code == 303
        page = again.get("/login/totp")
        ok = again.post(
            "/login/totp",
            data={"code": totp.current_code(secret.group(1)), "csrf": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert ok.status_code == 303
        assert again.get("/queue").status_code == 200
    assert audit_actions(ui_runtime, "user.totp_enrol")


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


def test_admin_creates_and_revokes_tokens_in_the_ui(
    client_as: Callable[[str | None], TestClient],
) -> None:
    admin = client_as("admin")
    page = admin.get("/admin/tokens")
    assert page.status_code == 200
    made = admin.post(
        "/admin/tokens",
        data={"name": "partner-x", "role": "partner", "expires": "30d", "csrf": csrf_of(page.text)},
    )
    found = re.search(r'class="token">(tdk_[^<]+)<', made.text)
    assert made.status_code == 200 and found
    secret = found.group(1)
    assert (
        admin.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 403
    )
    admin.post("/admin/tokens/revoke", data={"name": "partner-x", "csrf": csrf_of(made.text)})
    assert (
        admin.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    assert (
        "revoked" in admin.get("/admin/tokens").text or "폐기됨" in admin.get("/admin/tokens").text
    )
    assert client_as("officer").get("/admin/tokens").status_code == 403


def test_admin_ends_a_users_sessions(
    client_as: Callable[[str | None], TestClient], ui_runtime: Runtime
) -> None:
    viewer = client_as("viewer")
    assert viewer.get("/queue").status_code == 200
    admin = client_as("admin")
    with ui_runtime.db.session() as s:
        vid = s.execute(select(User.id).where(User.username == "sample-viewer")).scalar_one()
    page = admin.get("/admin/users")
    admin.post(f"/admin/users/{vid}/sessions/end", data={"csrf": csrf_of(page.text)})
    assert viewer.get("/queue", follow_redirects=False).status_code == 303
    assert admin.get("/queue").status_code == 200
