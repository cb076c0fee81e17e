"""Fixtures for the fetch tests: a misbehaving server and a canary on other ports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.sites.server import Reply, Request, Route, ServerThread


class Routes:
    """A path -> route table that tests fill in before requesting."""

    def __init__(self) -> None:
        self.table: dict[str, Route] = {}

    def __call__(self, request: Request) -> Reply | None:
        route = self.table.get(request.path)
        return route(request) if route else None

    def add(self, path: str, route: Route) -> None:
        self.table[path] = route


@pytest.fixture
def routes() -> Routes:
    return Routes()


@pytest.fixture
def server(routes: Routes) -> Iterator[ServerThread]:
    with ServerThread(routes) as running:
        yield running


@pytest.fixture
def canary() -> Iterator[ServerThread]:
    """A server nobody may reach: any request it logs is a guard failure."""
    with ServerThread(lambda request: Reply(200, b"canary")) as running:
        yield running
