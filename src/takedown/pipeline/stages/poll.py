"""Poll stage: run a source's poll, ingest what it found, schedule its next poll."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache
from typing import ClassVar

from sqlalchemy import select

from takedown.config import Settings
from takedown.extract.keywords import KeywordMatcher
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Work
from takedown.pipeline.stages.ingest import CaseKeywords, ingest_page
from takedown.sources.base import PollContext, SourceSpec, SourceState
from takedown.sources.registry import poll_source
from takedown.store.base import utcnow
from takedown.store.db import Database
from takedown.store.tables import Case, Source

log = logging.getLogger(__name__)
POLL_TIMEOUT = 600.0


def case_keywords(db: Database, extra: list[str]) -> CaseKeywords:
    """Every case's keywords (and the source's own, which belong to no case)."""
    owners: dict[str, set[int | None]] = {}
    with db.session() as s:
        for case_id, words in s.execute(select(Case.id, Case.keywords)):
            for w in words or []:
                owners.setdefault(" ".join(str(w).split()), set()).add(case_id)
    for w in extra:
        owners.setdefault(" ".join(w.split()), set()).add(None)
    owners.pop("", None)
    return CaseKeywords(_matcher(tuple(sorted(owners))) if owners else None, owners)


@lru_cache(maxsize=32)
def _matcher(words: tuple[str, ...]) -> KeywordMatcher:
    """Variants are generated once per set of keywords, not at every poll (read-only after)."""
    return KeywordMatcher(list(words))


class PollStage:
    """Poll a source over HTTP, ingest what it found, schedule its next poll."""

    name: ClassVar[str] = "poll"
    lane: ClassVar[str] = "poll"
    successors: ClassVar[tuple[str, ...]] = ("fetch", "rematch", "capture", "draft")
    work: ClassVar[Work | None] = Work(
        Source,
        ready="queued",
        working="polling",
        done="idle",
        where=lambda: Source.render != "browser",
    )

    def __init__(self, ctx: StageContext) -> None:
        self.ctx = ctx

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return settings.poll_concurrency

    def run(self, source_id: int) -> None:
        ctx = self.ctx
        with ctx.db.session() as s:
            src = s.get(Source, source_id)
            if src is None or src.deleted:
                return
            spec = SourceSpec.from_mapping(
                {
                    "url": src.url,
                    "kind": src.kind,
                    "interval_seconds": src.interval_seconds,
                    "render": src.render,
                    "keywords": src.keywords,
                    "language": src.language,
                    "max_depth": src.max_depth,
                }
            )
            state = SourceState.from_json(src.poll_state)
        keywords = case_keywords(ctx.db, list(spec.keywords))
        renderer = None
        if spec.render == "browser":
            browser = ctx.services.browser

            async def render(url: str) -> tuple[str, str]:
                page = await browser.render(url)
                return page.final_url, page.html

            renderer = render
        poll_ctx = PollContext(
            fetcher=ctx.services.fetcher,
            renderer=renderer,
            keywords=keywords.matcher,
            page_budget=ctx.settings.poll_page_budget,
        )
        try:
            result = ctx.services.run(poll_source(spec, state, poll_ctx), timeout=POLL_TIMEOUT)
        except Exception as exc:  # tried again at its next interval, with the reason shown
            log.warning("polling source %s failed: %s", source_id, exc)
            finish(ctx.db, source_id, f"{type(exc).__name__}: {exc}", None)
            return
        for found in result.pages:
            try:
                ingest_page(ctx, source_id, found, keywords, spec.language)
            except Exception:
                # One bad page never loses the poll: the others, and the new state, are kept.
                log.exception("ingesting %s failed", found.url)
        errors = "; ".join(f"{e.url}: {e.reason}" for e in result.errors[:5]) or None
        finish(ctx.db, source_id, errors, result.state)


class RenderPollStage(PollStage):
    """Poll a JavaScript-rendered source in the browser lane (never blocking an I/O worker)."""

    name: ClassVar[str] = "render"
    lane: ClassVar[str] = "browser"
    work: ClassVar[Work | None] = Work(
        Source,
        ready="queued",
        working="polling",
        done="idle",
        where=lambda: Source.render == "browser",
    )

    @classmethod
    def concurrency(cls, settings: Settings) -> int:
        return settings.render_concurrency


def finish(db: Database, source_id: int, error: str | None, state: SourceState | None) -> None:
    with db.session() as s:
        src = s.get(Source, source_id)
        if src is None:
            return
        now = utcnow()
        src.last_polled_at = now
        src.last_error = error[:2000] if error else None
        src.failing_since = (src.failing_since or now) if error else None
        if state is not None:
            state.compact()
            src.poll_state = state.to_json()
        src.polls += 1
        src.next_poll_at = now + timedelta(seconds=src.interval_seconds)
        src.state = "idle"
        src.state_changed_at = now
