"""Site search: a URL template with ``{keyword}``, queried per case keyword and variant."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from takedown.extract.keywords import KeywordMatcher, search_variants
from takedown.sources.base import PollContext, PollResult, SourceSpec, SourceState
from takedown.sources.session import PollSession

__all__ = ["SearchSource", "search_queries"]

PLACEHOLDER = "{keyword}"


def search_queries(spec: SourceSpec, ctx: PollContext) -> list[str]:
    """The source's own keywords and the case keywords, each with its searchable variants."""
    queries: list[str] = []
    matchers = [KeywordMatcher(spec.keywords)] if spec.keywords else []
    if ctx.keywords is not None:
        matchers.append(ctx.keywords)
    for matcher in matchers:
        for variants in matcher.variants.values():
            for variant in search_variants(variants):
                if variant.text not in queries:
                    queries.append(variant.text)
    return queries


class SearchSource:
    """``search``: result pages are read every poll; unseen same-site results are fetched."""

    kind = "search"

    async def poll(self, spec: SourceSpec, state: SourceState, ctx: PollContext) -> PollResult:
        session = PollSession(spec, state, ctx)
        if PLACEHOLDER not in spec.url:
            session.fail(spec.url, "search URL has no {keyword}", permanent=True)
            return session.result()
        endpoint = urlsplit(spec.url.replace(PLACEHOLDER, "x")).path
        results: list[str] = []
        found: list[tuple[str, int]] = []
        for query in search_queries(spec, ctx):
            url = spec.url.replace(PLACEHOLDER, quote(query, safe=""))
            results.append(url)
            page = await session.fetch_page(url, index=True)
            if page is None:
                if session.out_of_budget:
                    break
                continue
            session.offer(page)
            found.extend(
                (link.url, 1)
                for link in session.site_links(page)
                if urlsplit(link.url).path != endpoint
            )
        await session.crawl(found, max(spec.max_depth, 1), skip=results)
        return session.result()
