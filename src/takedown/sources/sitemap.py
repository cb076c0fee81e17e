"""Sitemaps and sitemap indexes: pages whose ``<lastmod>`` changed, or that are new, are fetched."""

from __future__ import annotations

import gzip
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from takedown.sources.base import PollContext, PollResult, SourceSpec, SourceState
from takedown.sources.session import PollSession

__all__ = ["SitemapSource", "parse_sitemap"]

_MAX_SITEMAPS = 50
_MAX_XML_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, uncompressed


@dataclass(frozen=True)
class Sitemap:
    """``index`` lists child sitemaps, otherwise pages; each entry is (loc, lastmod or "")."""

    index: bool
    entries: tuple[tuple[str, str], ...]


def parse_sitemap(content: bytes, base_url: str) -> Sitemap:
    """Parse a sitemap or sitemap index (gzip accepted); ValueError on anything else."""
    if content[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(content)) as unzipped:
            content = unzipped.read(_MAX_XML_BYTES + 1)
        if len(content) > _MAX_XML_BYTES:
            raise ValueError("sitemap too large once decompressed")
    if b"<!ENTITY" in content or b"<!DOCTYPE" in content.upper():
        raise ValueError("sitemap declares a DTD or entities")
    try:
        root = ET.fromstring(content)  # noqa: S314 - no DTD, so no entity expansion
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from exc
    kind = root.tag.rsplit("}", 1)[-1]
    if kind not in ("sitemapindex", "urlset"):
        raise ValueError(f"not a sitemap (root <{kind}>)")
    entries: list[tuple[str, str]] = []
    for item in root:
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in item}
        loc = fields.get("loc", "")
        if loc:
            entries.append((urljoin(base_url, loc), fields.get("lastmod", "")))
    return Sitemap(kind == "sitemapindex", tuple(entries))


class SitemapSource:
    """``sitemap``: a sitemap or sitemap index URL."""

    kind = "sitemap"

    async def poll(self, spec: SourceSpec, state: SourceState, ctx: PollContext) -> PollResult:
        session = PollSession(spec, state, ctx)
        queue = [spec.url]
        done: set[str] = set()
        children: dict[str, str] = {}
        candidates: list[tuple[str, str]] = []
        while queue and len(done) < _MAX_SITEMAPS:
            url = queue.pop(0)
            if url in done:
                continue
            done.add(url)
            response = await session.fetch_document(url)
            if response is None:
                continue
            try:
                sitemap = parse_sitemap(response.content, response.final_url)
            except (ValueError, OSError, EOFError) as exc:
                session.fail(url, str(exc))
                continue
            if url in children:
                session.state.lastmods[url] = children[url]
            for loc, lastmod in sitemap.entries:
                if urlsplit(loc).scheme not in ("http", "https"):
                    continue
                if lastmod and session.state.lastmods.get(loc) == lastmod:
                    continue
                if sitemap.index:
                    children[loc] = lastmod
                    queue.append(loc)
                elif loc in session.state.lastmods and not lastmod:
                    continue
                elif not session.state.given_up(loc):
                    candidates.append((loc, lastmod))
        pages = await session.fetch_pages([loc for loc, _ in candidates])
        for (loc, lastmod), page in zip(candidates, pages, strict=True):
            if page is None:
                if session.state.given_up(loc):
                    session.state.lastmods[loc] = lastmod
                continue
            session.offer(page)
            session.state.lastmods.pop(loc, None)
            session.state.lastmods[loc] = lastmod
            session.state.mark_seen(loc, ctx.now())
        return session.result()
