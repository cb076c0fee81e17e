"""Listing pages (boards, galleries): pagination followed, same-site post links crawled."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from takedown.extract.text import Link
from takedown.sources.base import PollContext, PollResult, SourceSpec, SourceState
from takedown.sources.session import PollSession

__all__ = ["PageSource", "is_pagination"]

# "Next" in the languages of monitored boards, and the arrows boards use for it.
_NEXT_WORDS = re.compile(
    r"^(next|next page|older|more|다음|다음 페이지|次へ|次のページ|下一页|下页|后页|далее|"
    r"следующая|tiếp|trang sau|siguiente|suivant|weiter|›|»|>|>>|→)$",
    re.IGNORECASE,
)
_PAGE_PARAMS = ("page", "p", "pg", "pn", "paged", "offset", "start")


def is_pagination(link: Link, listing_url: str) -> bool:
    """Whether ``link`` leads to another page of the listing at ``listing_url``."""
    if {"next", "prev", "previous"} & set(link.rel):
        return True
    if _NEXT_WORDS.match(link.text.strip()) or link.text.strip().isdigit():
        target, listing = urlsplit(link.url), urlsplit(listing_url)
        return target.netloc == listing.netloc
    target, listing = urlsplit(link.url), urlsplit(listing_url)
    if target.path != listing.path or target.netloc != listing.netloc:
        return bool(re.search(r"/page/\d+/?$", target.path))
    return any(name in parse_qs(target.query) for name in _PAGE_PARAMS)


class PageSource:
    """``page``: a listing URL; its pages (up to ``max_listing_pages``) are read every poll."""

    kind = "page"

    async def poll(self, spec: SourceSpec, state: SourceState, ctx: PollContext) -> PollResult:
        session = PollSession(spec, state, ctx)
        listings = [spec.url]
        posts: list[tuple[str, int]] = []
        position = 0
        while position < len(listings) and position < ctx.max_listing_pages:
            url = listings[position]
            position += 1
            page = await session.fetch_page(url, index=True)
            if page is None:
                continue
            session.offer(page)
            for link in session.site_links(page):
                if is_pagination(link, spec.url) or is_pagination(link, url):
                    if link.url not in listings:
                        listings.append(link.url)
                elif link.url not in listings:
                    posts.append((link.url, 1))
        await session.crawl(posts, spec.max_depth, skip=listings)
        return session.result()
