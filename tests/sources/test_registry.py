"""Source kinds by name: built-ins, third-party kinds, and failures turned into errors."""

from __future__ import annotations

import asyncio

import pytest

from takedown.fetch.guard import UrlGuard
from takedown.fetch.http import Fetcher
from takedown.sources import (
    PollContext,
    PollResult,
    SourceSpec,
    SourceState,
    get_source,
    poll_source,
    register_source,
    source_kinds,
)
from takedown.sources.registry import UnknownSourceKind


class Exploding:
    kind = "exploding-test-kind"

    async def poll(self, spec: SourceSpec, state: SourceState, ctx: PollContext) -> PollResult:
        raise RuntimeError("boom")


def test_builtins_and_unknown_kinds() -> None:
    assert {"feed", "page", "sitemap", "search"} <= set(source_kinds())
    with pytest.raises(UnknownSourceKind, match="unknown source kind 'gopher'"):
        get_source("gopher")


def test_a_failing_source_becomes_an_error_not_a_crash() -> None:
    register_source(Exploding(), replace=True)
    with pytest.raises(ValueError, match="already registered"):
        register_source(Exploding())
    state = SourceState(seen={"kept": "2026-01-01T00:00:00+00:00"})

    async def main() -> list[PollResult]:
        async with Fetcher(guard=UrlGuard()) as fetcher:
            ctx = PollContext(fetcher=fetcher)
            return [
                await poll_source(SourceSpec("http://a.example/", kind), state, ctx)
                for kind in ("exploding-test-kind", "no-such-kind")
            ]

    exploded, unknown = asyncio.run(main())
    assert exploded.pages == () and exploded.state is state
    assert exploded.errors[0].reason == "RuntimeError: boom"
    assert "unknown source kind" in unknown.errors[0].reason


def test_spec_from_api_fields() -> None:
    spec = SourceSpec.from_mapping(
        {
            "url": "http://a.example/?q={keyword}",
            "kind": "search",
            "render": "browser",
            "keywords": ["blue kite"],
            "max_depth": 0,
            "interval_seconds": 5,
            "extra": 1,
        }
    )
    assert spec == SourceSpec(
        "http://a.example/?q={keyword}", "search", 5, "browser", ("blue kite",), None, 0
    )
    assert SourceSpec.from_mapping({"url": "u", "kind": "feed"}).render == "http"
