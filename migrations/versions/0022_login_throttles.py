"""login throttles: failed sign-ins counted per (typed name, client address) and per name

Adds ``login_throttles``. One address's wrong passwords lock only that address for that name,
with a growing delay; the name's row for every address ("*") locks at a much higher ceiling.

Revision ID: 0022_login_throttles
Revises: 0021_user_sessions
Create Date: 2026-12-01 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_login_throttles"
down_revision = "0021_user_sessions"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
        sa.UniqueConstraint("username", "address", name=op.f("uq_login_throttles_username")),
    )


def downgrade():
    op.drop_table("login_throttles")
