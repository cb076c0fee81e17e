"""Source kinds by name. Built-ins register through the same call a third-party kind uses."""

from __future__ import annotations

import logging

from takedown.sources.base import (
    PollContext,
    PollError,
    PollResult,
    Source,
    SourceSpec,
    SourceState,
)

__all__ = ["UnknownSourceKind", "get_source", "poll_source", "register_source", "source_kinds"]

logger = logging.getLogger(__name__)
_SOURCES: dict[str, Source] = {}
_LOADED: list[bool] = []


class UnknownSourceKind(ValueError):  # noqa: N818 - reads better than UnknownSourceKindError
    """No source is registered under that kind."""


def register_source(source: Source, *, replace: bool = False) -> None:
    """Make ``source`` available under ``source.kind``."""
    if source.kind in _SOURCES and not replace:
        raise ValueError(f"source kind {source.kind!r} is already registered")
    _SOURCES[source.kind] = source


def _builtins() -> None:
    if _LOADED:
        return
    _LOADED.append(True)
    from takedown.sources.feed import FeedSource
    from takedown.sources.page import PageSource
    from takedown.sources.search import SearchSource
    from takedown.sources.sitemap import SitemapSource
    from takedown.sources.telegram import TelegramSource
    from takedown.sources.websearch import WebSearchSource

    builtins: tuple[Source, ...] = (
        FeedSource(),
        PageSource(),
        SitemapSource(),
        SearchSource(),
        TelegramSource(),
        WebSearchSource(),
    )
    for source in builtins:
        _SOURCES.setdefault(source.kind, source)


def source_kinds() -> list[str]:
    _builtins()
    return sorted(_SOURCES)


def get_source(kind: str) -> Source:
    _builtins()
    try:
        return _SOURCES[kind]
    except KeyError:
        raise UnknownSourceKind(f"unknown source kind {kind!r}; known: {source_kinds()}") from None


async def poll_source(spec: SourceSpec, state: SourceState, ctx: PollContext) -> PollResult:
    """Poll with the registered kind. Never raises: a failure comes back as an error."""
    try:
        return await get_source(spec.kind).poll(spec, state, ctx)
    except Exception as exc:  # one broken source must not take the worker down
        logger.exception("polling %s (%s) failed", spec.url, spec.kind)
        return PollResult((), state, (PollError(spec.url, f"{type(exc).__name__}: {exc}"),))
