"""Hostile sites: no crash, no request to a private address, and later posts are still found."""

from __future__ import annotations

import asyncio

import pytest

from takedown.extract.page import extract_page
from takedown.fetch.http import FetchError
from takedown.sources import PollResult, SourceSpec
from tests.sites import TestWeb
from tests.sources.conftest import Poller

KINDS = [("board", "page"), ("feed", "feed"), ("sitemap", "sitemap"), ("search", "search")]


def fetch_media(poller: Poller, result: PollResult) -> dict[str, str]:
    """Fetch every media URL the pages link, as the pipeline does: url -> "ok" or the reason."""

    async def main() -> dict[str, str]:
        outcome: dict[str, str] = {}
        async with poller.fetcher() as fetcher:
            for page in result.pages:
                for ref in extract_page(page.html, page.final_url).media:
                    try:
                        response = await fetcher.get(ref.url, kind="media")
                        outcome[ref.url] = "ok" if response.ok else f"HTTP {response.status}"
                    except FetchError as exc:
                        outcome[ref.url] = exc.reason
        return outcome

    return asyncio.run(main())


@pytest.mark.slow
@pytest.mark.parametrize(("site", "kind"), KINDS)
def test_hostile_site(web: TestWeb, site: str, kind: str) -> None:
    urls = web.hostile_urls()
    off_site = [urls[k] for k in ("metadata", "canary", "canary-decimal", "private", "file")]
    web.publish(site, title="blue kite first")
    web.publish(site, title="blue kite with odd links", extra_links=off_site, extra_images=off_site)
    web.publish_hostile(site)
    spec = SourceSpec(url=web.source_url(site), kind=kind)
    poller = Poller(web, spec, keywords=("blue kite",))

    first = poller.poll()
    reasons = {error.url: error.reason for error in first.errors}
    assert reasons[urls["drip"]] == "timeout (total)"
    assert reasons[urls["loop"]] == "redirect loop"
    assert reasons[urls["huge"]].startswith("too large")
    assert reasons[urls["to-canary"]].startswith("blocked: loopback")
    if kind in ("feed", "sitemap"):  # these list off-site URLs directly
        assert reasons[urls["metadata"]].startswith("blocked: link-local")
        assert reasons[urls["private"]].startswith("blocked: private")
        assert reasons[urls["canary"]].startswith("blocked: loopback")
        assert reasons[urls["canary-decimal"]].startswith("blocked: loopback")
    assert urls["file"] not in reasons  # not http: never even tried
    media = fetch_media(poller, first)
    for name in ("metadata", "canary", "canary-decimal", "private"):
        assert media[urls[name]].startswith("blocked"), (name, media[urls[name]])
    assert all(media[url] == "ok" for url in media if url.startswith(web.url("/media/")))
    assert len(first.pages) >= 2

    new = web.publish(site, title="blue kite later")
    later = [page.url for page in poller.poll().pages]
    assert new.url in later
    assert web.canary.requests() == []
    # Refused for good: blocked URLs are not asked again; the drip is retried a few times only.
    final = poller.poll()
    assert not any(error.reason.startswith("blocked") for error in final.errors)


def test_broken_documents_are_errors(web: TestWeb) -> None:
    for url, kind in [
        (web.url("/board/post/999"), "feed"),  # a 404 where a feed should be
        (web.url("/media/none.jpg"), "sitemap"),
        (web.url("/hostile/links"), "sitemap"),  # HTML, not a sitemap
        (web.url("/hostile/links"), "feed"),
        (web.url("/hostile/huge"), "feed"),
        ("http://10.1.2.3/feed", "feed"),
    ]:
        result = Poller(web, SourceSpec(url=url, kind=kind)).poll()
        assert result.pages == () and len(result.errors) == 1, (url, kind, result.errors)
    assert web.canary.requests() == []
