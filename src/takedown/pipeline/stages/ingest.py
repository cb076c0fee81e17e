"""Ingest: a page a source found → extract → media to hash, keyword detections, evidence."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from takedown.extract.keywords import KeywordMatcher
from takedown.extract.media import media_kind_from_url
from takedown.extract.page import PageExtract, extract_page
from takedown.notices.contacts.discover import site_key
from takedown.pipeline.context import StageContext
from takedown.pipeline.detections import Hit, record_hit, url_hash
from takedown.pipeline.routing import route_hits
from takedown.sources.base import FoundPage
from takedown.store.tables import Media, Page, page_media

log = logging.getLogger(__name__)
KEYWORD_PRIORITY = 10.0
MAX_MEDIA_PER_PAGE = 200


@dataclass(frozen=True)
class CaseKeywords:
    """One matcher for every keyword, and which cases (None: the source's own) own each."""

    matcher: KeywordMatcher | None
    owners: dict[str, set[int | None]]

    def cases_hit(self, extract: PageExtract) -> dict[int | None, list[str]]:
        out: dict[int | None, list[str]] = {}
        for hit in extract.keyword_hits:
            for case in self.owners.get(hit.keyword, ()):
                out.setdefault(case, []).append(hit.keyword)
        return out


def fingerprint(extract: PageExtract) -> str:
    media = "\n".join(sorted(m.url for m in extract.media))
    return hashlib.sha256(f"{extract.title}\n{extract.text}\n{media}".encode()).hexdigest()


def _upsert_page(s: Session, source_id: int | None, found: FoundPage) -> Page:
    key = url_hash(found.url)
    page = s.execute(select(Page).where(Page.url_hash == key)).scalar_one_or_none()
    if page is None:
        page = Page(url_hash=key, url=found.url, source_id=source_id, site=site_key(found.url))
        s.add(page)
        s.flush()
    return page


def _link_media(
    s: Session, page: Page, urls: Iterable[tuple[str, str]], priority: float
) -> list[int]:
    """Media rows for `urls` (url, kind), linked to `page`; returns ids of those to hash."""
    to_hash: list[int] = []
    for url, kind in list(urls)[:MAX_MEDIA_PER_PAGE]:
        key = url_hash(url)
        media = s.execute(select(Media).where(Media.url_hash == key)).scalar_one_or_none()
        if media is None:
            media = Media(
                url_hash=key, url=url, page_id=page.id, kind=kind, state="new", priority=priority
            )
            s.add(media)
            s.flush()
            to_hash.append(media.id)
        else:
            media.priority = max(media.priority, priority)
        linked = s.execute(
            select(page_media.c.page_id).where(
                page_media.c.page_id == page.id, page_media.c.media_id == media.id
            )
        ).first()
        if linked is None:
            s.execute(insert(page_media).values(page_id=page.id, media_id=media.id))
            if media.state == "done" and media.id not in to_hash:
                to_hash.append(-media.id)  # already hashed: match again for this page only
    return to_hash


def ingest_page(
    ctx: StageContext,
    source_id: int | None,
    found: FoundPage,
    keywords: CaseKeywords,
    hint: str | None,
) -> int | None:
    """Store the page if new or changed; returns its id, or None when nothing changed."""
    extract = extract_page(
        found.html, found.final_url, keywords.matcher, language_hint=found.language_hint or hint
    )
    digest = fingerprint(extract)
    hits = keywords.cases_hit(extract)
    with ctx.db.session() as s:
        page = _upsert_page(s, source_id, found)
        page.last_fetched_at = found.fetched_at
        if page.content_sha256 == digest:
            return None
        page.content_sha256 = digest
        page.final_url = found.final_url
        page.title = extract.title[:1000] or None
        page.language = extract.language
        page.excerpt = extract.text[:2000]
        page.keyword_hits = [
            {"keyword": h.keyword, "variant": h.variant, "kind": h.kind, "matched": h.matched}
            for h in extract.keyword_hits[:50]
        ]
        priority = KEYWORD_PRIORITY if hits else 0.0
        media_urls = [(m.url, m.kind) for m in extract.media]
        linked = {url for url, _kind in media_urls}
        media_urls += [
            (u, media_kind_from_url(u) or "image")  # the media stage sniffs the real kind
            for u in found.media_hints
            if u not in linked
        ]
        work = _link_media(s, page, media_urls, priority)
        made = []
        for case_id, words in hits.items():
            det = record_hit(
                s,
                page,
                None,
                Hit(
                    case_id,
                    None,
                    "text",
                    "keyword",
                    0.0,
                    detail={"keywords": sorted(set(words))},
                    priority=priority,
                ),
            )
            if det is not None:
                made.append(det)
        # A keyword hit alone opens a capture only for a case; proactive ones wait for triage.
        after = route_hits(s, page, made)
        page_id = page.id
    for media_id in work:
        if media_id > 0:
            ctx.handoff("fetch", media_id, priority)
    if any(media_id < 0 for media_id in work):
        ctx.handoff("rematch", page_id, priority)  # media hashed before, seen on this page too
    for stage, item_id, prio in after:
        ctx.handoff(stage, item_id, prio)
    return page_id
