"""stage_tasks: the journal of plain pipeline tasks (swept when lost, parked when failing);
notices.draft_again: a draft asked for again while it was being composed

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_TS = takedown.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stage_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("state_changed_at", _TS, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_tasks")),
    )
    with op.batch_alter_table("stage_tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_tasks_state"), ["state"], unique=False)
        batch_op.create_index("ix_stage_tasks_stage_state", ["stage", "state"], unique=False)
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("draft_again", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_column("draft_again")
    op.drop_table("stage_tasks")
