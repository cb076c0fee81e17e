"""RSS and Atom feeds: each new entry's link is fetched as a page."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from takedown.sources.base import PollContext, PollResult, SourceSpec, SourceState
from takedown.sources.session import PollSession

__all__ = ["FeedSource"]


def _media_hints(entry: Any, base: str) -> list[str]:
    """Enclosures, ``media:content`` and ``media:thumbnail`` URLs of a feed entry."""
    raw: list[str] = []
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and link.get("href"):
            raw.append(link["href"])
    for name in ("media_content", "media_thumbnail"):
        raw.extend(item.get("url") for item in entry.get(name) or [] if item.get("url"))
    hints: list[str] = []
    for url in raw:
        absolute = urljoin(base, str(url).strip())
        if urlsplit(absolute).scheme in ("http", "https") and absolute not in hints:
            hints.append(absolute)
    return hints


class FeedSource:
    """``feed``: an RSS or Atom URL; new entries (by id, else link) are fetched and handed over."""

    kind = "feed"

    async def poll(self, spec: SourceSpec, state: SourceState, ctx: PollContext) -> PollResult:
        session = PollSession(spec, state, ctx)
        response = await session.fetch_document(spec.url)
        if response is None:
            return session.result()
        # A stream, never the bytes: feedparser fetches strings that look like URLs itself.
        parsed = feedparser.parse(io.BytesIO(response.content))
        if not parsed.entries:
            if parsed.get("bozo"):
                session.fail(spec.url, f"not a feed: {parsed.get('bozo_exception')}")
            return session.result()
        for entry in parsed.entries:
            link = urljoin(response.final_url, str(entry.get("link") or "").strip())
            key = str(entry.get("id") or link)
            if not key or session.state.is_seen(key):
                continue
            if not session.usable(link) or urlsplit(link).scheme not in ("http", "https"):
                session.state.mark_seen(key, ctx.now())
                continue
            page = await session.fetch_page(link)
            if page is None:
                if session.out_of_budget:
                    break
                if session.state.given_up(link):
                    session.state.mark_seen(key, ctx.now())
                continue
            session.offer(page, _media_hints(entry, response.final_url))
            session.state.mark_seen(key, ctx.now())
            session.state.mark_seen(link, ctx.now())
        return session.result()
