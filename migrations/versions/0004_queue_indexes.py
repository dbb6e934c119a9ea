"""queue indexes: covering indexes for the review work queue

The queue reads, for every person in the user's units, the id, hamlet, name key (search), ID
number (search by number) and workflow status, then probes that person's open findings for their
rule and severity. Both indexes below carry every column those reads need, so neither touches the
tables; they replace the narrower indexes they extend (same leading columns).

Revision ID: 0004_queue_indexes
Revises: 0003_review
Create Date: 2026-11-22 09:20:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_queue_indexes"
down_revision = "0003_review"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(
            "ix_persons_unit_queue",
            ["unit_id", "status", "hamlet", "name_key", "id_number", "id"],
            unique=False,
        )
        batch_op.drop_index("ix_persons_unit_status")

    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_findings_person_queue", ["person_id", "status", "severity", "rule"], unique=False
        )
        batch_op.drop_index("ix_findings_person_status")


def downgrade():
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index("ix_findings_person_status", ["person_id", "status"], unique=False)
        batch_op.drop_index("ix_findings_person_queue")

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index("ix_persons_unit_status", ["unit_id", "status"], unique=False)
        batch_op.drop_index("ix_persons_unit_queue")
