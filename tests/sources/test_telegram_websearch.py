"""A Telegram-style channel preview with pagination, and search API sources, on local servers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from takedown.extract.keywords import KeywordMatcher, search_variants
from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.sources import PollContext, PollResult, SourceSpec, SourceState, get_source
from takedown.sources.telegram import parse_channel_page
from tests.sites.server import ServerThread
from tests.sources.channels import CHANNEL, SearchApi, TelegramChannel
from tests.sources.conftest import LIMITS


@pytest.fixture
def channel() -> Iterator[tuple[TelegramChannel, ServerThread]]:
    site = TelegramChannel()
    with ServerThread(site.route) as server:
        site.origin = server.origin
        yield site, server


@pytest.fixture
def search() -> Iterator[tuple[SearchApi, ServerThread]]:
    api = SearchApi()
    with ServerThread(api.route) as server:
        api.origin = server.origin
        yield api, server


def _poll(
    server: ServerThread,
    spec: SourceSpec,
    state: SourceState,
    keywords: tuple[str, ...] = (),
    secrets: dict[str, str] | None = None,
) -> PollResult:
    async def main() -> PollResult:
        async with Fetcher(guard=UrlGuard(allow=[server.origin]), limits=LIMITS) as fetcher:
            ctx = PollContext(
                fetcher=fetcher,
                keywords=KeywordMatcher(keywords) if keywords else None,
                secrets=secrets or {},
            )
            return await get_source(spec.kind).poll(spec, state, ctx)

    return asyncio.run(main())


def test_channel_posts_media_and_captions_with_before_pagination(
    channel: tuple[TelegramChannel, ServerThread],
) -> None:
    site, server = channel
    for n in range(12):
        site.publish(f"quixel note {n + 1}", photos=1 + n % 2, video=n == 3)
    spec = SourceSpec(url=server.url(f"/s/{CHANNEL}"), kind="telegram")
    first = _poll(server, spec, SourceState())
    assert first.errors == ()
    numbers = sorted(int(p.url.rsplit("/", 1)[1]) for p in first.pages)
    assert numbers == list(range(1, 13))  # three pages, newest first, followed by before=
    assert f"/s/{CHANNEL}?before=8" in server.paths() and f"/s/{CHANNEL}?before=3" in server.paths()
    post4 = next(p for p in first.pages if p.url.endswith(f"/{CHANNEL}/4"))
    assert "quixel note 4" in post4.html
    assert set(post4.media_hints) == {
        f"{server.origin}/media/4-0.jpg",
        f"{server.origin}/media/4-1.jpg",
        f"{server.origin}/media/4.mp4",
    }
    assert post4.url == f"{server.origin}/{CHANNEL}/4"
    # Next poll: one new post and one edited post (a photo added) are handed over, nothing else;
    # the newest page is enough, no older page is read.
    site.publish("vortel arrives")
    site.edit(11, "quixel note 11 (edited)", photos=3)
    before = len(server.paths())
    second = _poll(server, spec, first.state)
    assert sorted(p.url.rsplit("/", 1)[1] for p in second.pages) == ["11", "13"]
    edited = next(p for p in second.pages if p.url.endswith("/11"))
    assert f"{server.origin}/media/11-2.jpg" in edited.media_hints
    assert server.paths()[before:] == [f"/s/{CHANNEL}"]
    assert _poll(server, spec, second.state).pages == ()


def test_unexpected_layout_is_a_clear_error(channel: tuple[TelegramChannel, ServerThread]) -> None:
    site, server = channel
    site.publish("quixel")
    site.layout = "changed"
    spec = SourceSpec(url=server.url(f"/s/{CHANNEL}"), kind="telegram")
    result = _poll(server, spec, SourceState())
    assert result.pages == ()
    assert [e.reason for e in result.errors] == [
        "unexpected Telegram layout: no channel and no messages"
    ]
    with pytest.raises(ValueError):
        parse_channel_page("<html><body>nothing</body></html>", "http://t.invalid/s/x")
    bad = SourceSpec(url=server.url("/zorblat"), kind="telegram")
    assert "channel preview" in _poll(server, bad, SourceState()).errors[0].reason


@pytest.mark.parametrize("endpoint", ["/searx", "/bing"])
def test_search_api_per_keyword_and_variant_feeds_result_pages(
    search: tuple[SearchApi, ServerThread], endpoint: str
) -> None:
    api, server = search
    spec = SourceSpec(url=server.url(endpoint + "?q={keyword}&format=json"), kind="websearch")
    result = _poll(server, spec, SourceState(), ("zorblat",), {"api_key": "k-123"})
    variants = [v.text for v in search_variants(KeywordMatcher(["zorblat"]).variants["zorblat"])]
    assert api.queries == variants and len(variants) >= 3
    assert set(api.keys) == {"k-123"}
    fetched = {p.url for p in result.pages}
    expected = {u for q in variants for u in api.results_for(q)}
    assert fetched == expected
    # The private result is refused by the guard, the javascript: one never fetched.
    reasons = [e.reason for e in result.errors]
    assert reasons and all(r.startswith("blocked") for r in reasons)
    assert all("10.0.0.9" in e.url for e in result.errors)
    again = _poll(server, spec, result.state, ("zorblat",))
    assert again.pages == ()  # seen results are not fetched again


@pytest.mark.parametrize("mode", ["junk", "error"])
def test_a_search_api_answering_junk_or_errors_is_a_clear_error(
    search: tuple[SearchApi, ServerThread], mode: str
) -> None:
    api, server = search
    api.mode = mode
    spec = SourceSpec(url=server.url("/searx?q={keyword}"), kind="websearch")
    result = _poll(server, spec, SourceState(), ("zorblat",))
    assert result.pages == ()
    own = [e.reason for e in result.errors if e.url == spec.url]
    assert len(own) == 1 and own[0].startswith("search API: ")
    if mode == "junk":
        assert "junk (not JSON" in own[0]
    else:
        assert own[0] == "search API: every query failed"
        assert {e.reason for e in result.errors if e.url != spec.url} == {"HTTP 503"}
