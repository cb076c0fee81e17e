"""signed, append-only audit log

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 15:00:00

Adds the Ed25519 signature column and makes ``audit_events`` append-only: a trigger refusing
UPDATE and DELETE on SQLite and PostgreSQL, and on PostgreSQL no UPDATE or DELETE grant for the
application role named by ``TAKEDOWN_DATABASE_APP_ROLE`` when that role exists.
"""

from __future__ import annotations

import os
import re

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_MESSAGE = "audit_events is append-only"


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature", sa.Text(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION takedown_audit_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION takedown_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION takedown_audit_append_only()"
        )
        role = os.environ.get("TAKEDOWN_DATABASE_APP_ROLE", "")
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", role):
            exists = bind.execute(
                sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            ).scalar()
            if exists:
                op.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM "{role}"')
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS takedown_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("signature")
