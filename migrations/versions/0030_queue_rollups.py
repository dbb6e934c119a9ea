"""queue rollups: the kept counts of every district and province, added up

Issue 15, "every page's cost grows with the user's scope, never with the database". A
province's work queue summed its communes' and hamlets' kept rows on every request (24,600
rows at 1.5 million persons against 3,300 at 200,000: the p50 ratio was 1.7 to 2.1). Each unit
now keeps its own roll-up rows (``kind`` 10 + the kind, no hamlet): the fold
(services.queue_counts.fold) adds every change to each unit on the person's unit's path, and
this migration adds up the rows that are there. No new table, no new trigger: the rows live in
``queue_counts`` under the primary key (unit_id, kind, …), which a province's read walks.
SQLite: nothing (the counts are kept on PostgreSQL only).

Revision ID: 0030_queue_rollups
Revises: 0029_search_unit_trgm
Create Date: 2026-12-06 09:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0030_queue_rollups"
down_revision = "0029_search_unit_trgm"
branch_labels = None
depends_on = None

COLUMNS = "unit_id, kind, name, severity, hamlet, status, open_rank, persons"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE queue_counts, queue_count_changes IN EXCLUSIVE MODE")
    op.execute("DELETE FROM queue_counts WHERE kind >= 10")  # none, unless made by a newer app
    # The changes are appended and deleted by the fold every minute and read by every page of a
    # district or province: vacuumed after every 10,000 dead rows, not after 20 % of a table
    # that is mostly empty (a fold of 160,000 changes left 1,429 dead pages read three times a
    # request: 12 ms).
    op.execute(
        "ALTER TABLE queue_count_changes SET (autovacuum_vacuum_scale_factor = 0, "
        "autovacuum_vacuum_threshold = 10000, autovacuum_analyze_scale_factor = 0, "
        "autovacuum_analyze_threshold = 10000)"
    )
    op.execute(
        f"INSERT INTO queue_counts ({COLUMNS}) "
        "SELECT a.id, m.kind + 10, CASE WHEN m.kind = 0 THEN '' ELSE m.name END, m.severity, "
        "'', m.status, m.open_rank, sum(m.persons) "
        "FROM queue_counts m JOIN units u ON u.id = m.unit_id "
        "CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from u.path), '/')::int[]) "
        "AS a(id) WHERE m.kind < 10 GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(m.persons) <> 0"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DELETE FROM queue_counts WHERE kind >= 10")
    op.execute(
        "ALTER TABLE queue_count_changes RESET (autovacuum_vacuum_scale_factor, "
        "autovacuum_vacuum_threshold, autovacuum_analyze_scale_factor, "
        "autovacuum_analyze_threshold)"
    )
