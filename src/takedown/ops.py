"""Operations: worker heartbeats, readiness checks, file permissions of the data directory.

``/healthz`` and ``/readyz`` (in :mod:`takedown.web.ops`) read these; the workers call
:func:`beat`; the serve/worker/web commands call :func:`harden_permissions` at start.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from takedown.config import Settings
from takedown.store.base import utcnow
from takedown.store.tables import Heartbeat

log = logging.getLogger(__name__)
LANES = ("poll", "hash", "browser", "notice")


def beat(session: Session, lane: str, worker_id: str) -> None:
    """Record that ``worker_id`` is alive and serving ``lane`` (call every ~30 s)."""
    now = utcnow()
    row = session.get(Heartbeat, (lane, worker_id))
    if row is not None:
        row.beat_at = now
        return
    try:
        with session.begin_nested():
            session.add(Heartbeat(lane=lane, worker_id=worker_id[:200], beat_at=now))
    except IntegrityError:  # the same worker beat twice at once
        pass


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database(session: Session) -> Check:
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means not ready
        return Check("database", False, type(exc).__name__)
    return Check("database", True, "")


def check_lanes(session: Session, lanes: list[str], stale_seconds: float) -> list[Check]:
    """Each expected lane has a worker whose newest heartbeat is fresh."""
    horizon = utcnow() - timedelta(seconds=stale_seconds)
    newest = dict(
        session.execute(
            select(Heartbeat.lane, func.max(Heartbeat.beat_at)).group_by(Heartbeat.lane)
        )
        .tuples()
        .all()
    )
    out = []
    for lane in lanes:
        last = newest.get(lane)
        ok = last is not None and _aware(last) >= horizon
        out.append(Check(f"lane:{lane}", ok, "" if ok else "no fresh heartbeat"))
    return out


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def check_disk(settings: Settings) -> Check:
    try:
        free = shutil.disk_usage(settings.home).free
    except OSError as exc:
        return Check("disk", False, str(exc.strerror))
    return Check("disk", free >= settings.min_free_bytes, f"{free} bytes free")


def harden_permissions(settings: Settings) -> None:
    """Files created from now on are 0600 and directories 0700; existing ones are tightened.

    Sets the process umask to 077, then fixes the data directory, the SQLite database and queue
    (with their -wal/-shm files), the session key and the evidence tree. Call it first thing in
    serve, worker and web.
    """
    os.umask(0o077)
    home = Path(settings.home)
    home.mkdir(parents=True, exist_ok=True)
    _chmod(home, 0o700)
    for name in ("takedown.db", "queue.db", "session.key", "vault.key"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            _chmod(home / f"{name}{suffix}", 0o600)
    for url in (settings.database_url, settings.queue_url):
        if url.startswith("sqlite:///"):
            db = Path(url.removeprefix("sqlite:///"))
            # The queue is one file per lane beside the configured name (queue-poll.db, ...).
            for path in (db, *db.parent.glob(f"{db.stem}-*{db.suffix or '.db'}")):
                for suffix in ("", "-wal", "-shm", "-journal"):
                    _chmod(Path(f"{path}{suffix}"), 0o600)
    evidence = settings.evidence_dir
    if evidence.is_dir():
        for root, dirs, files in os.walk(evidence):
            _chmod(Path(root), 0o700)
            for d in dirs:
                _chmod(Path(root) / d, 0o700)
            for f in files:
                _chmod(Path(root) / f, 0o600)


def _chmod(path: Path, mode: int) -> None:
    try:
        if path.is_symlink() or not path.exists():
            return
        if (path.stat().st_mode & 0o777) != mode:
            path.chmod(mode)
    except OSError as exc:
        log.warning("cannot set mode %o on %s: %s", mode, path, exc)
