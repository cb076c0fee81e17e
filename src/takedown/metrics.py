"""Prometheus metrics: the metric objects (fed by the pipeline) and the scrape-time collector of
items per state, queue depth and poll lateness, served on their own address (loopback default).

The lead's stages feed :data:`STAGE_SECONDS`, :data:`SENDS` and :data:`ERRORS`; the collector
reads the database and the queue when Prometheus scrapes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from takedown.store.base import utcnow
from takedown.store.tables import Evidence, Media, Notice, Source, StageTask

if TYPE_CHECKING:
    from takedown.config import Settings
    from takedown.pipeline.runtime import Runtime

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
STAGE_SECONDS = Histogram(
    "takedown_stage_seconds",
    "Time one stage took on one item.",
    ["stage", "lane"],
    registry=REGISTRY,
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
SENDS = Counter(
    "takedown_sends",
    "Deletion requests sent, by channel and outcome.",
    ["channel", "outcome"],
    registry=REGISTRY,
)
ERRORS = Counter(
    "takedown_errors",
    "Items a stage gave up on or retried, by stage.",
    ["stage"],
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "takedown_http_requests",
    "HTTP requests answered, by status class.",
    ["status"],
    registry=REGISTRY,
)

_TABLES: dict[str, Any] = {
    "sources": Source,
    "media": Media,
    "evidence": Evidence,
    "notices": Notice,
}


class StateCollector(Collector):
    """Items per state per table, the queue's depth and the lateness of the most overdue poll."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[GaugeMetricFamily]:
        items = GaugeMetricFamily(
            "takedown_items", "Work items per table and state.", labels=["table", "state"]
        )
        lateness = GaugeMetricFamily(
            "takedown_poll_lateness_seconds", "How overdue the most overdue source poll is."
        )
        depth = GaugeMetricFamily("takedown_queue_depth", "Tasks waiting in the queue.")
        tasks = GaugeMetricFamily(
            "takedown_tasks",
            "Journaled plain tasks per stage and state (failed: parked with a reason).",
            labels=["stage", "state"],
        )
        try:
            with self.rt.db.session() as s:
                for name, table in _TABLES.items():
                    q = select(table.state, func.count()).group_by(table.state)
                    for state, count in s.execute(q).tuples():
                        items.add_metric([name, str(state)], float(count))
                q = select(StageTask.stage, StageTask.state, func.count()).group_by(
                    StageTask.stage, StageTask.state
                )
                for stage, state, count in s.execute(q).tuples():
                    tasks.add_metric([str(stage), str(state)], float(count))
                due = s.execute(
                    select(func.min(Source.next_poll_at)).where(
                        Source.paused.is_(False), Source.deleted.is_(False)
                    )
                ).scalar_one_or_none()
            late = 0.0
            if due is not None:
                late = max(0.0, (utcnow() - _aware(due)).total_seconds())
            lateness.add_metric([], late)
        except Exception:  # a scrape must not raise; the gap shows in the graphs
            log.exception("metrics: cannot read the database")
        try:
            total = sum(self.rt.queues.pending(st) for st in self.rt.graph.names())
            depth.add_metric([], float(total))
        except Exception:
            log.exception("metrics: cannot read the queue")
        yield items
        yield tasks
        yield lateness
        yield depth


def _aware(value: Any) -> Any:
    from datetime import UTC

    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def start_metrics_server(
    settings: Settings, registry: CollectorRegistry = REGISTRY
) -> tuple[WSGIServer, threading.Thread] | None:
    """Serve ``/metrics`` on ``settings.metrics_bind`` (host:port) in a daemon thread.

    Returns the server and its thread (call ``server.shutdown()`` to stop), or None when
    ``metrics_bind`` is empty.
    """
    bind = settings.metrics_bind.strip()
    if not bind:
        return None
    host, _, port = bind.rpartition(":")
    server, thread = start_http_server(
        int(port), addr=host.strip("[]") or "127.0.0.1", registry=registry
    )
    log.info("metrics on http://%s/metrics", bind)
    return server, thread


def register_runtime(rt: Runtime, registry: CollectorRegistry = REGISTRY) -> StateCollector:
    """Add the scrape-time collector of ``rt`` to the registry (once per process)."""
    collector = StateCollector(rt)
    registry.register(collector)
    return collector
