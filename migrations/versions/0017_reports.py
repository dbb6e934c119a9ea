"""reports: locally reported totals, frozen weekly figures, report files, the weekly cut-off

Issue 14. ``reported_totals`` keeps every entry of a commune's own child count (history: never
updated in place); ``week_snapshots`` the figures of a closed week per commune (unique per
commune and week, never changed); ``report_files`` the built .xlsx/PDF outputs;
``handover_settings`` gains the report cut-off (weekday, local hour; default Friday 10:00);
``ix_persons_unit_report`` counts columns (4) and (6) per commune from an index;
``ix_person_events_status_marks`` finds the records marked duplicates after a freeze.

Revision ID: 0017_reports
Revises: 0016_console_access_log
Create Date: 2026-12-06 01:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_reports"
down_revision = "0016_console_access_log"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reported_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["entered_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_reported_totals_unit",
        "reported_totals",
        ["unit_id", "period_start", "entered_at"],
    )
    op.create_table(
        "week_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("reported", sa.Integer(), nullable=True),
        sa.Column("reported_total_id", sa.Integer(), nullable=True),
        sa.Column("in_software", sa.Integer(), nullable=False),
        sa.Column("cleaned", sa.Integer(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["reported_total_id"], ["reported_totals.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "week", name="uq_week_snapshots_unit_week"),
    )
    op.create_index("ix_week_snapshots_week", "week_snapshots", ["week"])
    op.create_table(
        "report_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("stored_path", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.DateTime(), nullable=True),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("job_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["job_run_id"], ["job_runs.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_report_files_unit", "report_files", ["unit_id", "kind", "period", "created_at"]
    )
    with op.batch_alter_table("handover_settings") as batch:
        batch.add_column(
            sa.Column("report_weekday", sa.Integer(), nullable=False, server_default="4")
        )
        batch.add_column(
            sa.Column("report_hour", sa.Integer(), nullable=False, server_default="10")
        )
    op.create_index(
        "ix_persons_unit_report",
        "persons",
        ["unit_id", "status", "sync_state"],
        postgresql_where=sa.text("software_facts IS NOT NULL"),
        sqlite_where=sa.text("software_facts IS NOT NULL"),
    )
    op.create_index(
        "ix_person_events_status_marks",
        "person_events",
        ["new_value", "at"],
        postgresql_where=sa.text("field = 'status'"),
        sqlite_where=sa.text("field = 'status'"),
    )


def downgrade():
    op.drop_index("ix_person_events_status_marks", table_name="person_events")
    op.drop_index("ix_persons_unit_report", table_name="persons")
    with op.batch_alter_table("handover_settings") as batch:
        batch.drop_column("report_hour")
        batch.drop_column("report_weekday")
    op.drop_index("ix_report_files_unit", table_name="report_files")
    op.drop_table("report_files")
    op.drop_index("ix_week_snapshots_week", table_name="week_snapshots")
    op.drop_table("week_snapshots")
    op.drop_index("ix_reported_totals_unit", table_name="reported_totals")
    op.drop_table("reported_totals")
