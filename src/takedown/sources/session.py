"""One poll of one source: the fetching, bookkeeping and change detection every kind shares.

A :class:`PollSession` fetches index documents (feeds, sitemaps, listing and search pages)
conditionally, fetches pages over HTTP or through the browser renderer within the page
budget, records per-URL errors without stopping, and hands over a page only when its
fingerprint (visible text and media URLs) changed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from takedown.extract.media import extract_media, media_kind_from_url
from takedown.extract.text import Link, extract_links, visible_text
from takedown.fetch.guard import BlockedUrl
from takedown.fetch.http import FetchError, FetchResponse, Kind
from takedown.sources.base import (
    FoundPage,
    PollContext,
    PollError,
    PollResult,
    SourceSpec,
    SourceState,
)

__all__ = ["FetchedPage", "PollSession", "fingerprint", "same_site"]

logger = logging.getLogger(__name__)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_NOT_PAGES = (".css", ".js", ".pdf", ".zip", ".gz", ".rar", ".7z", ".exe", ".apk", ".dmg", ".xml")
_FETCH_CONCURRENCY = 8
# Pages rendered at once by one poll (the browser keeps two pages for rendered polls): a page is
# begun only when a page of the browser is about to be free, so the poll's time for pages holds.
_RENDER_CONCURRENCY = 2
# Post pages a poll begins whatever its time for pages: a site whose listing alone outlasts it
# still makes progress. One: each page begun past the time delays the source's next poll.
_MIN_PAGES = 1


@dataclass(frozen=True)
class FetchedPage:
    url: str
    final_url: str
    html: str
    status: int = 200


def fingerprint(html: str) -> str:
    """A hash of what matters on a page: its visible text and the media it links."""
    tree = LexborHTMLParser(html)
    digest = hashlib.sha256(visible_text(tree).encode("utf-8", "replace"))
    for ref in extract_media(tree, "http://page.invalid/"):
        digest.update(b"\0" + ref.url.encode("utf-8", "replace"))
    return digest.hexdigest()


def _host(url: str) -> str:
    host = urlsplit(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


def same_site(url: str, other: str) -> bool:
    """Same host and port, ``www.`` ignored."""
    return _host(url) == _host(other)


def looks_like_page(url: str) -> bool:
    """Not a media file or an obvious download: worth fetching as HTML."""
    path = urlsplit(url).path.lower()
    return media_kind_from_url(url) is None and not path.endswith(_NOT_PAGES)


_NUMBER = re.compile(r"\d+")


def newest_first(links: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Links in the order to fetch them when a poll may not reach them all: the newest post
    first, judged by the numbers in its address (post ids and dates grow), then as listed."""

    def numbers(item: tuple[str, int]) -> tuple[int, ...]:
        parts = urlsplit(item[0])
        return tuple(int(n[:18]) for n in _NUMBER.findall(f"{parts.path}?{parts.query}"))

    return sorted(links, key=numbers, reverse=True)  # stable: equal keys stay as listed


class PollSession:
    """The working state of one poll; build one per ``Source.poll`` call."""

    def __init__(self, spec: SourceSpec, state: SourceState, ctx: PollContext) -> None:
        self.spec = spec
        self.ctx = ctx
        # A copy: the caller's state stays as it was if the poll is abandoned half-way.
        self.state = SourceState.from_json(state.to_json())
        self.pages: list[FoundPage] = []
        self.errors: list[PollError] = []
        self.requests = 0
        self.budget = ctx.page_budget
        self.stop_at = time.monotonic() + ctx.page_seconds if ctx.page_seconds else None
        self._begun = 0  # post pages begun (not index pages)
        self._took: list[float] = []  # seconds each post page took
        self.out_of_budget = False
        self._incomplete = False
        self._index_urls: set[str] = set()

    def result(self) -> PollResult:
        if self._incomplete:
            # Something is left for later: the next poll must see the index documents in full
            # rather than a 304, or the items left behind would wait for the next change.
            for url in self._index_urls:
                self.state.validators.pop(url, None)
        self.state.compact()
        return PollResult(tuple(self.pages), self.state, tuple(self.errors), self.requests)

    def fail(self, url: str, reason: str, *, permanent: bool = False) -> None:
        """Record a failed URL; transient failures are retried next poll, a few times."""
        self.errors.append(PollError(url, reason))
        count = self.state.failures.get(url, 0) + 1
        self.state.failures[url] = SourceState.max_failures if permanent else count
        if not self.state.given_up(url):
            self._incomplete = True

    def now_iso(self) -> str:
        return self.ctx.now().isoformat()

    async def fetch_document(
        self, url: str, *, kind: Kind = "text", index: bool = True
    ) -> FetchResponse | None:
        """GET with the stored validators; None when unchanged (304) or failed (recorded)."""
        if index:
            self._index_urls.add(url)
        headers: dict[str, str] = {}
        stored = self.state.validators.get(url, {})
        if index and stored.get("etag"):
            headers["If-None-Match"] = stored["etag"]
        if index and stored.get("last_modified"):
            headers["If-Modified-Since"] = stored["last_modified"]
        self.requests += 1
        try:
            response = await self.ctx.fetcher.get(url, kind=kind, headers=headers)
        except FetchError as exc:
            self.fail(url, exc.reason, permanent=exc.reason.startswith("blocked"))
            return None
        if response.status == 304:
            return None
        if not response.ok:
            self.fail(url, f"HTTP {response.status}", permanent=response.status in (404, 410))
            return None
        self.state.failures.pop(url, None)
        if index:
            fresh = {
                name: response.headers[header]
                for name, header in (("etag", "etag"), ("last_modified", "last-modified"))
                if header in response.headers
            }
            self.state.validators.pop(url, None)
            if fresh:
                self.state.validators[url] = fresh
        return response

    async def fetch_api(self, url: str, headers: dict[str, str]) -> FetchResponse | None:
        """GET an API answer (JSON) with ``headers``; None when it failed (recorded)."""
        self.requests += 1
        try:
            response = await self.ctx.fetcher.get(url, kind="text", headers=headers)
        except FetchError as exc:
            self.fail(url, exc.reason, permanent=exc.reason.startswith("blocked"))
            return None
        if not response.ok:
            self.fail(url, f"HTTP {response.status}")
            return None
        self.state.failures.pop(url, None)
        return response

    async def fetch_page(self, url: str, *, index: bool = False) -> FetchedPage | None:
        """One HTML page over HTTP or the renderer, counted against the page budget (and not
        begun when it would not finish within the poll's time for pages)."""
        if self.budget <= 0 or (not index and self._time_is_up()):
            self.out_of_budget = self._incomplete = True
            return None
        self.budget -= 1
        if index:
            return await self._fetch_page(url, index=True)
        self._begun += 1
        started = time.monotonic()
        try:
            return await self._fetch_page(url, index=False)
        finally:
            self._took.append(time.monotonic() - started)

    async def _fetch_page(self, url: str, *, index: bool) -> FetchedPage | None:
        if self.spec.render == "browser" and self.ctx.renderer is not None:
            return await self._render(url)
        response = await self.fetch_document(url, kind="page", index=index)
        if response is None:
            return None
        if response.media_type not in _HTML_TYPES:
            self.fail(url, f"not HTML ({response.media_type})", permanent=True)
            return None
        return FetchedPage(url, response.final_url, response.text(), response.status)

    def _time_is_up(self) -> bool:
        """A page begun now would not end within the poll's time for pages (judged by the
        pages this poll has fetched so far), and the poll has begun at least one page."""
        if self.stop_at is None or self._begun < _MIN_PAGES:
            return False
        typical = sum(self._took) / len(self._took) if self._took else 0.0
        return time.monotonic() + typical >= self.stop_at

    async def _render(self, url: str) -> FetchedPage | None:
        self.requests += 1
        try:
            await asyncio.to_thread(self.ctx.fetcher.check, url)
            final_url, html = await self.ctx.renderer(url)  # type: ignore[misc]
        except BlockedUrl as exc:
            self.fail(url, f"blocked: {exc.reason}", permanent=True)
            return None
        except Exception as exc:  # the renderer is a plug-in: any failure is one URL's error
            self.fail(url, f"render failed: {type(exc).__name__}: {exc}")
            return None
        self.state.failures.pop(url, None)
        return FetchedPage(url, final_url, html)

    async def fetch_pages(self, urls: Sequence[str]) -> list[FetchedPage | None]:
        """Several pages at once (the fetcher still enforces its per-host limits)."""
        rendered = self.spec.render == "browser" and self.ctx.renderer is not None
        gate = asyncio.Semaphore(_RENDER_CONCURRENCY if rendered else _FETCH_CONCURRENCY)

        async def one(url: str) -> FetchedPage | None:
            async with gate:
                return await self.fetch_page(url)

        return list(await asyncio.gather(*(one(url) for url in urls)))

    def offer(self, page: FetchedPage, media_hints: Iterable[str] = ()) -> bool:
        """Hand the page over when it is new or changed; True when it was."""
        try:
            mark = fingerprint(page.html)
        except Exception:  # a page the parser cannot read is still handed over, once
            logger.warning("cannot fingerprint %s", page.url, exc_info=True)
            mark = hashlib.sha256(page.html.encode("utf-8", "replace")).hexdigest()
        if self.state.fingerprints.get(page.url) == mark:
            return False
        self.state.fingerprints.pop(page.url, None)
        self.state.fingerprints[page.url] = mark
        self.pages.append(
            FoundPage(
                url=page.url,
                final_url=page.final_url,
                html=page.html,
                fetched_at=self.ctx.now(),
                language_hint=self.spec.language,
                status=page.status,
                media_hints=tuple(media_hints),
            )
        )
        return True

    def usable(self, url: str) -> bool:
        """Not yet handed over (or due again by age), not given up, and shaped like a page."""
        if self.state.given_up(url) or not looks_like_page(url):
            return False
        return not self.state.is_seen(url) or self.due_again(url)

    def due_again(self, url: str) -> bool:
        """A seen post older than ``refetch_seconds`` is fetched again (an edit may add media);
        it is handed over only if its fingerprint changed."""
        after = self.spec.refetch_seconds
        when = self.state.seen.get(url)
        if after is None or when is None:
            return False
        try:
            seen_at = datetime.fromisoformat(when)
        except ValueError:
            return True
        return (self.ctx.now() - seen_at).total_seconds() >= after

    async def crawl(
        self, start: Iterable[tuple[str, int]], max_depth: int, skip: Iterable[str] = ()
    ) -> None:
        """Fetch unseen post pages breadth-first, following same-site links to ``max_depth``.

        ``skip`` names index pages (listings, search results) that are not posts.
        """
        level = [(url, depth) for url, depth in start if depth <= max_depth]
        visited: set[str] = set(skip)
        while level and not self.out_of_budget:
            batch: list[tuple[str, int]] = []
            for url, depth in newest_first(level):
                if url not in visited and self.usable(url):
                    visited.add(url)
                    batch.append((url, depth))
            results = await self.fetch_pages([url for url, _ in batch])
            level = []
            for (url, depth), page in zip(batch, results, strict=True):
                if page is None:
                    if self.state.given_up(url):
                        self.state.mark_seen(url, self.ctx.now())
                    continue
                self.offer(page)
                self.state.mark_seen(url, self.ctx.now())
                if depth < max_depth:
                    level.extend((link.url, depth + 1) for link in self.site_links(page))

    def site_links(self, page: FetchedPage) -> list[Link]:
        """Links of ``page`` that stay on the source's site."""
        try:
            links = extract_links(LexborHTMLParser(page.html), page.final_url)
        except Exception:  # a hostile page's markup never stops the poll
            logger.warning("cannot read links of %s", page.url, exc_info=True)
            return []
        return [link for link in links if same_site(link.url, self.spec.url)]
