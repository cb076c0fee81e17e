"""Housekeeping jobs of the scheduler: evidence retention, time-stamps of the audit head, alerts."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import ClassVar

from takedown.alerts.dispatch import notify
from takedown.alerts.feed import collect
from takedown.audit_stamp import Stamp, stamp_head
from takedown.config import Settings
from takedown.evidence.timestamp import HttpTimestampAuthority, TimestampError
from takedown.pipeline.context import JobContext
from takedown.review.retention import Expired, enforce_retention

log = logging.getLogger(__name__)


class EnforceRetention:
    """Deletes evidence artifacts older than their kind's retention period (never handed-over)."""

    name: ClassVar[str] = "enforce_retention"
    lane: ClassVar[str] = "notice"
    successors: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx

    @classmethod
    def interval(cls, settings: Settings) -> float:
        return settings.retention_check_seconds

    def run(self, now: datetime) -> Expired:
        services = self.ctx.services
        with self.ctx.db.session() as s:
            expired = enforce_retention(
                s,
                self.ctx.settings,
                now,
                store=services.store if services is not None else None,
                signer=services.signer if services is not None else None,
            )
        if expired.artifacts:
            log.info("retention: %d artifacts deleted %s", expired.artifacts, expired.by_kind)
        return expired


class StampAuditHead:
    """RFC 3161 time-stamp of the audit chain's head at TAKEDOWN_AUDIT_STAMP_SECONDS."""

    name: ClassVar[str] = "stamp_audit_head"
    lane: ClassVar[str] = "notice"
    successors: ClassVar[tuple[str, ...]] = ()
    _warned: ClassVar[bool] = False

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx

    @classmethod
    def interval(cls, settings: Settings) -> float:
        return settings.audit_stamp_seconds

    def run(self, now: datetime) -> Stamp | None:
        settings = self.ctx.settings
        if not settings.tsa_url:
            if settings.mode == "production" and not StampAuditHead._warned:
                StampAuditHead._warned = True
                log.warning("no TAKEDOWN_TSA_URL: the audit log's head is not time-stamped")
            return None
        tsa = HttpTimestampAuthority(settings.tsa_url)
        try:
            with self.ctx.db.session() as s:
                return stamp_head(s, tsa, settings.tsa_url)
        except TimestampError as exc:
            log.warning("time-stamping the audit head failed: %s", exc)
            return None


class DispatchAlerts:
    """Officers' alerts from the audit log, sent off the scheduler's thread (a slow webhook
    never delays a poll); one dispatch at a time."""

    name: ClassVar[str] = "dispatch_alerts"
    lane: ClassVar[str] = "notice"
    successors: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="alerts-job")
        self._running: Future[int] | None = None

    @classmethod
    def interval(cls, settings: Settings) -> float:
        return settings.alert_check_seconds

    def run(self, now: datetime) -> Future[int] | None:
        if not self.ctx.settings.alert_targets:
            return None
        if self._running is not None and not self._running.done():
            return None
        self._running = self._pool.submit(self.dispatch, now)
        return self._running

    def dispatch(self, now: datetime) -> int:
        """Collect and send; returns the number of alerts handed to the targets."""
        try:
            with self.ctx.db.session() as s:
                events = collect(s, now)
            with self.ctx.db.session() as s:
                for event in events:
                    notify(s, self.ctx.settings, event, now=now)
            return len(events)
        except Exception:  # alerts are best effort; the job runs again at its interval
            log.exception("alert dispatch failed")
            return 0
