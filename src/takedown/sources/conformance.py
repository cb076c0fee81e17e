"""The behaviour every Source kind must show, as a helper its tests call.

    results = await check_source(MySource(), spec, ctx, publish=lambda: web.publish(...).url)

It polls four times: the first poll's state must survive a JSON round trip; a poll with nothing
new returns no pages; after ``publish()`` the new URL comes back, once; then nothing again.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from takedown.sources.base import PollContext, PollResult, Source, SourceSpec, SourceState

__all__ = ["SourceConformanceError", "check_source"]


class SourceConformanceError(AssertionError):
    """A source kind broke the contract; the message says which part."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SourceConformanceError(message)


def _round_trip(state: SourceState) -> SourceState:
    text = json.dumps(state.to_json())
    restored = SourceState.from_json(json.loads(text))
    _require(restored.to_json() == state.to_json(), "state does not survive a JSON round trip")
    return restored


def _check_pages(result: PollResult) -> None:
    for page in result.pages:
        _require(urlsplit(page.final_url).scheme in ("http", "https"), f"bad final_url {page}")
        _require(bool(page.html), f"empty html for {page.url}")
        _require(page.fetched_at.tzinfo is not None, "fetched_at must be timezone-aware")
    urls = [page.url for page in result.pages]
    _require(len(urls) == len(set(urls)), f"a page came back twice in one poll: {urls}")


async def check_source(
    source: Source,
    spec: SourceSpec,
    ctx: PollContext,
    publish: Callable[[], str] | Callable[[], Awaitable[str]],
    state: SourceState | None = None,
) -> list[PollResult]:
    """Run the four polls and return their results for further assertions."""
    _require(isinstance(source.kind, str) and bool(source.kind), "a source needs a kind name")
    first = await source.poll(spec, state or SourceState(), ctx)
    _check_pages(first)
    second = await source.poll(spec, _round_trip(first.state), ctx)
    _require(not second.pages, f"nothing changed, yet pages came back: {_urls(second)}")
    published = publish()
    new_url = published if isinstance(published, str) else await published
    third = await source.poll(spec, _round_trip(second.state), ctx)
    _check_pages(third)
    _require(new_url in _urls(third), f"{new_url} was published but not found: {_urls(third)}")
    fourth = await source.poll(spec, _round_trip(third.state), ctx)
    _require(not fourth.pages, f"pages came back twice: {_urls(fourth)}")
    return [first, second, third, fourth]


def _urls(result: PollResult) -> list[str]:
    return [page.url for page in result.pages]
