"""Fixtures for the source tests: a running test web and a poll helper bound to it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from takedown.extract.keywords import KeywordMatcher
from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher, FetchLimits
from takedown.sources import PollContext, PollResult, SourceSpec, SourceState, get_source
from takedown.sources.base import Renderer
from tests.sites import TestWeb

# Short limits: the dripping server must not make the suite slow.
LIMITS = FetchLimits(connect_timeout=2, read_timeout=2, total_timeout=1.0, retries=1, backoff=0.05)


@pytest.fixture
def web() -> Iterator[TestWeb]:
    with TestWeb(drip_interval=0.5) as running:
        yield running


@dataclass
class Poller:
    """Polls one source against the test web, keeping its state between calls."""

    web: TestWeb
    spec: SourceSpec
    keywords: tuple[str, ...] = ()
    renderer: Renderer | None = None
    page_budget: int = 50
    state: SourceState = field(default_factory=SourceState)

    def context(self, fetcher: Fetcher) -> PollContext:
        matcher = KeywordMatcher(self.keywords) if self.keywords else None
        return PollContext(
            fetcher=fetcher, renderer=self.renderer, keywords=matcher, page_budget=self.page_budget
        )

    def fetcher(self) -> Fetcher:
        return Fetcher(
            guard=UrlGuard(allow=[self.web.origin]), user_agent="takedown-test", limits=LIMITS
        )

    def poll(self) -> PollResult:
        async def main() -> PollResult:
            async with self.fetcher() as fetcher:
                return await get_source(self.spec.kind).poll(
                    self.spec, self.state, self.context(fetcher)
                )

        result = asyncio.run(main())
        self.state = result.state
        return result


@pytest.fixture
def poller(web: TestWeb) -> type[Poller]:
    return Poller
