"""Media stage: fetch a media file, hash it (bounded, safely), match it, record detections."""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.fetch.http import FetchError
from takedown.matching.engine import MatchResult
from takedown.matching.hashes import MediaHashes
from takedown.matching.hashing import hash_media
from takedown.media.errors import MediaError
from takedown.pipeline import services
from takedown.pipeline.detections import Hit, attach_evidence, ensure_evidence, record_hit
from takedown.pipeline.stage import Stage
from takedown.pipeline.stages.triage import enabled as triage_enabled
from takedown.pipeline.stages.triage import spool
from takedown.store.base import utcnow
from takedown.store.tables import Media, Page, page_media

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)
FETCH_TIMEOUT = 300.0
MATCH_PRIORITY = 100.0


def _fail(rt: Runtime, media_id: int, reason: str) -> None:
    """A clean, final failure: the reason is kept, the worker goes on."""
    with rt.db.session() as s:
        media = s.get(Media, media_id)
        if media is not None:
            media.state = "failed"
            media.error = reason[:2000]
            media.state_changed_at = utcnow()


def run(rt: Runtime, media_id: int) -> None:
    with rt.db.session() as s:
        media = s.get(Media, media_id)
        if media is None:
            return
        url = media.url
    try:
        resp = services.runner(rt).run(services.fetcher(rt).get(url, kind="media"), FETCH_TIMEOUT)
    except FetchError as exc:
        _fail(rt, media_id, f"fetch: {exc.reason}")
        return
    if resp.status >= 400:
        _fail(rt, media_id, f"fetch: HTTP {resp.status}")
        return
    data = resp.content
    try:
        hashes = hash_media(data, services.hash_limits(rt))
    except MediaError as exc:
        _fail(rt, media_id, f"hash: {exc}")
        return
    results = services.matcher(rt).refresh().match(hashes, data=data)
    with rt.db.session() as s:
        media = s.get(Media, media_id)
        if media is None:
            return
        media.sha256 = hashes.sha256 or hashlib.sha256(data).hexdigest()
        media.md5 = hashes.md5
        media.kind = hashes.kind
        media.size = len(data)
        media.media_type = resp.media_type
        media.hashes = hashes.to_dict()
        media.state = "done"
        media.error = None
        media.state_changed_at = utcnow()
        pages = _pages_of(s, media_id)
        captures = _record(s, media, pages, results)
    for ev_id in captures:
        rt.enqueue("capture", ev_id)
    if hashes.kind == "image" and triage_enabled(rt):
        spool(rt, media_id, data)
        rt.enqueue("triage", media_id)


def rematch(rt: Runtime, media_id: int, page_id: int) -> None:
    """A hashed media item seen on one more page: match its stored hashes for that page."""
    with rt.db.session() as s:
        media = s.get(Media, media_id)
        page = s.get(Page, page_id)
        if media is None or page is None or not media.hashes:
            return
        hashes = MediaHashes.from_dict(media.hashes)
    results = services.matcher(rt).refresh().match(hashes)
    with rt.db.session() as s:
        media = s.get(Media, media_id)
        page = s.get(Page, page_id)
        if media is None or page is None:
            return
        captures = _record(s, media, [page], results)
    for ev_id in captures:
        rt.enqueue("capture", ev_id)


def _pages_of(s: Session, media_id: int) -> list[Page]:
    return list(
        s.execute(
            select(Page)
            .join(page_media, page_media.c.page_id == Page.id)
            .where(page_media.c.media_id == media_id)
        ).scalars()
    )


def _record(s: Session, media: Media, pages: list[Page], results: list[MatchResult]) -> list[int]:
    captures: list[int] = []
    for page in pages:
        made = []
        for r in results:
            boost = media.priority + MATCH_PRIORITY * r.confidence
            hit = Hit(
                r.case_id,
                r.reference_id,
                media.kind,
                r.algorithm,
                r.distance,
                r.confidence,
                priority=boost,
            )
            det = record_hit(s, page, media, hit)
            if det is not None:
                made.append(det)
        if made:
            ev = ensure_evidence(s, page)
            if ev is not None:
                captures.append(ev.id)
            attach_evidence(s, made, page)
    return captures


def stage() -> Stage:
    return Stage(name="media", model=Media, ready="new", working="fetching", run=run, priority=5)
