"""indexes for the lists' keyset paging

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-04 18:40:00

Every list pages by cursor on its sort columns and the id; these composite indexes let the
database start each page at the cursor (an index range scan) and stop after one page, so a deep
page costs what the first costs: requests most urgent first (``priority DESC, id``), alone and
per status (the queue, the sent requests) and per case; candidates per review state the same
way; detections of one site and of one case by id.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None

_INDEXES = (
    ("ix_notices_priority_id", "notices", ("priority DESC", "id")),
    ("ix_notices_status_priority_id", "notices", ("status", "priority DESC", "id")),
    ("ix_detections_review_priority_id", "detections", ("review", "priority DESC", "id")),
    ("ix_notices_case_priority_id", "notices", ("case_id", "priority DESC", "id")),
    ("ix_detections_site_id", "detections", ("site", "id")),
    ("ix_detections_case_id_id", "detections", ("case_id", "id")),
)


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.create_index(name, table, [sa.text(c) for c in columns])


def downgrade() -> None:
    for name, table, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
