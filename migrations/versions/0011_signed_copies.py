"""signed copies: the scan or photo of the list the police signed and stamped

Adds ``signed_copies`` (one row per uploaded file of a batch: kind, original name, stored path,
SHA-256, size, pages, who, when).

Revision ID: 0011_signed_copies
Revises: 0010_hamlets
Create Date: 2026-12-05 23:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_signed_copies"
down_revision = "0010_hamlets"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signed_copies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=False),
        sa.Column("stored_path", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_signed_copies_batch_id", "signed_copies", ["batch_id"])


def downgrade():
    op.drop_index("ix_signed_copies_batch_id", table_name="signed_copies")
    op.drop_table("signed_copies")
