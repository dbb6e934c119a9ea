"""open rank: each person's open findings in one column, for the work queue

``persons.open_rank`` is 0 when the person has an open error, 1 with open warnings but no
error, 2 otherwise (info findings never count). The work queue filters on it ("open", "errors")
and orders by it (errors first), then by name: with the indexes below one page, the total and
the hamlet counts are plain index reads instead of every person of the unit joined to their
findings. The column is backfilled here from the findings table; the services keep it in step.

``ix_persons_unit_queue`` (0004) served the scan this replaces and goes.

Revision ID: 0006_open_rank
Revises: 0005_batches
Create Date: 2026-11-23 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_open_rank"
down_revision = "0005_batches"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE persons SET open_rank = CASE
    WHEN EXISTS (
        SELECT 1 FROM findings f
        WHERE f.person_id = persons.id AND f.status = 'open' AND f.severity = 'error'
    ) THEN 0 ELSE 1 END
WHERE EXISTS (
    SELECT 1 FROM findings f
    WHERE f.person_id = persons.id AND f.status = 'open' AND f.severity IN ('error', 'warning')
)
"""


def upgrade():
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("open_rank", sa.SmallInteger(), server_default="2", nullable=False)
        )
    op.execute(BACKFILL)
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(
            "ix_persons_unit_rank",
            ["unit_id", "open_rank", "name_key", "id", "status"],
            unique=False,
        )
        batch_op.create_index(
            "ix_persons_unit_hamlet", ["unit_id", "status", "hamlet", "open_rank"], unique=False
        )
        batch_op.drop_index("ix_persons_unit_queue")


def downgrade():
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(
            "ix_persons_unit_queue",
            ["unit_id", "status", "hamlet", "name_key", "id_number", "id"],
            unique=False,
        )
        batch_op.drop_index("ix_persons_unit_hamlet")
        batch_op.drop_index("ix_persons_unit_rank")
        batch_op.drop_column("open_rank")
