"""keyed returns: the police's answers keyed from the signed paper list

Step 3 by hand. ``return_keyings`` says that a batch's answers are being keyed and whether as
single or double entry; ``return_entries`` keeps each row as keyed in each pass (number, result,
note, who, when) until it is applied, so the keying survives a reload.

Revision ID: 0013_keyed_returns
Revises: 0012_password_reset
Create Date: 2026-12-08 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_keyed_returns"
down_revision = "0012_password_reset"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "return_keyings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("double", sa.Boolean(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("batch_id"),
    )
    op.create_table(
        "return_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("pass_no", sa.Integer(), nullable=False),
        sa.Column("row_id", sa.Integer(), sa.ForeignKey("batch_rows.id"), nullable=False),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("row_id", "pass_no", name="uq_return_entries_row_pass"),
    )
    op.create_index("ix_return_entries_batch_pass", "return_entries", ["batch_id", "pass_no"])


def downgrade():
    op.drop_index("ix_return_entries_batch_pass", table_name="return_entries")
    op.drop_table("return_entries")
    op.drop_table("return_keyings")
