"""Poll stage: fetch a source, record what it found, schedule its next poll."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx

from takedown.pipeline.stage import Stage
from takedown.store.base import utcnow
from takedown.store.tables import Source

if TYPE_CHECKING:
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)


def run(rt: Runtime, source_id: int) -> None:
    with rt.db.session() as s:
        src = s.get(Source, source_id)
        if src is None:
            return
        url = src.url
    error: str | None = None
    try:
        with httpx.Client(timeout=20, headers={"User-Agent": rt.settings.user_agent}) as client:
            resp = client.get(url)
            if resp.status_code >= 400:
                error = f"HTTP {resp.status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    finish(rt, source_id, error)


def finish(rt: Runtime, source_id: int, error: str | None) -> None:
    with rt.db.session() as s:
        src = s.get(Source, source_id)
        if src is None:
            return
        now = utcnow()
        src.last_polled_at = now
        src.last_error = error
        src.polls += 1
        src.next_poll_at = now + timedelta(seconds=src.interval_seconds)
        src.state = "idle"
        src.state_changed_at = now


def stage() -> Stage:
    return Stage(name="poll", model=Source, ready="queued", working="polling", run=run)
