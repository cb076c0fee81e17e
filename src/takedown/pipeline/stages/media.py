"""Hash stage: hash a fetched media file (bounded, safely), match it, record detections.

Also the re-match of a media file already hashed that turns up on one more page.
"""

from __future__ import annotations

import hashlib
import logging
import os
from typing import ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.config import Settings
from takedown.matching.engine import MatchResult
from takedown.matching.hashes import MediaHashes
from takedown.matching.hashing import hash_media
from takedown.media.errors import MediaError
from takedown.pipeline import spool
from takedown.pipeline.context import StageContext
from takedown.pipeline.detections import Hit, record_hit
from takedown.pipeline.graph import Work
from takedown.pipeline.routing import Next, route_hits
from takedown.pipeline.stages.fetch import fail_media
from takedown.pipeline.stages.triage import triage_enabled
from takedown.store.base import utcnow
from takedown.store.tables import Media, Page, page_media

log = logging.getLogger(__name__)
MATCH_PRIORITY = 100.0


def cpu_workers(settings: Settings) -> int:
    return settings.hash_workers or max(1, os.cpu_count() or 1)


class HashStage:
    """Hash a fetched file (PDQ x8, vPDQ, exact), match it, record detections on its pages."""

    name: ClassVar[str] = "hash"
    lane: ClassVar[str] = "hash"
    successors: ClassVar[tuple[str, ...]] = ("capture", "draft", "triage", "fetch")
    work: ClassVar[Work | None] = Work(Media, ready="fetched", working="hashing", done="done")

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return cpu_workers(settings)

    def run(self, media_id: int) -> None:
        ctx = self.ctx
        name = spool.media_name(media_id)
        data = spool.take(ctx.services, name, keep=True)
        if data is None:  # the hand-over was lost: fetch the file again
            with ctx.db.session() as s:
                media = s.get(Media, media_id)
                if media is None:
                    return
                media.state, media.state_changed_at = "new", utcnow()
            ctx.handoff("fetch", media_id)
            return
        try:
            hashes = hash_media(data, ctx.services.hash_limits)
        except MediaError as exc:
            spool.drop(ctx.services, name)
            fail_media(ctx.db, media_id, f"hash: {exc}")
            return
        results = ctx.services.matcher.refresh().match(hashes, data=data)
        triage = hashes.kind == "image" and triage_enabled()
        if not triage:
            spool.drop(ctx.services, name)
        with ctx.db.session() as s:
            media = s.get(Media, media_id)
            if media is None:
                return
            media.sha256 = hashes.sha256 or hashlib.sha256(data).hexdigest()
            media.md5 = hashes.md5
            media.kind = hashes.kind
            media.hashes = hashes.to_dict()
            media.state, media.error = "done", None
            media.state_changed_at = utcnow()
            after = record_matches(s, media, pages_of(s, media_id), results)
            priority = media.priority
        for stage, item_id, prio in after:
            ctx.handoff(stage, item_id, prio)
        if triage:
            ctx.handoff("triage", media_id, priority)


class RematchStage:
    """Match the stored hashes of a page's already-hashed media for that page (no download)."""

    name: ClassVar[str] = "rematch"
    lane: ClassVar[str] = "hash"
    successors: ClassVar[tuple[str, ...]] = ("capture", "draft")
    work: ClassVar[Work | None] = None

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return 1

    def run(self, page_id: int) -> None:
        ctx = self.ctx
        with ctx.db.session() as s:
            rows = [
                (m.id, MediaHashes.from_dict(m.hashes))
                for m in _media_of(s, page_id)
                if m.state == "done" and m.hashes
            ]
        matcher = ctx.services.matcher.refresh()
        found = [(mid, matcher.match(h)) for mid, h in rows]
        after: list[Next] = []
        with ctx.db.session() as s:
            page = s.get(Page, page_id)
            if page is None:
                return
            for mid, results in found:
                media = s.get(Media, mid)
                if media is not None and results:
                    after += record_matches(s, media, [page], results)
        for stage, item_id, prio in after:
            ctx.handoff(stage, item_id, prio)


def _media_of(s: Session, page_id: int) -> list[Media]:
    return list(
        s.execute(
            select(Media)
            .join(page_media, page_media.c.media_id == Media.id)
            .where(page_media.c.page_id == page_id)
        ).scalars()
    )


def pages_of(s: Session, media_id: int) -> list[Page]:
    return list(
        s.execute(
            select(Page)
            .join(page_media, page_media.c.page_id == Page.id)
            .where(page_media.c.media_id == media_id)
        ).scalars()
    )


def record_matches(
    s: Session, media: Media, pages: list[Page], results: list[MatchResult]
) -> list[Next]:
    """Detections for ``results`` on each page, and what they need next."""
    after: list[Next] = []
    for page in pages:
        made = []
        for r in results:
            hit = Hit(
                r.case_id,
                r.reference_id,
                media.kind,
                r.algorithm,
                r.distance,
                r.confidence,
                detail=r.detail() or None,  # video: matched segments and signals
                priority=media.priority + MATCH_PRIORITY * r.confidence,
                review=r.review,  # a match by sound alone waits for an officer
            )
            det = record_hit(s, page, media, hit)
            if det is not None:
                made.append(det)
        after += route_hits(s, page, made)
    return after
