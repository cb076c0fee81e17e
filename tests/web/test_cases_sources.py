"""The cases and sources endpoints end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import auth


def test_case_lifecycle(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["officer"])
    r = client.post(
        "/api/v1/cases", json={"name": "case 7", "keywords": ["zorblat", " ", "zorblat"]}, headers=h
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["keywords"] == ["zorblat"]
    assert case["created_at"].endswith(("Z", "+00:00"))
    assert (
        client.get(f"/api/v1/cases/{case['id']}", headers=auth(tokens["viewer"])).json()["name"]
        == "case 7"
    )
    assert [c["id"] for c in client.get("/api/v1/cases", headers=h).json()] == [case["id"]]
    r = client.patch(f"/api/v1/cases/{case['id']}", json={"keywords": ["quixel"]}, headers=h)
    assert r.json()["keywords"] == ["quixel"]
    assert client.get("/api/v1/cases/999", headers=h).status_code == 404


def test_source_lifecycle(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["officer"])
    body = {
        "url": "https://board.example/list",
        "kind": "page",
        "interval_seconds": 60,
        "max_depth": 2,
    }
    r = client.post("/api/v1/sources", json=body, headers=h)
    assert r.status_code == 201, r.text
    src = r.json()
    assert src["last_polled_at"] is None and src["last_error"] is None and src["render"] == "http"
    r = client.patch(f"/api/v1/sources/{src['id']}", json={"paused": True}, headers=h)
    assert r.json()["paused"] is True
    assert client.delete(f"/api/v1/sources/{src['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/sources/{src['id']}", headers=h).status_code == 404
    assert client.get("/api/v1/sources", headers=h).json() == []


def test_bad_requests_get_clear_4xx(client: TestClient, tokens: dict[str, str]) -> None:
    h = auth(tokens["admin"])
    cases = [
        ({"name": "x", "surprise": 1}, 422, "surprise"),
        ({"keywords": ["a"]}, 422, "name"),
        ({"name": ""}, 422, "name"),
    ]
    for body, code, word in cases:
        r = client.post("/api/v1/cases", json=body, headers=h)
        assert r.status_code == code and word in r.json()["detail"], r.text
    r = client.post(
        "/api/v1/cases", content=b'{"name": ', headers={**h, "content-type": "application/json"}
    )
    assert r.status_code == 400 and "JSON" in r.json()["detail"]
    bad_sources = [
        {"url": "file:///etc/passwd", "kind": "page", "interval_seconds": 5},
        {"url": "https://s.example/?q=x", "kind": "search", "interval_seconds": 5},
        {"url": "https://s.example/", "kind": "ftp", "interval_seconds": 5},
        {"url": "https://s.example/", "kind": "page", "interval_seconds": 0},
    ]
    for body in bad_sources:
        assert client.post("/api/v1/sources", json=body, headers=h).status_code == 422, body


def test_oversized_body_is_refused(
    client: TestClient, tokens: dict[str, str], settings: object
) -> None:
    limit = client.app.state.settings.max_body_bytes  # type: ignore[attr-defined]
    big = b"x" * (limit + 1)
    r = client.post(
        "/api/v1/cases",
        content=big,
        headers={**auth(tokens["admin"]), "content-type": "application/json"},
    )
    assert r.status_code == 413 and "limit" in r.json()["detail"]


def test_tokens(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/v1/cases").status_code == 401
    assert client.get("/api/v1/cases", headers=auth("tdk_not-a-real-token")).status_code == 401
    assert client.get("/api/v1/cases", headers={"Authorization": "Basic abc"}).status_code == 401
    r = client.post("/api/v1/cases", json={"name": "n"}, headers=auth(tokens["viewer"]))
    assert r.status_code == 403
    r = client.get("/api/v1/openapi.json", headers=auth(tokens["viewer"]))
    assert r.status_code == 200 and "/api/v1/cases" in r.json()["paths"]
