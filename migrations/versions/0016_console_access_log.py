"""console access log: an export made with `treem export cleaned` is logged without a user

``access_logs.user_id`` becomes nullable: the console has no signed-in user, and every export
is logged (SPEC section 7). Downgrading deletes those console entries first.

Revision ID: 0016_console_access_log
Revises: 0015_software_sync
Create Date: 2026-12-06 00:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_console_access_log"
down_revision = "0015_software_sync"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("access_logs") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM access_logs WHERE user_id IS NULL")
    with op.batch_alter_table("access_logs") as batch:
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
