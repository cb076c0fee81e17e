"""Engine and session factory, chosen by URL: SQLite (embedded, WAL, one writer) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from takedown.store.sqlfunc import register_sqlite


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA secure_delete=ON")  # erased rows leave no bytes in free pages
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()
        register_sqlite(dbapi_conn)  # the figures' SQL functions (takedown.store.sqlfunc)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # One writer: take the write lock up front, so that read-then-write never fails half-way.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """Owns the engine; hands out sessions that commit on success and roll back on error."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(url)
        else:
            try:
                self.engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
            except ModuleNotFoundError as exc:
                raise ModuleNotFoundError(
                    f"{url.split(':', 1)[0]} needs the database driver of the scaled extra: "
                    "pip install 'takedown[scaled]'"
                ) from exc
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._factory() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
