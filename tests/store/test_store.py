"""The store on SQLite and PostgreSQL: migrations, UTC times, JSON columns, transactions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from takedown.config import Settings
from takedown.pipeline.runtime import Runtime
from takedown.store.migrate import upgrade
from takedown.store.tables import Case, Source


def test_migrations_create_every_table(runtime: Runtime) -> None:
    names = set(inspect(runtime.db.engine).get_table_names())
    expected = {
        "cases",
        "references",
        "sources",
        "pages",
        "media",
        "page_media",
        "detections",
        "evidence",
        "artifacts",
        "contacts",
        "notices",
        "notice_detections",
        "followups",
        "users",
        "tokens",
        "audit_events",
        "alembic_version",
    }
    assert expected <= names
    upgrade(runtime.db)  # idempotent at every start


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    rt = Runtime(Settings(home=tmp_path))
    with rt.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    rt.close()


def test_times_come_back_aware_utc_and_json_roundtrips(runtime: Runtime) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    with runtime.db.session() as s:
        case = Case(name="c", keywords=["가나다", "ab cd"], created_at=when)
        s.add(case)
    with runtime.db.session() as s:
        back = s.execute(select(Case)).scalar_one()
        assert back.created_at == when and back.created_at.tzinfo is not None
        assert back.keywords == ["가나다", "ab cd"]


def test_failed_transaction_leaves_nothing(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError), runtime.db.session() as s:
        s.add(Source(url="http://a.example/", kind="page", interval_seconds=5, state="idle"))
        s.flush()
        raise RuntimeError("boom")
    with runtime.db.session() as s:
        assert s.execute(text("SELECT count(*) FROM sources")).scalar_one() == 0
