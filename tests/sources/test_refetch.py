"""An edited post that adds media is found again: by age, and (Telegram) by its changed entry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.sources import PollContext, PollResult, SourceSpec, SourceState, get_source
from tests.sites.server import Reply, Request, ServerThread
from tests.sources.conftest import LIMITS


class Board:
    def __init__(self) -> None:
        self.images = 1

    def route(self, request: Request) -> Reply | None:
        if request.path == "/b":
            return Reply(body=b'<html><body><a href="/p/1">post one</a></body></html>')
        if request.path == "/p/1":
            imgs = "".join(f'<img src="/m/{i}.jpg">' for i in range(self.images))
            return Reply(body=f"<html><body><p>quixel</p>{imgs}</body></html>".encode())
        return None


def _poll(server: ServerThread, spec: SourceSpec, state: SourceState, at: datetime) -> PollResult:
    async def main() -> PollResult:
        async with Fetcher(guard=UrlGuard(allow=[server.origin]), limits=LIMITS) as fetcher:
            ctx = PollContext(fetcher=fetcher, now=lambda: at)
            return await get_source("page").poll(spec, state, ctx)

    return asyncio.run(main())


def test_a_seen_post_is_fetched_again_by_age_and_handed_over_when_changed() -> None:
    board = Board()
    start = datetime(2026, 12, 1, tzinfo=UTC)
    with ServerThread(board.route) as server:
        post = server.url("/p/1")
        spec = SourceSpec.from_mapping(
            {"url": server.url("/b"), "kind": "page", "refetch_seconds": 3600}
        )
        first = _poll(server, spec, SourceState(), start)
        assert post in [p.url for p in first.pages]
        board.images = 2  # the post is edited: one more image
        soon = _poll(server, spec, first.state, start + timedelta(minutes=10))
        assert post not in [p.url for p in soon.pages]  # not due yet
        later = _poll(server, spec, soon.state, start + timedelta(hours=2))
        edited = next(p for p in later.pages if p.url == post)
        assert "/m/1.jpg" in edited.html
        unchanged = _poll(server, spec, later.state, start + timedelta(hours=4))
        assert post not in [p.url for p in unchanged.pages]  # fetched, unchanged, not handed over
        assert server.paths().count("/p/1") == 3
        never = SourceSpec(url=server.url("/b"), kind="page")
        again = _poll(server, never, first.state, start + timedelta(days=30))
        assert post not in [p.url for p in again.pages]
