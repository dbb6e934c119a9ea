"""new child proposals: a volunteer proposes a child found on no record

``proposals`` gets ``kind`` ("fact", a correction of one fact as before, or "new_person", a
newly found child), ``unit_id`` (the commune the proposal is about; filled from the person for
the existing proposals) and ``facts_json`` (the new child's facts as typed); ``person_id``
becomes nullable (a new child has no person until an officer approves). Downgrading deletes
the new-child proposals still waiting or refused (they have no person) and drops the columns.

Revision ID: 0014_new_child_proposals
Revises: 0013_keyed_returns
Create Date: 2026-11-24 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_new_child_proposals"
down_revision = "0013_keyed_returns"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="fact"))
        batch.add_column(
            sa.Column(
                "unit_id",
                sa.Integer(),
                sa.ForeignKey("units.id", name="fk_proposals_unit_id_units"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("facts_json", sa.Text(), nullable=True))
        batch.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch.create_index("ix_proposals_unit_status", ["unit_id", "status"], unique=False)
    op.execute(
        "UPDATE proposals SET unit_id = "
        "(SELECT persons.unit_id FROM persons WHERE persons.id = proposals.person_id)"
    )


def downgrade():
    op.execute("DELETE FROM proposals WHERE person_id IS NULL")
    with op.batch_alter_table("proposals") as batch:
        batch.drop_index("ix_proposals_unit_status")
        batch.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("facts_json")
        batch.drop_column("unit_id")
        batch.drop_column("kind")
