"""The composition root: builds the database, the stage graph, its queues and its services once
per process, and gives each stage its narrow context. The web layer holds it to start entry
stages (:meth:`Runtime.submit`) and to reach the database; stages never see it."""

from __future__ import annotations

import logging
from functools import partial

from takedown import audit
from takedown.config import Settings
from takedown.pipeline.context import StageContext
from takedown.pipeline.graph import Graph, Stage
from takedown.pipeline.lease import Leases
from takedown.pipeline.queue import Queues
from takedown.pipeline.services import Services
from takedown.pipeline.stage import execute, journal
from takedown.plugins import log_enabled
from takedown.store.db import Database
from takedown.store.migrate import upgrade

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: Settings, *, migrate: bool = True) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.db = Database(settings.database_url)
        if migrate:
            upgrade(self.db, lock_dir=settings.home)
        self.services = Services(settings, self.db)
        # Every audit entry written through this database is signed from now on.
        audit.install_signer(self.db.engine, self.services.signer)
        self.graph = Graph.from_settings(settings)
        self.queues = Queues(settings, {st.name: st.lane for st in self.graph.stages})
        self.leases = Leases(self.db, settings.lease_seconds)
        self.stages: dict[str, Stage] = {}
        self.workers_running = False
        for cls in self.graph.stages:
            ctx = StageContext(
                name=cls.name,
                settings=settings,
                db=self.db,
                services=self.services,
                send=partial(self.handoff, cls.name),
            )
            stage = cls(ctx)
            self.stages[cls.name] = stage
            self.queues.bind(cls.name, partial(self._run, stage))

    def _run(self, stage: Stage, item_id: int) -> None:
        execute(self.db, stage, item_id, self._requeue, self.settings.lease_seconds, self.leases)

    def _requeue(self, stage: str, item_id: int, priority: float, delay: float | None) -> None:
        self.queues.enqueue(stage, item_id, priority, delay)

    def handoff(self, source: str, target: str, item_id: int, priority: float = 0.0) -> None:
        """Queue ``item_id`` for ``target``; ``source`` must declare it (see the graph)."""
        if self.graph.check_handoff(source, target):
            if self.graph.stage(target).work is None:  # a plain task: journaled first
                task_id = journal(self.db, target, item_id, priority)
                if task_id is None:
                    return  # one for the same item already waits
                item_id = task_id
            self.queues.enqueue(target, item_id, priority)
        else:
            log.debug(
                "%s -> %s: the stage is disabled; item %s not queued", source, target, item_id
            )

    def submit(self, target: str, item_id: int, priority: float = 0.0) -> None:
        """Start an entry stage from the web or the command line (see ``graph.ENTRIES``)."""
        self.handoff("api", target, item_id, priority)

    def log_graph(self) -> None:
        for st in self.graph.stages:
            log.info(
                "stage %s lane=%s concurrency=%d -> %s",
                st.name,
                st.lane,
                st.concurrency(self.settings),
                ", ".join(st.successors) or "(end)",
            )
        log_enabled()

    def close(self) -> None:
        self.leases.close()
        audit.install_signer(self.db.engine, None)
        self.services.close()
        self.db.dispose()
