"""What a stage or a job is given: settings, the database, the shared services, and `handoff`.

Nothing else: a stage cannot reach the web layer, the queues or another stage except by
handing an item to one of the successors it declares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from takedown.config import Settings
from takedown.pipeline.services import Services
from takedown.store.db import Database

# handoff(target stage, item id, priority): the one way work moves along the graph.
Handoff = Callable[[str, int, float], None]


@dataclass(frozen=True)
class StageContext:
    name: str
    settings: Settings
    db: Database
    services: Services
    send: Handoff

    def handoff(self, target: str, item_id: int, priority: float = 0.0) -> None:
        """Queue ``item_id`` for ``target``, a successor this stage declares."""
        self.send(target, item_id, priority)


@dataclass(frozen=True)
class JobContext:
    name: str
    settings: Settings
    db: Database
    send: Handoff
    # Stages this process runs (a job sweeps or wakes only those), and queue depth per stage.
    local_stages: tuple[str, ...]
    pending: Callable[[str], int]
    # The stage classes, for jobs that work on every stage (the sweeper).
    stage_works: dict[str, object]
    # The shared services (evidence store, signer, TSA) for the housekeeping jobs.
    services: Services | None = None

    def handoff(self, target: str, item_id: int, priority: float = 0.0) -> None:
        self.send(target, item_id, priority)
