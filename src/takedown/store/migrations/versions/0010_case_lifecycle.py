"""case lifecycle, source ownership, evidence hand-over

Revision ID: 0010
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0010"
down_revision = "0002"
branch_labels = None
depends_on = None

_When = takedown.store.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=12), nullable=False, server_default="open")
        )
        batch_op.add_column(sa.Column("officer", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("victim_reference", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("consent", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("closed_at", _When, nullable=True))
        batch_op.add_column(sa.Column("erased_at", _When, nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_officer"), ["officer"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_cases_victim_reference"), ["victim_reference"]
        )
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_sources_case_id"), ["case_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_sources_case_id_cases"),
            "cases",
            ["case_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handed_over_at", _When, nullable=True))
        batch_op.add_column(sa.Column("handed_over_to", sa.String(length=200), nullable=True))
    # Keyset paging of the long lists: (created_at, id) and (first_seen_at, id).
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_status_created", ["status", "created_at", "id"])
    with op.batch_alter_table("detections", schema=None) as batch_op:
        batch_op.create_index("ix_detections_case_seen", ["case_id", "first_seen_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("detections", schema=None) as batch_op:
        batch_op.drop_index("ix_detections_case_seen")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_status_created")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_column("handed_over_to")
        batch_op.drop_column("handed_over_at")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_sources_case_id_cases"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_sources_case_id"))
        batch_op.drop_column("case_id")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_cases_victim_reference"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_cases_officer"))
        batch_op.drop_index(batch_op.f("ix_cases_status"))
        for name in ("erased_at", "closed_at", "consent", "victim_reference", "officer", "status"):
            batch_op.drop_column(name)
