"""pipeline graph: a notice's drafting and sending as two typed work items; typed control flags

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DRAFT_STATES = ("pending", "drafting", "idle")


def upgrade() -> None:
    utc = takedown.store.base.UTCDateTime(timezone=True)
    with op.batch_alter_table("notices", schema=None) as batch:
        batch.add_column(sa.Column("draft_state", sa.String(20), nullable=True))
        batch.add_column(sa.Column("draft_changed_at", utc, nullable=True))
        batch.add_column(sa.Column("draft_attempts", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("send_state", sa.String(20), nullable=True))
        batch.add_column(sa.Column("send_changed_at", utc, nullable=True))
        batch.add_column(sa.Column("send_attempts", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("send_error", sa.String(2000), nullable=True))
        batch.add_column(sa.Column("edited_by_officer", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("renotice_step", sa.String(20), nullable=True))
        batch.add_column(sa.Column("escalation_role", sa.String(20), nullable=True))

    notices = sa.table(
        "notices",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.String()),
        sa.column("state_changed_at", utc),
        sa.column("attempts", sa.Integer()),
        sa.column("error", sa.String()),
        sa.column("detail", sa.JSON()),
        sa.column("draft_state", sa.String()),
        sa.column("draft_changed_at", utc),
        sa.column("draft_attempts", sa.Integer()),
        sa.column("send_state", sa.String()),
        sa.column("send_changed_at", utc),
        sa.column("send_attempts", sa.Integer()),
        sa.column("send_error", sa.String()),
        sa.column("edited_by_officer", sa.Boolean()),
        sa.column("renotice_step", sa.String()),
        sa.column("escalation_role", sa.String()),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            notices.c.id,
            notices.c.state,
            notices.c.state_changed_at,
            notices.c.attempts,
            notices.c.detail,
        )
    ).all()
    for nid, state, changed, attempts, detail in rows:
        detail = dict(detail or {})
        drafting = state in DRAFT_STATES
        conn.execute(
            notices.update()
            .where(notices.c.id == nid)
            .values(
                draft_state=state if drafting else "idle",
                draft_changed_at=changed,
                draft_attempts=attempts if drafting else 0,
                send_state="none" if drafting else state,
                send_changed_at=changed,
                send_attempts=0 if drafting else attempts,
                edited_by_officer=bool(detail.pop("edited_by_officer", False)),
                renotice_step=detail.pop("renoticed", None),
                escalation_role=detail.pop("escalation_role", None),
                detail=detail,
            )
        )

    with op.batch_alter_table("notices", schema=None) as batch:
        for name in ("draft_state", "draft_changed_at", "draft_attempts", "send_state"):
            batch.alter_column(name, nullable=False)
        for name in ("send_changed_at", "send_attempts", "edited_by_officer"):
            batch.alter_column(name, nullable=False)
        batch.drop_index("ix_notices_state")
        batch.drop_column("state")
        batch.drop_column("state_changed_at")
        batch.drop_column("attempts")
        batch.create_index(batch.f("ix_notices_draft_state"), ["draft_state"], unique=False)
        batch.create_index(batch.f("ix_notices_send_state"), ["send_state"], unique=False)


def downgrade() -> None:
    utc = takedown.store.base.UTCDateTime(timezone=True)
    with op.batch_alter_table("notices", schema=None) as batch:
        batch.add_column(sa.Column("state", sa.String(20), nullable=False, server_default="idle"))
        batch.add_column(sa.Column("state_changed_at", utc, nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE notices SET state = CASE WHEN send_state = 'none' THEN draft_state "
        "ELSE send_state END, state_changed_at = draft_changed_at"
    )
    with op.batch_alter_table("notices", schema=None) as batch:
        batch.create_index("ix_notices_state", ["state"], unique=False)
        batch.drop_index(batch.f("ix_notices_draft_state"))
        batch.drop_index(batch.f("ix_notices_send_state"))
        for name in (
            "draft_state",
            "draft_changed_at",
            "draft_attempts",
            "send_state",
            "send_changed_at",
            "send_attempts",
            "send_error",
            "edited_by_officer",
            "renotice_step",
            "escalation_role",
        ):
            batch.drop_column(name)
