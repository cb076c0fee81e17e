"""Meta-test: every API route refuses a caller without a token, and every write refuses a viewer."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from takedown.pipeline.runtime import Runtime
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


# Routes outside /api/v1 that answer an anonymous caller: liveness and readiness (ok/failing
# only), and the login steps. Every other page sends the browser to the login page.
OPEN_PAGES = {
    ("GET", "/healthz"): {200},
    ("GET", "/readyz"): {200, 503},
    ("GET", "/login"): {200},
    ("POST", "/login"): {403, 422},  # without a CSRF token nothing happens
    ("GET", "/login/totp"): {303},
    ("POST", "/login/totp"): {403, 422},
    ("GET", "/account/totp"): {303},
    ("POST", "/account/totp"): {403, 422},
    ("POST", "/logout"): {403},
    ("POST", "/locale"): {403, 422},
    ("GET", "/"): {303},
}


def _all_routes(routes: list[Any], prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) of every route, through included routers (FastAPI >= 0.16x nests them)."""
    out: list[tuple[str, str]] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out += [(m, prefix + route.path) for m in route.methods or ()]
        inner = getattr(route, "original_router", None)
        if inner is not None:
            more = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            out += _all_routes(list(inner.routes), prefix + more)
    return out


def test_nothing_outside_the_api_answers_without_a_login(client: TestClient) -> None:
    seen = set()
    routes = _all_routes(list(client.app.routes))  # type: ignore[attr-defined]
    assert len(routes) > 30
    for method, path in routes:
        if path.startswith("/api/") or method == "HEAD":
            continue
        seen.add((method, path))
        reply = client.request(method, _concrete(path), follow_redirects=False)
        expected = OPEN_PAGES.get((method, path))
        if expected is not None:
            assert reply.status_code in expected, (method, path, reply.status_code)
            continue
        assert reply.status_code in (303, 401, 403), (method, path, reply.status_code)
        if reply.status_code == 303:
            assert reply.headers["location"].startswith("/login"), (method, path)
    assert {("GET", "/healthz"), ("GET", "/readyz")} <= seen
    assert client.get("/metrics").status_code in (303, 404)  # not on the service port


def test_metrics_are_served_on_their_own_address(runtime: Runtime) -> None:
    import socket

    import httpx

    from takedown.metrics import REGISTRY, SENDS, register_runtime, start_metrics_server

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = runtime.settings.model_copy(update={"metrics_bind": f"127.0.0.1:{port}"})
    collector = register_runtime(runtime)
    started = start_metrics_server(settings)
    assert started is not None
    server, _thread = started
    try:
        SENDS.labels("email", "sent").inc()
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "takedown_sends_total" in body
        assert "takedown_queue_depth" in body and "takedown_poll_lateness_seconds" in body
        assert "takedown_stage_seconds" in body
    finally:
        server.shutdown()
        REGISTRY.unregister(collector)
    assert start_metrics_server(settings.model_copy(update={"metrics_bind": ""})) is None
