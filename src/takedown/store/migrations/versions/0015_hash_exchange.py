"""hash exchange: banks, their entries and change log, one-time intake links

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import takedown.store.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_TS = takedown.store.base.UTCDateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_banks")),
        sa.UniqueConstraint("name", name=op.f("uq_banks_name")),
    )
    op.create_table(
        "bank_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(length=20), nullable=False),
        sa.Column("signal", sa.Text(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("reference_id", sa.Integer(), nullable=True),
        sa.Column("detection_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("withdrawn_at", _TS, nullable=True),
        _fk("bank_entries", "bank_id", "banks", "CASCADE"),
        _fk("bank_entries", "case_id", "cases", "SET NULL"),
        _fk("bank_entries", "reference_id", "references", "SET NULL"),
        _fk("bank_entries", "detection_id", "detections", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entries")),
    )
    with op.batch_alter_table("bank_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_entries_bank_id"), ["bank_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_entries_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bank_entries_reference_id"), ["reference_id"], unique=False
        )
        batch_op.create_index("ix_bank_entries_lookup", ["signal_type", "withdrawn"], unique=False)
    op.create_table(
        "bank_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=False),
        sa.Column("at", _TS, nullable=False),
        _fk("bank_changes", "bank_id", "banks", "CASCADE"),
        _fk("bank_changes", "entry_id", "bank_entries", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_changes")),
    )
    with op.batch_alter_table("bank_changes", schema=None) as batch_op:
        batch_op.create_index("ix_bank_changes_bank_id_id", ["bank_id", "id"], unique=False)
    op.create_table(
        "intake_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("used_at", _TS, nullable=True),
        _fk("intake_links", "case_id", "cases", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_intake_links_token_hash")),
    )
    with op.batch_alter_table("intake_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intake_links_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_table("intake_links")
    op.drop_table("bank_changes")
    op.drop_table("bank_entries")
    op.drop_table("banks")
