"""OCR: text burned into an image (a name, a handle, a keyword) becomes a keyword detection.

:class:`WakeOcr` runs at every scheduler tick but hands work over only when the hash lane has
nothing queued (its spare time): a few hashed images not read yet, best priority first. The
:class:`OcrStage` fetches the image again through the guarded fetcher (originals are never
kept), reads it with Tesseract within ``ocr_timeout_seconds`` and matches the text against
every case's keywords; a hit is recorded on each page showing the image, as a ``text``
detection with ``algorithm`` ``ocr``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import ClassVar

from sqlalchemy import select, update

from takedown.config import Settings
from takedown.extract.ocr import languages_for, ocr_available, ocr_image
from takedown.fetch.http import FetchError
from takedown.pipeline.context import JobContext, StageContext
from takedown.pipeline.detections import Hit, record_hit
from takedown.pipeline.graph import Work
from takedown.pipeline.routing import route_hits
from takedown.pipeline.stages.media import pages_of
from takedown.pipeline.stages.poll import case_keywords
from takedown.store.tables import Media

log = logging.getLogger(__name__)
OCR_PRIORITY = -10.0  # below every other hash-lane task
OCR_KEYWORD_PRIORITY = 10.0
MAX_OCR_BYTES = 20 * 1024 * 1024


class WakeOcr:
    """Hashed images not read yet go to OCR, a few per tick, when the hash lane is idle."""

    name: ClassVar[str] = "wake_ocr"
    lane: ClassVar[str] = "hash"
    successors: ClassVar[tuple[str, ...]] = ("ocr",)

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx

    @classmethod
    def interval(cls, settings: Settings) -> float:
        return settings.scheduler_tick_seconds

    def run(self, now: datetime) -> list[int]:
        ctx = self.ctx
        if not ctx.settings.ocr_enabled or "ocr" not in ctx.local_stages:
            return []
        if ctx.pending("hash") > 0 or ctx.pending("ocr") > 0:
            return []  # only in the hash lane's spare time
        with ctx.db.session() as s:
            ids = list(
                s.execute(
                    select(Media.id)
                    .where(Media.state == "done", Media.kind == "image", Media.ocr_state.is_(None))
                    .order_by(Media.priority.desc(), Media.id.desc())
                    .limit(ctx.settings.ocr_batch)
                ).scalars()
            )
            claimed = []
            for media_id in ids:
                result = s.execute(
                    update(Media)
                    .where(Media.id == media_id, Media.ocr_state.is_(None))
                    .values(ocr_state="queued")
                )
                if getattr(result, "rowcount", 0):
                    claimed.append(media_id)
        for media_id in claimed:
            ctx.handoff("ocr", media_id, OCR_PRIORITY)
        return claimed


class OcrStage:
    """Read the text in a hashed image (Tesseract, bounded) and match the case keywords."""

    name: ClassVar[str] = "ocr"
    lane: ClassVar[str] = "hash"
    successors: ClassVar[tuple[str, ...]] = ("capture", "draft")
    work: ClassVar[Work | None] = None

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return 1

    def run(self, media_id: int) -> None:
        ctx = self.ctx
        settings = ctx.settings
        with ctx.db.session() as s:
            media = s.get(Media, media_id)
            if media is None or media.kind != "image":
                return
            url = media.url
            language = next((p.language for p in pages_of(s, media_id) if p.language), None)
        if not settings.ocr_enabled or not ocr_available():
            _finish(ctx, media_id, "skipped", None)
            return
        fetcher = ctx.services.fetcher
        try:
            response = ctx.services.run(fetcher.get(url, kind="media"), timeout=120)
        except (FetchError, TimeoutError) as exc:
            _finish(ctx, media_id, "failed", f"fetch: {exc}")
            return
        if not response.ok or len(response.content) > MAX_OCR_BYTES:
            _finish(ctx, media_id, "failed", f"fetch: HTTP {response.status}")
            return
        result = ocr_image(
            response.content,
            languages=languages_for(language, settings.ocr_languages or None),
            timeout=settings.ocr_timeout_seconds,
            max_pixels=settings.max_image_pixels,
        )
        if result.error:
            _finish(ctx, media_id, "failed", result.error)
            return
        keywords = case_keywords(ctx.db, [])
        hits = keywords.matcher.find(result.text) if keywords.matcher and result.text else []
        by_case: dict[int | None, set[str]] = {}
        for hit in hits:
            for case_id in keywords.owners.get(hit.keyword, ()):
                by_case.setdefault(case_id, set()).add(hit.keyword)
        after = []
        with ctx.db.session() as s:
            media = s.get(Media, media_id)
            if media is None:
                return
            media.ocr_state, media.ocr_text = "done", result.text[:5000] or None
            for page in pages_of(s, media_id):
                made = []
                for case_id, words in by_case.items():
                    det = record_hit(
                        s,
                        page,
                        media,
                        Hit(
                            case_id,
                            None,
                            "text",
                            "ocr",
                            0.0,
                            detail={
                                "keywords": sorted(words),
                                "ocr_languages": result.languages,
                                "matched": [h.matched for h in hits[:10]],
                            },
                            priority=OCR_KEYWORD_PRIORITY,
                        ),
                    )
                    if det is not None:
                        made.append(det)
                after += route_hits(s, page, made)
        for stage, item_id, prio in after:
            ctx.handoff(stage, item_id, prio)


def _finish(ctx: StageContext, media_id: int, state: str, error: str | None) -> None:
    if error:
        log.info("OCR of media %s: %s", media_id, error)
    with ctx.db.session() as s:
        media = s.get(Media, media_id)
        if media is not None:
            media.ocr_state = state
            media.ocr_text = None
