"""each deletion request's own random reference

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-04 15:00:00

Adds ``notices.reference``: a random reference printed in the request instead of the case's
sequential number, so that separate sites cannot link their requests to one person. Existing
rows get a fresh random reference each.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None

_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def _reference() -> str:
    # The same form as takedown.notices.reference.new_reference (kept here: a migration is frozen).
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"TDR-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def upgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=32), nullable=True))
    bind = op.get_bind()
    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM notices"))]
    for notice_id in ids:
        bind.execute(
            sa.text("UPDATE notices SET reference = :ref WHERE id = :id"),
            {"ref": _reference(), "id": notice_id},
        )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_reference", ["reference"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_reference")
        batch_op.drop_column("reference")
