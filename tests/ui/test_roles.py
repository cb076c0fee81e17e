"""Every state-changing route of the UI checks the role, whatever the page shows."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from takedown.web.ui import ROUTERS
from takedown.web.ui.sample import Seeded
from tests.ui.conftest import csrf_of

OPEN_TO_ALL = {"/login", "/logout", "/locale", "/login/totp", "/account/totp"}
ADMIN_ONLY = re.compile(r"^/admin/")


def ui_posts(app: FastAPI) -> list[str]:
    """Every POST route the UI mounts on `app` (bar login, logout and the language switch)."""
    assert app.state.ui_mounted
    return sorted(
        r.path
        for router in ROUTERS
        for r in router.routes
        if isinstance(r, APIRoute) and "POST" in (r.methods or ()) and r.path not in OPEN_TO_ALL
    )


def fill(path: str, seeded: Seeded) -> str:
    ids = {
        "notice_id": seeded.notice_id,
        "mail_id": 1,
        "case_id": seeded.case_id,
        "source_id": seeded.source_id,
        "evidence_id": seeded.evidence_id,
        "artifact_id": seeded.media_artifact_ids[0],
        "user_id": 1,
        "detection_id": 1,
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def test_the_route_list_is_complete(ui_app: FastAPI) -> None:
    posts = ui_posts(ui_app)
    for expected in (
        "/reveal/{artifact_id}",
        "/notices/{notice_id}/approve",
        "/notices/{notice_id}/reject",
        "/cases/{case_id}/references/upload",
        "/sources/{source_id}/pause",
        "/evidence/{evidence_id}/verify",
        "/admin/users",
        "/candidates/{detection_id}/confirm",
        "/candidates/{detection_id}/dismiss",
    ):
        assert expected in posts


@pytest.mark.parametrize("role", ["viewer", "officer"])
def test_posts_above_the_role_are_refused(
    role: str, client_as: Callable[[str | None], TestClient], seeded: Seeded, ui_app: FastAPI
) -> None:
    client = client_as(role)
    token = csrf_of(client.get("/queue").text)
    checked = 0
    for path in ui_posts(ui_app):
        if role == "officer" and not ADMIN_ONLY.match(path):
            continue
        reply = client.post(
            fill(path, seeded), data={"csrf": token}, headers={"X-CSRF-Token": token}
        )
        assert reply.status_code == 403, (path, reply.status_code)
        checked += 1
    assert checked >= (10 if role == "viewer" else 2)


def test_anonymous_posts_go_to_the_login(
    client_as: Callable[[str | None], TestClient], seeded: Seeded, ui_app: FastAPI
) -> None:
    client = client_as(None)
    token = csrf_of(client.get("/login").text)
    paths = ui_posts(ui_app)
    assert len(paths) > 10
    for path in paths:
        reply = client.post(fill(path, seeded), data={"csrf": token}, follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/login")
