"""Search engines: a search API queried per keyword and variant, its results fetched as pages.

``url`` is a template with ``{keyword}``, e.g. a center's own SearXNG
(``https://searx.example/search?q={keyword}&format=json``) or a Bing-compatible endpoint
(``https://api.example/v7.0/search?q={keyword}``, key in the source secret ``api_key``, sent as
``Ocp-Apim-Subscription-Key``). The answer's shape tells which: SearXNG's ``results[].url`` or
Bing's ``webPages.value[].url``. Each result not seen before is fetched (through the guard, any
site) and handed over; an answer that is not such JSON is an error for that query.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

from takedown.sources.base import PollContext, PollResult, SourceSpec, SourceState
from takedown.sources.search import PLACEHOLDER, search_queries
from takedown.sources.session import PollSession

__all__ = ["WebSearchSource", "result_urls"]

MAX_RESULTS_PER_QUERY = 50
MAX_QUERIES = 100


class JunkAnswerError(ValueError):
    """The search API's answer is not JSON we understand."""


def result_urls(body: bytes) -> list[str]:
    """Result URLs of a SearXNG or Bing-compatible JSON answer, in order, once each."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise JunkAnswerError(f"search API answered junk (not JSON: {exc})") from None
    if not isinstance(data, dict):
        raise JunkAnswerError("search API answered junk (not a JSON object)")
    if isinstance(data.get("results"), list):
        items = data["results"]
    elif isinstance(data.get("webPages"), dict) and isinstance(data["webPages"].get("value"), list):
        items = data["webPages"]["value"]
    elif isinstance(data.get("error"), dict | str):
        raise JunkAnswerError(f"search API error: {str(data['error'])[:200]}")
    else:
        raise JunkAnswerError("search API answered junk (neither results nor webPages.value)")
    urls: list[str] = []
    for item in items[:MAX_RESULTS_PER_QUERY]:
        url = item.get("url") if isinstance(item, dict) else None
        if isinstance(url, str) and urlsplit(url).scheme in ("http", "https") and url not in urls:
            urls.append(url)
    return urls


class WebSearchSource:
    """``websearch``: one API query per keyword and variant; unseen results fetched as pages."""

    kind = "websearch"

    async def poll(self, spec: SourceSpec, state: SourceState, ctx: PollContext) -> PollResult:
        session = PollSession(spec, state, ctx)
        if PLACEHOLDER not in spec.url:
            session.fail(spec.url, "search URL has no {keyword}", permanent=True)
            return session.result()
        headers = {"Accept": "application/json"}
        if ctx.secrets.get("api_key"):
            headers["Ocp-Apim-Subscription-Key"] = ctx.secrets["api_key"]
        queries = search_queries(spec, ctx)[:MAX_QUERIES]
        answered = 0
        junk: list[str] = []
        results: list[str] = []
        for query in queries:
            url = spec.url.replace(PLACEHOLDER, quote(query, safe=""))
            response = await session.fetch_api(url, headers)
            if response is None:
                continue
            try:
                found = result_urls(response.content)
            except JunkAnswerError as exc:
                session.fail(url, str(exc))
                junk.append(str(exc))
                continue
            answered += 1
            results.extend(u for u in found if u not in results and session.usable(u))
        if queries and not answered:
            reason = junk[0] if junk else "every query failed"
            session.fail(spec.url, f"search API: {reason}")
        for url in results:
            if session.out_of_budget:
                break
            page = await session.fetch_page(url)
            if page is None:
                if session.state.given_up(url):
                    session.state.mark_seen(url, ctx.now())
                continue
            session.offer(page)
            session.state.mark_seen(url, ctx.now())
        return session.result()
