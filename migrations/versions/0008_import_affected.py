"""import affected: the persons each applied import found with each rule

An import's summary counts findings by rule; ``affected_json`` keeps, per rule, the ids of the
persons those rows became (created or matched), so the summary's links open exactly this import's
records in the work queue. Nothing is written for a dry run.

Revision ID: 0008_import_affected
Revises: 0007_queue_pg
Create Date: 2026-11-22 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_import_affected"
down_revision = "0007_queue_pg"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_runs") as batch:
        batch.add_column(sa.Column("affected_json", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("affected_json")
