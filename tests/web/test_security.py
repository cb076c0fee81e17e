"""Findings of the red-team pass, each a test: revoked and expired tokens, partner tokens, line
breaks in a subject, huge ids, NUL bytes, private sources, caching of media, HSTS."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from takedown.accounts.tokens import create_token, revoke_token
from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.base import utcnow
from takedown.store.tables import Token
from takedown.web.app import create_app
from takedown.web.ui.sample import Seeded, seed_sample
from tests.conftest import auth

VAULT_KEY = base64.b64encode(bytes(range(32))).decode()


@pytest.fixture
def seeded_client(
    tmp_path: Path, database_url: str
) -> Iterator[tuple[TestClient, Runtime, Seeded]]:
    settings = Settings(home=tmp_path / "home", database_url=database_url, vault_key=VAULT_KEY)
    rt = Runtime(settings)
    seeded = seed_sample(rt)
    with TestClient(create_app(settings, rt)) as client:
        yield client, rt, seeded
    rt.close()


def test_a_revoked_token_gets_401(client: TestClient, runtime: Runtime) -> None:
    with runtime.db.session() as s:
        _row, secret = create_token(s, "officer", "laptop-1")
    assert client.get("/api/v1/cases", headers=auth(secret)).status_code == 200
    with runtime.db.session() as s:
        assert revoke_token(s, "laptop-1") == 1
    reply = client.get("/api/v1/cases", headers=auth(secret))
    assert reply.status_code == 401 and reply.headers["www-authenticate"] == "Bearer"


def test_an_expired_token_gets_401(client: TestClient, runtime: Runtime) -> None:
    with runtime.db.session() as s:
        row, secret = create_token(s, "viewer", "short", expires_in=timedelta(days=90))
        assert row.expires_at is not None
        assert timedelta(days=89) < row.expires_at - utcnow() <= timedelta(days=90)
    assert client.get("/api/v1/cases", headers=auth(secret)).status_code == 200
    with runtime.db.session() as s:
        s.execute(
            update(Token)
            .where(Token.id == row.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert client.get("/api/v1/cases", headers=auth(secret)).status_code == 401


def test_a_partner_token_is_refused_on_all_of_the_api(client: TestClient, runtime: Runtime) -> None:
    with runtime.db.session() as s:
        secret = create_token(s, "partner", "platform-a")[1]
    schema = client.app.openapi()  # type: ignore[attr-defined]
    checked = 0
    for path, ops in schema["paths"].items():
        for method in ops:
            concrete = path.replace("{", "").replace("}", "")
            concrete = "/".join("1" if p.endswith("_id") else p for p in concrete.split("/"))
            reply = client.request(method.upper(), concrete, headers=auth(secret), json={})
            assert reply.status_code == 403, (method, path, reply.status_code)
            checked += 1
    assert checked >= 10
    assert client.get("/api/v1/openapi.json", headers=auth(secret)).status_code == 403


def test_line_breaks_in_a_subject_are_refused(
    seeded_client: tuple[TestClient, Runtime, Seeded],
) -> None:
    client, rt, seeded = seeded_client
    with rt.db.session() as s:
        h = auth(create_token(s, "officer", "o")[1])
    for subject in ("Removal\r\nBcc: x@example.org", "two\nlines", "cr\ronly"):
        reply = client.patch(
            f"/api/v1/notices/{seeded.notice_id}", json={"subject": subject}, headers=h
        )
        assert reply.status_code == 422, (subject, reply.text)
        assert "one line" in reply.json()["detail"]
    ok = client.patch(
        f"/api/v1/notices/{seeded.notice_id}", json={"subject": "One line"}, headers=h
    )
    assert ok.status_code == 200 and ok.json()["subject"] == "One line"


def test_ids_beyond_64_bits_are_422_not_500(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["admin"])
    for big in (2**31, 2**63, 10**30):
        for path in (f"/api/v1/cases/{big}", f"/api/v1/notices/{big}", f"/api/v1/sources/{big}"):
            reply = client.get(path, headers=h)
            assert reply.status_code == 422, (path, reply.status_code)
        if big >= 2**63:  # beyond any database's integer: the driver's overflow is a 422 too
            reply = client.get(f"/api/v1/notices?case_id={big}", headers=h)
            assert reply.status_code == 422, reply.text
    assert client.get(f"/api/v1/cases/{2**31 - 1}", headers=h).status_code == 404


def test_nul_bytes_in_names_are_refused(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["officer"])
    for body in ({"name": "case\x00x"}, {"name": "ok", "keywords": ["a\x00b"]}):
        reply = client.post("/api/v1/cases", json=body, headers=h)
        assert reply.status_code == 422 and "NUL" in reply.json()["detail"], reply.text
    assert client.get("/api/v1/cases", headers=h).json() == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/feed", "loopback"),
        ("http://10.0.0.7/list", "private"),
        ("http://[::ffff:192.168.1.1]/", "private"),
        ("http://2130706433/", "loopback"),
        ("http://localhost/x", "local name"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ],
)
def test_a_source_naming_a_private_address_is_refused_with_the_reason(
    client: TestClient, tokens: dict[str, str], url: str, reason: str
) -> None:
    body = {"url": url, "kind": "page", "interval_seconds": 60}
    reply = client.post("/api/v1/sources", json=body, headers=auth(tokens["officer"]))
    assert reply.status_code == 422, reply.text
    assert reason in reply.json()["detail"]


def test_an_allowed_origin_may_still_be_a_source(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "h", fetch_allow=["http://127.0.0.1:8765"])
    rt = Runtime(settings)
    try:
        with rt.db.session() as s:
            h = auth(create_token(s, "officer", "o")[1])
        with TestClient(create_app(settings, rt)) as client:
            body = {"url": "http://127.0.0.1:8765/feed", "kind": "feed", "interval_seconds": 60}
            assert client.post("/api/v1/sources", json=body, headers=h).status_code == 201
    finally:
        rt.close()


def test_media_responses_are_never_cached(
    seeded_client: tuple[TestClient, Runtime, Seeded],
) -> None:
    client, rt, seeded = seeded_client
    with rt.db.session() as s:
        h = auth(create_token(s, "officer", "o")[1])
    ev = client.get(f"/api/v1/evidence/{seeded.evidence_id}", headers=h).json()
    media = [a for a in ev["artifacts"] if a["kind"] == "media"]
    assert media
    reply = client.get(
        f"/api/v1/evidence/{seeded.evidence_id}/artifacts/{media[0]['name']}", headers=h
    )
    assert reply.status_code == 200 and reply.content
    assert reply.headers["cache-control"] == "no-store"
    assert client.get("/api/v1/detections", headers=h).headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in reply.headers  # plain HTTP in development


def test_hsts_over_https(client: TestClient, tokens: dict[str, str]) -> None:
    with TestClient(client.app, base_url="https://testserver") as tls:
        reply = tls.get("/api/v1/cases", headers=auth(tokens["viewer"]))
    assert "max-age=" in reply.headers["strict-transport-security"]
