"""Meta-test: every API route refuses a caller without a token, and every write refuses a viewer."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import auth

WRITE = {"POST", "PUT", "PATCH", "DELETE"}
# POSTs that change nothing: a viewer (or a partner platform's token) may ask whether a file matches.
VIEWER_WRITES: set[tuple[str, str]] = {("POST", "/api/v1/match")}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


# Routes left out of the OpenAPI schema on purpose; the schema lists every other one.
HIDDEN = [("GET", "/api/v1/openapi.json")]


def _api_routes(client: TestClient) -> list[tuple[str, str]]:
    schema = client.app.openapi()  # type: ignore[attr-defined]
    out = [
        (m.upper(), p) for p, ops in schema["paths"].items() for m in ops if p.startswith("/api/")
    ]
    return out + HIDDEN


def test_every_route_needs_a_token(client: TestClient) -> None:
    routes = _api_routes(client)
    assert len(routes) >= 10
    for method, path in routes:
        r = client.request(method, _concrete(path))
        assert r.status_code == 401, f"{method} {path} answered {r.status_code} without a token"


def test_no_route_lets_a_viewer_write(client: TestClient, tokens: dict[str, str]) -> None:
    for method, path in _api_routes(client):
        if method not in WRITE or (method, path) in VIEWER_WRITES:
            continue
        r = client.request(method, _concrete(path), headers=auth(tokens["viewer"]), json={})
        assert r.status_code == 403, f"viewer got {r.status_code} on {method} {path}"
