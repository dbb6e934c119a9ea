"""password reset: an account whose password an administrator reset must change it first

Adds ``users.must_change_password`` (false for every existing account). An administrator's
"Đặt lại mật khẩu" sets it with a one-time password; until the user chooses a new password every
page leads to the change-password form.

Revision ID: 0012_password_reset
Revises: 0011_signed_copies
Create Date: 2026-11-24 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_password_reset"
down_revision = "0011_signed_copies"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
