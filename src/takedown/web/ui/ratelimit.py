"""Login throttling: failures counted per username and per client address in a sliding window.

Kept in memory: one process serves the UI in both deployments; a restart forgets the counts,
which only ever loosens the limit for a few minutes.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LoginLimits:
    per_user: int = 5
    per_address: int = 20
    window_seconds: float = 900.0


class LoginLimiter:
    def __init__(
        self, limits: LoginLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or LoginLimits()
        self._clock = clock
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        q = self._fails[key]
        horizon = self._clock() - self.limits.window_seconds
        while q and q[0] < horizon:
            q.popleft()
        return q

    def blocked(self, username: str, address: str) -> bool:
        with self._lock:
            return (
                len(self._recent(f"u:{username.lower()}")) >= self.limits.per_user
                or len(self._recent(f"a:{address}")) >= self.limits.per_address
            )

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            self._fails[f"u:{username.lower()}"].append(now)
            self._fails[f"a:{address}"].append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._fails.pop(f"u:{username.lower()}", None)
