"""queue pg: the open findings of one rule as an index of their persons, for the work queue

The queue's rule filter asks, for the persons of a unit, whether each has an open finding of
that rule. PostgreSQL answers it with a hash semi-join on every open finding of the rule (all
units); ``ix_findings_rule_status`` (rule, status) made it read those findings from the table,
one heap page each (2,900 findings in 1,400 pages for DOB_MISSING on the queue bench's 200,000
children: ~2.4 ms of the ~4 ms of each of the page and the hamlet counts). A partial index of
the open findings on (rule, person_id) holds everything that join reads, so it is an index-only
scan (~0.4 ms), and it is smaller than the index it replaces, which nothing else used. SQLite
takes the same partial index (its planner uses it for the same probe).

Revision ID: 0007_queue_pg
Revises: 0006_open_rank
Create Date: 2026-11-24 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_queue_pg"
down_revision = "0006_open_rank"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")


def upgrade():
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_findings_open_rule",
            ["rule", "person_id"],
            unique=False,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )
        batch_op.drop_index("ix_findings_rule_status")


def downgrade():
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index("ix_findings_rule_status", ["rule", "status"], unique=False)
        batch_op.drop_index("ix_findings_open_rule")
