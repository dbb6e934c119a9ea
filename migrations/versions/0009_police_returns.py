"""police returns: returned sheets, each row's answer, a negative answer on the record

Step 3. ``batch_returns`` keeps every returned sheet (or keyed entry) with its file, hash,
uploader and summary; each batch row gets the police's answer and its outcome; a person keeps
the police's last negative answer and a digest of the facts it was about.

Revision ID: 0009_police_returns
Revises: 0008_import_affected
Create Date: 2026-12-05 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_police_returns"
down_revision = "0008_import_affected"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "batch_returns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("original_name", sa.String(255), nullable=True),
        sa.Column("stored_path", sa.String(255), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("summary_json", sa.Text(), nullable=True),
        sa.Column("job_run_id", sa.Integer(), sa.ForeignKey("job_runs.id"), nullable=True),
    )
    op.create_index("ix_batch_returns_batch_id", "batch_returns", ["batch_id"])
    with op.batch_alter_table("batch_rows") as batch:
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("police_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("police_result", sa.String(64), nullable=True))
        batch.add_column(sa.Column("police_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("outcome_message", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column(
                "return_id",
                sa.Integer(),
                sa.ForeignKey("batch_returns.id", name="fk_batch_rows_return"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("outcome_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column(
                "decided_by_id",
                sa.Integer(),
                sa.ForeignKey("users.id", name="fk_batch_rows_decided_by"),
                nullable=True,
            )
        )
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("police_answer", sa.String(16), nullable=True))
        batch.add_column(sa.Column("police_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("police_facts", sa.String(32), nullable=True))


def downgrade():
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("police_facts")
        batch.drop_column("police_note")
        batch.drop_column("police_answer")
    with op.batch_alter_table("batch_rows") as batch:
        batch.drop_column("decided_by_id")
        batch.drop_column("outcome_at")
        batch.drop_column("return_id")
        batch.drop_column("outcome_message")
        batch.drop_column("police_note")
        batch.drop_column("police_result")
        batch.drop_column("police_id")
        batch.drop_column("reason")
        batch.drop_column("outcome")
    op.drop_index("ix_batch_returns_batch_id", table_name="batch_returns")
    op.drop_table("batch_returns")
