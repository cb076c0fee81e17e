"""sources.failing_since: when a source's polls began to fail (alerts after an hour)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_When = takedown.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failing_since", _When, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("failing_since")
