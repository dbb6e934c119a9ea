"""report kinds: weekly snapshots, reported totals and report files by kind of person

Issue 17 (reports by kind). ``week_snapshots`` are kept per commune, week AND kind
(``person_kind``; the rows before this are the children's), ``reported_totals`` (column (3))
and ``report_files`` carry the kind they are of, and the report's count index
``ix_persons_unit_report`` leads with the kind so a kind's columns (4) and (6) are still
counted from the index alone.

Revision ID: 0027_report_kinds
Revises: 0026_queue_counts
Create Date: 2026-12-10 12:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0027_report_kinds"
down_revision = "0026_queue_counts"
branch_labels = None
depends_on = None


def _kind():
    return sa.Column("person_kind", sa.String(length=16), nullable=False, server_default="child")


def upgrade():
    with op.batch_alter_table("week_snapshots", schema=None) as batch_op:
        batch_op.add_column(_kind())
        batch_op.drop_constraint("uq_week_snapshots_unit_week", type_="unique")
        batch_op.create_unique_constraint(
            "uq_week_snapshots_unit_week_kind", ["unit_id", "week", "person_kind"]
        )
    op.drop_index("ix_reported_totals_unit", table_name="reported_totals")
    with op.batch_alter_table("reported_totals", schema=None) as batch_op:
        batch_op.add_column(_kind())
    op.create_index(
        "ix_reported_totals_unit",
        "reported_totals",
        ["unit_id", "person_kind", "period_start", "entered_at"],
    )
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.add_column(_kind())
    op.drop_index("ix_persons_unit_report", table_name="persons")
    op.create_index(
        "ix_persons_unit_report",
        "persons",
        ["unit_id", "kind", "status", "sync_state"],
        postgresql_where=sa.text("software_facts IS NOT NULL"),
        sqlite_where=sa.text("software_facts IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_persons_unit_report", table_name="persons")
    op.create_index(
        "ix_persons_unit_report",
        "persons",
        ["unit_id", "status", "sync_state"],
        postgresql_where=sa.text("software_facts IS NOT NULL"),
        sqlite_where=sa.text("software_facts IS NOT NULL"),
    )
    with op.batch_alter_table("report_files", schema=None) as batch_op:
        batch_op.drop_column("person_kind")
    op.drop_index("ix_reported_totals_unit", table_name="reported_totals")
    op.execute("DELETE FROM reported_totals WHERE person_kind <> 'child'")
    with op.batch_alter_table("reported_totals", schema=None) as batch_op:
        batch_op.drop_column("person_kind")
    op.create_index(
        "ix_reported_totals_unit", "reported_totals", ["unit_id", "period_start", "entered_at"]
    )
    op.execute("DELETE FROM week_snapshots WHERE person_kind <> 'child'")
    with op.batch_alter_table("week_snapshots", schema=None) as batch_op:
        batch_op.drop_constraint("uq_week_snapshots_unit_week_kind", type_="unique")
        batch_op.create_unique_constraint("uq_week_snapshots_unit_week", ["unit_id", "week"])
        batch_op.drop_column("person_kind")
