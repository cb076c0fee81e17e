"""A poll spends at most its time for pages: a wave of slow new posts is spread over the next
polls, so the listing is read on time, and no post is lost or handed over twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher, FetchLimits
from takedown.sources import PollContext, PollResult, SourceSpec, SourceState, get_source
from tests.sites.server import Reply, ServerThread

POSTS = 24


def _slow(body: bytes) -> Iterator[bytes]:
    time.sleep(0.3)
    yield body


def _handler(request: object) -> Reply:
    path = getattr(request, "path", "")
    if path == "/board":
        links = "".join(f'<li><a href="/p/{n}">post {n}</a></li>' for n in range(POSTS))
        return Reply(200, f"<html><body><ul>{links}</ul></body></html>".encode(), "text/html")
    if path.startswith("/p/"):
        body = f"<html><body><p>post {path[3:]} text</p></body></html>".encode()
        return Reply(200, content_type="text/html", chunks=_slow(body))
    return Reply(404, b"", "text/plain")


def test_a_wave_of_slow_posts_is_spread_over_polls_without_losing_one() -> None:
    with ServerThread(_handler) as web:
        spec = SourceSpec(url=web.url("/board"), kind="page", max_depth=1)
        state = SourceState()
        limits = FetchLimits(connect_timeout=2, read_timeout=5, total_timeout=10, retries=0)

        async def poll(state: SourceState) -> tuple[PollResult, float]:
            async with Fetcher(
                guard=UrlGuard(allow=[web.origin]), user_agent="t", limits=limits
            ) as fetcher:
                ctx = PollContext(fetcher=fetcher, page_budget=500, page_seconds=0.5)
                started = time.monotonic()
                result = await get_source("page").poll(spec, state, ctx)
                return result, time.monotonic() - started

        handed: list[str] = []
        took: list[float] = []
        first: list[str] = []
        for _ in range(12):
            result, seconds = asyncio.run(poll(state))
            state = result.state
            handed += [p.url for p in result.pages if "/p/" in p.url]
            first = first or [p.url for p in result.pages if "/p/" in p.url]
            took.append(seconds)
            if len(set(handed)) == POSTS:
                break
        expected = {web.url(f"/p/{n}") for n in range(POSTS)}
        newest = {web.url(f"/p/{n}") for n in range(POSTS - len(first), POSTS)}
    assert sorted(handed) == sorted(expected)  # every post, once
    # The board lists its posts oldest first; the newest are fetched first all the same.
    assert set(first) == newest
    # All at once would take 24 x 0.3 s / 4 per host = 1.8 s; each poll stopped starting pages
    # after 0.5 s, so the wave took several polls, each about 0.5 s plus the pages it began.
    assert len(took) > 1 and max(took) < 1.6, took


def test_a_site_slower_than_the_time_for_pages_still_makes_progress() -> None:
    """The listing alone outlasts the poll's time for pages: each poll still begins a post, so
    a slow site is crawled, only more slowly."""

    def handler(request: object) -> Reply:
        path = getattr(request, "path", "")
        if path == "/board":
            links = "".join(f'<li><a href="/p/{n}">post {n}</a></li>' for n in range(10))
            body = f"<html><body><ul>{links}</ul></body></html>".encode()
            return Reply(200, content_type="text/html", chunks=_slow(body))
        if path.startswith("/p/"):
            return Reply(200, f"<html><body><p>{path}</p></body></html>".encode(), "text/html")
        return Reply(404, b"", "text/plain")

    with ServerThread(handler) as web:
        spec = SourceSpec(url=web.url("/board"), kind="page", max_depth=1)
        limits = FetchLimits(connect_timeout=2, read_timeout=5, total_timeout=10, retries=0)

        async def poll(state: SourceState) -> PollResult:
            async with Fetcher(
                guard=UrlGuard(allow=[web.origin]), user_agent="t", limits=limits
            ) as fetcher:
                ctx = PollContext(fetcher=fetcher, page_budget=500, page_seconds=0.1)
                return await get_source("page").poll(spec, state, ctx)

        state, per_poll = SourceState(), []
        for _ in range(12):
            result = asyncio.run(poll(state))
            state = result.state
            per_poll.append(len([p for p in result.pages if "/p/" in p.url]))
    assert min(per_poll[:10]) >= 1 and sum(per_poll) == 10, per_poll
