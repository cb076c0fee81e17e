"""Sources: what to watch (feeds, listing pages, sitemaps, site search) and how to poll it."""

from takedown.sources.base import (
    FoundPage,
    PollContext,
    PollError,
    PollResult,
    Renderer,
    Source,
    SourceSpec,
    SourceState,
)
from takedown.sources.registry import get_source, poll_source, register_source, source_kinds

__all__ = [
    "FoundPage",
    "PollContext",
    "PollError",
    "PollResult",
    "Renderer",
    "Source",
    "SourceSpec",
    "SourceState",
    "get_source",
    "poll_source",
    "register_source",
    "source_kinds",
]
