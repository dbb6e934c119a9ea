"""scale history: an index on persons.merged_into_id, for a record's history

Issue 15. The record page reads the events of the person and of the records merged into it;
without an index on ``merged_into_id`` PostgreSQL read every person to find the merged ones and,
with the two conditions under one OR, every event as well (a seq scan of both tables, growing
with the whole database). A partial index holds only the merged records (a few in a thousand),
so the lookup is one probe; services.audit.history then reads the events of a known list of
persons through ``ix_person_events_person_id``.

Revision ID: 0020_scale_history
Revises: 0019_form_submissions
Create Date: 2026-12-08 01:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_scale_history"
down_revision = "0019_form_submissions"
branch_labels = None
depends_on = None

MERGED = sa.text("merged_into_id IS NOT NULL")


def upgrade():
    op.create_index(
        "ix_persons_merged_into",
        "persons",
        ["merged_into_id"],
        postgresql_where=MERGED,
        sqlite_where=MERGED,
    )


def downgrade():
    op.drop_index("ix_persons_merged_into", table_name="persons")
