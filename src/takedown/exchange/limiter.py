"""A per-token request limit shared by every web process, kept in the login throttle's table.

A fixed one-minute window per key: past ``per_minute`` calls the caller waits for the next window
(answered 429 with ``Retry-After``); the window's row is the same table the login throttle uses
(:mod:`takedown.accounts.throttle`), under its own ``rate:`` keys.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from takedown.store.base import utcnow
from takedown.store.tables import LoginThrottle as Row

WINDOW = timedelta(minutes=1)


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], datetime] = utcnow) -> None:
        self.per_minute = per_minute
        self._clock = clock

    def hit(self, session: Session, key: str) -> float:
        """Count one call under ``key``; seconds to wait before the next (0: this one is allowed)."""
        now = self._clock()
        name = f"rate:{key[:180]}"
        row = session.get(Row, name, with_for_update=True)
        if row is None:
            try:
                with session.begin_nested():
                    row = Row(key=name, failures=0, blocked_until=now, updated_at=now)
                    session.add(row)
            except IntegrityError:  # another process made it first
                row = session.get(Row, name, with_for_update=True, populate_existing=True)
                if row is None:
                    return 1.0
        if now - row.updated_at >= WINDOW:
            row.failures = 0
            row.updated_at = now  # the window starts with its first call
        row.failures += 1
        if row.failures > self.per_minute:
            return max(1.0, (row.updated_at + WINDOW - now).total_seconds())
        return 0.0
