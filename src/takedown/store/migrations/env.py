"""Alembic environment: uses the connection handed over by takedown.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from takedown.store import tables  # noqa: F401  (registers every table)
from takedown.store.base import Base

config = context.config
target = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
