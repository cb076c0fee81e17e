"""Each source kind finds a newly published post, and its media as the page links them."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest

from takedown.extract.keywords import generate_variants, search_variants
from takedown.extract.page import extract_page
from takedown.sources import PollResult, SourceSpec, SourceState, get_source
from takedown.sources.conformance import check_source
from tests.sites import Post, TestWeb
from tests.sources.conftest import Poller


def post_pages(result: PollResult, web: TestWeb, site: str) -> dict[str, str]:
    """url -> html of the post pages (not listings or results) a poll returned."""
    prefix = web.url(f"/{site}/post/")
    return {page.url: page.html for page in result.pages if page.url.startswith(prefix)}


def assert_media_as_linked(html: str, post: Post) -> None:
    media = {ref.url for ref in extract_page(html, post.url).media}
    assert set(post.media_urls) <= media, (post.media_urls, media)


def conformance(web: TestWeb, spec: SourceSpec, site: str, **kw: object) -> list[PollResult]:
    poller = Poller(web, spec, **kw)  # type: ignore[arg-type]

    async def main() -> list[PollResult]:
        async with poller.fetcher() as fetcher:
            return await check_source(
                get_source(spec.kind),
                spec,
                poller.context(fetcher),
                publish=lambda: web.publish(site, title="blue kite again", images=3).url,
            )

    return asyncio.run(main())


def test_page_kind_follows_pagination_and_finds_new_posts(web: TestWeb) -> None:
    posts = [web.publish("board", images=7 if i == 0 else 2) for i in range(7)]
    poller = Poller(web, SourceSpec(url=web.source_url("board"), kind="page"))
    first = poller.poll()
    found = post_pages(first, web, "board")
    assert set(found) == {p.url for p in posts}  # page 2 of the listing was followed
    assert first.errors == ()
    for post in posts:
        assert_media_as_linked(found[post.url], post)
    assert poller.poll().pages == ()
    new = web.publish("board", title="fresh")
    third = poller.poll()
    assert list(post_pages(third, web, "board")) == [new.url]
    # The listing pages changed too (posts moved): they come back with their thumbnails.
    others = {p.url for p in third.pages} - {new.url}
    assert web.source_url("board") in others
    assert all(
        url.startswith(web.url("/board/?page=")) for url in others - {web.source_url("board")}
    )


def test_page_kind_conformance(web: TestWeb) -> None:
    web.publish("board")
    conformance(web, SourceSpec(url=web.source_url("board"), kind="page"), "board")


@pytest.mark.parametrize("feed", ["rss.xml", "atom.xml"])
def test_feed_kind(web: TestWeb, feed: str) -> None:
    old = web.publish("feed")
    spec = SourceSpec(url=web.url(f"/feed/{feed}"), kind="feed", language="en")
    poller = Poller(web, spec)
    first = poller.poll()
    assert [p.url for p in first.pages] == [old.url]
    assert first.pages[0].language_hint == "en"
    assert_media_as_linked(first.pages[0].html, old)
    if feed == "rss.xml":  # media:thumbnail is handed over as a hint
        assert first.pages[0].media_hints == (old.media_urls[0],)
    new = web.publish("feed")
    assert [p.url for p in poller.poll().pages] == [new.url]
    assert poller.poll().pages == ()
    # The unchanged feed was asked for conditionally and answered 304.
    feed_requests = [r for r in web.requests() if r.path == f"/feed/{feed}"]
    assert "if-none-match" in feed_requests[-1].headers


def test_feed_kind_conformance(web: TestWeb) -> None:
    web.publish("feed")
    conformance(web, SourceSpec(url=web.source_url("feed"), kind="feed"), "feed")


def test_sitemap_kind_with_index_and_lastmod(web: TestWeb) -> None:
    posts = [web.publish("sitemap", images=1) for _ in range(12)]  # two child sitemaps
    poller = Poller(web, SourceSpec(url=web.source_url("sitemap"), kind="sitemap"))
    first = poller.poll()
    assert set(post_pages(first, web, "sitemap")) == {p.url for p in posts}
    assert web.url("/sitemap/about") in {p.url for p in first.pages}
    assert poller.poll().pages == ()
    web.edit(posts[3], body="The text of this post was changed.")
    new = web.publish("sitemap")
    third = poller.poll()
    assert {p.url for p in third.pages} == {posts[3].url, new.url}
    assert_media_as_linked(post_pages(third, web, "sitemap")[new.url], new)
    # Child sitemaps whose lastmod did not move were not fetched again.
    assert [r.path for r in web.requests()].count("/sitemap/posts-1.xml") == 2


def test_sitemap_kind_conformance(web: TestWeb) -> None:
    web.publish("sitemap")
    conformance(web, SourceSpec(url=web.source_url("sitemap"), kind="sitemap"), "sitemap")


def test_search_kind_queries_the_searchable_variants(web: TestWeb) -> None:
    hit = web.publish("search", title="A blue kite in the park")
    web.publish("search", title="Unrelated")
    spec = SourceSpec(url=web.source_url("search"), kind="search")
    poller = Poller(web, spec, keywords=("blue kite",))
    first = poller.poll()
    assert list(post_pages(first, web, "search")) == [hit.url]
    assert_media_as_linked(post_pages(first, web, "search")[hit.url], hit)
    asked = {r.path for r in web.requests() if r.path.startswith("/search/?q=")}
    variants = [v.text for v in search_variants(generate_variants("blue kite"))]
    assert len(variants) >= 4  # original, joined, spaced, leet
    assert asked == {f"/search/?q={quote(text, safe='')}" for text in variants}
    assert "/search/?q=blue%20kite" in asked
    new = web.publish("search", title="Another BLUE KITE")
    assert list(post_pages(poller.poll(), web, "search")) == [new.url]


def test_search_kind_conformance(web: TestWeb) -> None:
    web.publish("search", title="blue kite")
    spec = SourceSpec(url=web.source_url("search"), kind="search", keywords=("blue kite",))
    conformance(web, spec, "search")


def test_search_without_placeholder_is_an_error_not_a_crash(web: TestWeb) -> None:
    result = Poller(web, SourceSpec(url=web.url("/search/"), kind="search")).poll()
    assert result.pages == () and "{keyword}" in result.errors[0].reason


def test_page_budget_leaves_the_rest_for_the_next_poll(web: TestWeb) -> None:
    posts = [web.publish("board") for _ in range(4)]
    poller = Poller(web, SourceSpec(url=web.source_url("board"), kind="page"), page_budget=3)
    seen: set[str] = set()
    for _ in range(5):
        result = poller.poll()
        assert len(result.requests and result.pages) <= 3
        seen |= set(post_pages(result, web, "board"))
    # Listing pages count against the budget too; nothing is lost, it only takes more polls.
    assert seen == {p.url for p in posts}


def test_state_json_is_tolerant_and_bounded() -> None:
    state = SourceState.from_json({"seen": "garbage", "failures": {"u": "x"}, "lastmods": None})
    assert state.to_json() == SourceState().to_json()
    from datetime import UTC, datetime

    for index in range(SourceState.max_seen + 10):
        state.mark_seen(f"u{index}", datetime.now(UTC))
    assert len(state.seen) == SourceState.max_seen and not state.is_seen("u0")
