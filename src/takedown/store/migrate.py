"""Alembic, driven from code: the migrations ship inside the package."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from takedown.store.db import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


MIGRATION_LOCK = 727002  # PostgreSQL advisory lock key: one migrating process at a time


@contextmanager
def _file_lock(folder: Path | None) -> Iterator[None]:
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "migrate.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def upgrade(db: Database, lock_dir: Path | None = None) -> None:
    """Bring the schema to the newest revision (idempotent; safe at every start).

    Several processes starting together migrate once: on PostgreSQL under an advisory lock,
    on SQLite under a file lock in ``lock_dir`` (the home, beside the database).
    """
    cfg = alembic_config(db.url)
    lock = _file_lock(lock_dir if db.url.startswith("sqlite") else None)
    with lock, db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
