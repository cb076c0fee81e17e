"""Retro stage: a new reference is matched at once against every media hash already stored.

Hits become detections with the media's own ``first_seen_at`` (when takedown first saw the
file), and their pages go to capture, which shows whether the file is still up.

The stored media are searched through an index of their packed hashes (retroindex.py), kept
by the stage and refreshed with the media stored since the last reference; the full matcher
then runs on the few candidates only. :func:`scan_all`, the full scan, is what the benchmark
compares it with (bench/bench_retro.py).
"""

from __future__ import annotations

import logging
import time
from typing import Any, ClassVar

from sqlalchemy import select

from takedown.config import Settings
from takedown.matching.engine import Matcher, MatchResult
from takedown.matching.hashes import MediaHashes, ReferenceHashes
from takedown.pipeline.context import StageContext
from takedown.pipeline.detections import Hit, record_hit
from takedown.pipeline.graph import Work
from takedown.pipeline.retroindex import StoredMediaIndex
from takedown.pipeline.routing import Next, route_hits
from takedown.pipeline.stages.media import MATCH_PRIORITY, pages_of
from takedown.store.db import Database
from takedown.store.tables import Media, Reference

log = logging.getLogger(__name__)
BATCH = 2000


class RetroStage:
    """Match one new reference against every media file seen before it arrived."""

    name: ClassVar[str] = "retro"
    lane: ClassVar[str] = "hash"
    successors: ClassVar[tuple[str, ...]] = ("capture", "draft")
    work: ClassVar[Work | None] = None

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx
        self.index = StoredMediaIndex()

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return 1

    def warm(self) -> None:
        """Index every stored media at worker start (a minute at a million media), so the first
        new reference is matched in seconds; each run then adds only what arrived since."""
        started = time.monotonic()
        added = self.index.refresh(self.ctx.db)
        log.info(
            "stored-media index ready: %d media, %d codes in %.1f s",
            added,
            self.index.codes,
            time.monotonic() - started,
        )

    def run(self, reference_id: int) -> None:
        ctx = self.ctx
        with ctx.db.session() as s:
            ref = s.get(Reference, reference_id)
            if ref is None:
                return
            case_id, hashes = ref.case_id, ReferenceHashes.from_dict(ref.hashes)
        hits = search_index(ctx.db, self.index, reference_id, case_id, hashes)
        after: list[Next] = []
        with ctx.db.session() as s:
            for media_id, results in hits:
                media = s.get(Media, media_id)
                if media is None:
                    continue
                for page in pages_of(s, media_id):
                    made = []
                    for r in results:
                        det = record_hit(
                            s,
                            page,
                            media,
                            Hit(
                                r.case_id,
                                r.reference_id,
                                media.kind,
                                r.algorithm,
                                r.distance,
                                r.confidence,
                                detail={"retroactive": True, **r.detail()},
                                priority=media.priority + MATCH_PRIORITY,
                                review=r.review,
                            ),
                        )
                        if det is not None:
                            det.first_seen_at = media.first_seen_at  # when the file was seen
                            made.append(det)
                    after += route_hits(s, page, made)
        if hits:
            log.info("reference %s matched %d media seen before it", reference_id, len(hits))
        for stage, item_id, prio in after:
            ctx.handoff(stage, item_id, prio)


Hits = list[tuple[int, list[MatchResult]]]


def _match_rows(matcher: Matcher, rows: list[Any]) -> Hits:
    hits: Hits = []
    for media_id, hashes in rows:
        if not hashes:
            continue
        try:
            found = matcher.match(MediaHashes.from_dict(hashes))
        except (ValueError, KeyError, TypeError):
            continue
        if found:
            hits.append((media_id, list(found)))
    return hits


def _matcher(reference_id: int, case_id: int, hashes: ReferenceHashes) -> Matcher:
    matcher = Matcher()
    matcher.add(reference_id, case_id, hashes)
    return matcher


def search_index(
    db: Database,
    index: StoredMediaIndex,
    reference_id: int,
    case_id: int,
    hashes: ReferenceHashes,
) -> Hits:
    """Hits among the index's candidates (after a refresh), each checked by the full matcher."""
    index.refresh(db)
    candidates = sorted(index.candidates(hashes))
    matcher = _matcher(reference_id, case_id, hashes)
    hits: Hits = []
    for start in range(0, len(candidates), 500):
        with db.session() as s:
            rows = s.execute(
                select(Media.id, Media.hashes)
                .where(Media.state == "done", Media.id.in_(candidates[start : start + 500]))
                .order_by(Media.id)
            ).all()
        hits += _match_rows(matcher, list(rows))
    return hits


def scan_all(db: Database, reference_id: int, case_id: int, hashes: ReferenceHashes) -> Hits:
    """The full scan: every stored media's hashes decoded and matched (the old way)."""
    matcher = _matcher(reference_id, case_id, hashes)
    hits: Hits = []
    last = 0
    while True:
        with db.session() as s:
            rows = s.execute(
                select(Media.id, Media.hashes)
                .where(Media.state == "done", Media.id > last)
                .order_by(Media.id)
                .limit(BATCH)
            ).all()
        if not rows:
            return hits
        last = rows[-1][0]
        hits += _match_rows(matcher, list(rows))
