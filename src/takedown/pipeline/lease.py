"""Leases of the items this process is working on, renewed while their stage runs.

The sweeper hands back an item that sat in a working state longer than the lease (its worker
died). A stage may legitimately run longer than that (a slow capture, a retro-match over a large
store), so while an item is held its lease is renewed every third of the lease: only a dead
worker's items ever grow old enough to be swept, and no second copy of a live item starts.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import update

from takedown.pipeline.graph import Work
from takedown.store.base import utcnow
from takedown.store.db import Database

log = logging.getLogger(__name__)


class Leases:
    """Held (work, item) pairs and the daemon thread that renews them."""

    def __init__(self, db: Database, lease_seconds: float) -> None:
        self.db = db
        self.every = max(0.5, lease_seconds / 3)
        self._held: Counter[tuple[Work, int]] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def held(self, work: Work, item_id: int) -> Iterator[None]:
        key = (work, item_id)
        with self._lock:
            self._held[key] += 1
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(
                    target=self._loop, name="takedown-leases", daemon=True
                )
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._held[key] -= 1
                if self._held[key] <= 0:
                    del self._held[key]

    def renew(self) -> int:
        """Move the lease of every held item to now; returns how many rows were renewed."""
        with self._lock:
            keys = list(self._held)
        by_work: dict[Work, list[int]] = {}
        for work, item_id in keys:
            by_work.setdefault(work, []).append(item_id)
        renewed = 0
        now = utcnow()
        with self.db.session() as s:
            for work, ids in by_work.items():
                res = s.execute(
                    update(work.model)
                    .where(work.model.id.in_(ids), work.column("state") == work.working)
                    .values({work.changed: now})
                )
                renewed += int(res.rowcount)  # type: ignore[attr-defined]
        return renewed

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.renew()
            except Exception:  # a database hiccup: the next round tries again
                log.exception("renewing leases failed")

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
