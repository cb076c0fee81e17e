"""Fetch stage: download a found media file (I/O, poll lane) into the spool for hashing."""

from __future__ import annotations

import logging
from typing import ClassVar

from takedown.config import Settings
from takedown.fetch.http import FetchError
from takedown.pipeline import spool
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work
from takedown.store.base import utcnow
from takedown.store.db import Database
from takedown.store.tables import Media

log = logging.getLogger(__name__)
FETCH_TIMEOUT = 300.0


def fail_media(db: Database, media_id: int, reason: str) -> None:
    """A clean, final failure: the reason is kept, the worker goes on."""
    with db.session() as s:
        media = s.get(Media, media_id)
        if media is not None:
            media.state = "failed"
            media.error = reason[:2000]
            media.state_changed_at = utcnow()


class FetchMediaStage:
    """Download a media file found on a page (bounded, guarded), for the hash lane."""

    name: ClassVar[str] = "fetch"
    lane: ClassVar[str] = "poll"
    successors: ClassVar[tuple[str, ...]] = ("hash",)
    work: ClassVar[Work | None] = Work(Media, ready="new", working="fetching", done="fetched")

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return settings.fetch_concurrency

    def run(self, media_id: int) -> None:
        ctx = self.ctx
        with ctx.db.session() as s:
            media = s.get(Media, media_id)
            if media is None:
                return
            url = media.url
        try:
            resp = ctx.services.run(ctx.services.fetcher.get(url, kind="media"), FETCH_TIMEOUT)
        except FetchError as exc:
            fail_media(ctx.db, media_id, f"fetch: {exc.reason}")
            return
        if resp.status >= 400:
            fail_media(ctx.db, media_id, f"fetch: HTTP {resp.status}")
            return
        spool.put(ctx.services, spool.media_name(media_id), resp.content)
        with ctx.db.session() as s:
            media = s.get(Media, media_id)
            if media is None:
                return
            media.media_type = resp.media_type
            media.size = len(resp.content)
            media.state, media.error = "fetched", None
            media.state_changed_at = utcnow()
            priority = media.priority
        ctx.handoff("hash", media_id, priority)
