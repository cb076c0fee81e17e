"""What one process of takedown shares: settings, database, queue, stages and lazily built services."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from huey import Huey

from takedown.config import Settings
from takedown.pipeline.queue import make_huey
from takedown.pipeline.stage import Stage, execute
from takedown.store.db import Database
from takedown.store.migrate import upgrade

log = logging.getLogger(__name__)


class Runtime:
    """Built once per process from settings; passed to every stage and to the web app."""

    def __init__(self, settings: Settings, *, migrate: bool = True) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.db = Database(settings.database_url)
        if migrate:
            upgrade(self.db)
        self.huey: Huey = make_huey(settings)
        # Triage has its own queue and consumer, so hashing is never delayed behind it.
        self.triage_huey: Huey = make_huey(settings, name="takedown-triage")
        self.stages: dict[str, Stage] = {}
        self._tasks: dict[str, Any] = {}
        self._services: dict[str, Any] = {}
        self._lock = threading.RLock()  # building one service may ask for another
        from takedown.pipeline.wiring import register_stages

        register_stages(self)

    def add_stage(self, stage: Stage) -> None:
        self.stages[stage.name] = stage

        def run(item_id: int) -> None:
            execute(self, stage, item_id)

        run.__name__ = stage.name
        self._tasks[stage.name] = self.huey.task(name=stage.name, priority=stage.priority)(run)

    def add_task(
        self,
        name: str,
        fn: Callable[[Runtime, int], None],
        priority: int = 0,
        huey: Huey | None = None,
    ) -> None:
        """A plain task (no work-item state): for periodic work that the scheduler re-issues."""

        def run(item_id: int) -> None:
            try:
                fn(self, item_id)
            except Exception:  # logged; the scheduler issues the work again next interval
                log.exception("task %s failed on %s", name, item_id)

        run.__name__ = name
        self._tasks[name] = (huey or self.huey).task(name=name, priority=priority)(run)

    def enqueue(self, stage_name: str, item_id: int) -> None:
        self._tasks[stage_name](item_id)

    def service(self, name: str, build: Callable[[Runtime], Any]) -> Any:
        """A per-process singleton (the matcher, the browser, ...), built on first use."""
        with self._lock:
            if name not in self._services:
                self._services[name] = build(self)
            return self._services[name]

    def close(self) -> None:
        for svc in reversed(list(self._services.values())):  # the loop closes last
            closer = getattr(svc, "close", None)
            if callable(closer):
                try:
                    closer()
                except Exception:
                    log.exception("closing service failed")
        self.db.dispose()
