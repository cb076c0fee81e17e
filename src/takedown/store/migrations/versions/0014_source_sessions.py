"""source sessions and network settings: browser steps, sealed secrets and cookies; pruned
keyword variants; OCR state of media

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        # proxy, user_agent, locale, rate, steps, logged_out: per-source overrides (plain JSON).
        batch_op.add_column(sa.Column("options", sa.JSON(), nullable=False, server_default="{}"))
        # A source with login or gate steps polls in the browser lane.
        batch_op.add_column(
            sa.Column("gated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        # Vault-sealed (AES-GCM, base64): the credentials the steps use, and the session cookies.
        batch_op.add_column(sa.Column("secrets_sealed", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("cookies_sealed", sa.Text(), nullable=True))
    with op.batch_alter_table("media", schema=None) as batch_op:
        # OCR of images in the hash lane's spare time: state and the text read.
        batch_op.add_column(sa.Column("ocr_state", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("ocr_text", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_media_ocr_state"), ["ocr_state"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        # Keyword variants the officer pruned: neither matched nor searched for.
        batch_op.add_column(
            sa.Column("pruned_variants", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("pruned_variants")
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_ocr_state"))
        batch_op.drop_column("ocr_text")
        batch_op.drop_column("ocr_state")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("cookies_sealed")
        batch_op.drop_column("secrets_sealed")
        batch_op.drop_column("gated")
        batch_op.drop_column("options")
