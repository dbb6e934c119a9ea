"""dashboard: an index on persons (unit_id, updated_at) for "no activity this week"

Issue 14, the reporters' dashboard: a commune is flagged when none of its records changed, no
import was uploaded and no list was made, handed or returned since Monday; the records part is
one probe of this index per commune (an EXISTS), whatever the commune's size.

Revision ID: 0018_dashboard_activity
Revises: 0017_reports
Create Date: 2026-12-07 01:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_dashboard_activity"
down_revision = "0017_reports"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_persons_unit_updated", "persons", ["unit_id", "updated_at"])


def downgrade():
    op.drop_index("ix_persons_unit_updated", table_name="persons")
