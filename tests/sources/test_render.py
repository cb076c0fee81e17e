"""A JavaScript-built site is found through a browser renderer and missed without one."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from takedown.fetch.guard import UrlGuard
from takedown.sources import PollResult, SourceSpec
from tests.sites import TestWeb
from tests.sources.conftest import Poller

browser_module = pytest.importorskip("takedown.fetch.browser")
pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium")


def test_without_a_renderer_the_script_built_posts_are_invisible(web: TestWeb) -> None:
    web.publish("js")
    result = Poller(web, SourceSpec(url=web.source_url("js"), kind="page")).poll()
    assert [page.url for page in result.pages] == [web.source_url("js")]


@pytest.mark.slow
def test_js_site_through_the_browser(web: TestWeb) -> None:
    old = web.publish("js", images=2)
    web.publish_hostile("js")
    spec = SourceSpec(url=web.source_url("js"), kind="page", render="browser")

    async def main() -> tuple[PollResult, PollResult, str]:
        guard = UrlGuard(allow=[web.origin])
        config = browser_module.BrowserConfig(executable=shutil.which("chromium"))
        async with browser_module.Browser(config, guard=guard) as browser:

            async def render(url: str) -> tuple[str, str]:
                page = await browser.render(url, timeout=3)
                return page.final_url, page.html

            poller = Poller(web, spec, renderer=render)
            async with poller.fetcher() as fetcher:
                first = await _poll(poller, fetcher)
                new = web.publish("js", title="built later")
                second = await _poll(poller, fetcher)
                return first, second, new.url

    first, second, new_url = asyncio.run(main())
    assert old.url in [page.url for page in first.pages]
    html = next(page.html for page in first.pages if page.url == old.url)
    for path in old.media_paths:
        assert path in html  # the script put the images into the DOM
    assert new_url in [page.url for page in second.pages]
    assert web.canary.requests() == []


async def _poll(poller: Poller, fetcher: object) -> PollResult:
    from takedown.sources import get_source

    ctx = poller.context(fetcher)  # type: ignore[arg-type]
    result = await get_source(poller.spec.kind).poll(poller.spec, poller.state, ctx)
    poller.state = result.state
    return result
