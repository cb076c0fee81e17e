"""Login throttle with exponential backoff, shared through the database by every web process.

Failures are counted under three keys: the account from one address (tight: the guesser is slowed
down after a few tries), the address alone and the account alone (loose: a spray over many
accounts, or over many addresses, slows down too). Nothing is locked for good: each failure past a
key's free allowance doubles that key's wait, up to a cap, and a quiet window forgets it. The real
user at another address is held only by the loose account key, far above a guesser's few tries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from takedown.store.base import utcnow
from takedown.store.tables import LoginThrottle as ThrottleRow


@dataclass(frozen=True)
class ThrottleLimits:
    """Failures allowed per key before waiting starts; waits double from ``base`` to ``cap``."""

    per_account_address: int = 3
    per_address: int = 20
    per_account: int = 50
    base_seconds: float = 1.0
    cap_seconds: float = 900.0
    forget_seconds: float = 3600.0


def _keys(username: str, address: str) -> dict[str, int]:
    return {
        f"ua:{username.lower()[:100]}|{address[:60]}": 0,
        f"a:{address[:60]}": 1,
        f"u:{username.lower()[:100]}": 2,
    }


class LoginThrottle:
    def __init__(
        self, limits: ThrottleLimits | None = None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.limits = limits or ThrottleLimits()
        self._clock = clock

    def _free(self, kind: int) -> int:
        lim = self.limits
        return (lim.per_account_address, lim.per_address, lim.per_account)[kind]

    def wait_seconds(self, session: Session, username: str, address: str) -> float:
        """Seconds until this account may try again from this address (0: now)."""
        keys = _keys(username, address)
        rows = session.execute(select(ThrottleRow).where(ThrottleRow.key.in_(keys))).scalars()
        now = self._clock()
        waits = [(r.blocked_until - now).total_seconds() for r in rows]
        return max([0.0, *waits])

    def failed(self, session: Session, username: str, address: str) -> None:
        now = self._clock()
        forget = timedelta(seconds=self.limits.forget_seconds)
        for key, kind in _keys(username, address).items():
            row = session.get(ThrottleRow, key, with_for_update=True)
            if row is None:
                try:
                    with session.begin_nested():
                        row = ThrottleRow(key=key, failures=0, blocked_until=now, updated_at=now)
                        session.add(row)
                except IntegrityError:  # another process inserted it first
                    row = session.get(
                        ThrottleRow, key, with_for_update=True, populate_existing=True
                    )
                    if row is None:
                        continue
            if now - row.updated_at > forget:
                row.failures = 0
            row.failures += 1
            row.updated_at = now
            over = row.failures - self._free(kind)
            if over >= 0:
                delay = min(self.limits.base_seconds * 2**over, self.limits.cap_seconds)
                row.blocked_until = now + timedelta(seconds=delay)

    def succeeded(self, session: Session, username: str, address: str) -> None:
        """The right password from this address: that pair starts afresh (the loose keys stay)."""
        key = f"ua:{username.lower()[:100]}|{address[:60]}"
        session.execute(delete(ThrottleRow).where(ThrottleRow.key == key))
