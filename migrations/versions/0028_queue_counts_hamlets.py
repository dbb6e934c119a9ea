"""queue counts by hamlet: the kept rule and severity counts split per hamlet; the queue's order

Issue 15, the province's rule and severity filters. The kept counts of migration 0026 held the
rule and severity rows per unit only, so a province reporter's queue with a rule or a severity
filter still counted its hamlets (and its total) from the records, and a hamlet filter left the
kept counts altogether: every open finding of the scope read on each request (1.6 s at 600,000
persons). ``queue_counts`` and ``queue_count_changes`` get a ``hamlet`` column, part of the key:

- kind 0: persons per hamlet (``name`` and ``hamlet`` the hamlet, '' for none), as before;
- kind 1: persons of a hamlet with an open finding of a rule (``name``) and severity;
- kind 2: persons of a hamlet with an open finding of a severity (``name`` '').

So the hamlet counts under a rule are the rule's rows per hamlet (a rule has one severity,
SPEC section 4), under "errors" the hamlet rows of open rank 0, under "warnings" the warning
rows per hamlet; with a hamlet filter the rule and severity rows of that hamlet. The triggers
(the same three functions, now with the person's hamlet) are replaced and the counts recounted.

``ix_persons_queue_order`` (PostgreSQL): every person in the queue's order (open rank, name key,
id) with the unit, status and hamlet included, so a page of a province's queue filtered on a rule
or a severity, or a later page, walks the persons in order from the rank it starts in (known from
the kept counts) instead of sorting every match of the scope (services.work_queue).
``ix_queue_counts_kind`` (PostgreSQL): the queue's counts read one kind's rows from the index.

Revision ID: 0028_queue_counts_hamlets
Revises: 0027_report_kinds
Create Date: 2026-12-12 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0028_queue_counts_hamlets"
down_revision = "0027_report_kinds"
branch_labels = None
depends_on = None

KEY = "unit_id, kind, name, severity, hamlet, status, open_rank"
COLUMNS = f"{KEY}, persons"
OPEN = "status = 'open' AND severity IN ('error', 'warning')"
TABLES = ("queue_counts", "queue_count_changes")

# The counts from the records (services/queue_counts.py has the same statement).
LIVE = """
SELECT unit_id, 0, coalesce(hamlet, ''), '', coalesce(hamlet, ''), status, open_rank, count(*)
FROM persons GROUP BY unit_id, coalesce(hamlet, ''), status, open_rank
UNION ALL
SELECT p.unit_id, 1, f.rule, f.severity, coalesce(p.hamlet, ''), p.status, p.open_rank,
       count(DISTINCT p.id)
FROM persons p JOIN findings f ON f.person_id = p.id
WHERE f.status = 'open' AND f.severity IN ('error', 'warning')
GROUP BY p.unit_id, f.rule, f.severity, coalesce(p.hamlet, ''), p.status, p.open_rank
UNION ALL
SELECT p.unit_id, 2, '', f.severity, coalesce(p.hamlet, ''), p.status, p.open_rank,
       count(DISTINCT p.id)
FROM persons p JOIN findings f ON f.person_id = p.id
WHERE f.status = 'open' AND f.severity IN ('error', 'warning')
GROUP BY p.unit_id, f.severity, coalesce(p.hamlet, ''), p.status, p.open_rank
"""


# Migration 0026's statement (no hamlet on the rule and severity rows), for the downgrade.
LIVE_0026 = (
    LIVE.replace("coalesce(hamlet, ''), '', coalesce(hamlet, ''),", "coalesce(hamlet, ''), '',")
    .replace("f.severity, coalesce(p.hamlet, ''),", "f.severity,")
    .replace("f.severity, coalesce(p.hamlet, ''), p.status", "f.severity, p.status")
)


def _functions(with_hamlet: bool) -> list[str]:
    """Migration 0026's trigger functions, with (upgrade) or without (downgrade) the hamlet."""
    key = KEY if with_hamlet else KEY.replace(" hamlet,", "")
    columns = f"{key}, persons"

    def h(row: str) -> str:  # the hamlet value of a row (OLD, NEW or p), when it has one
        return f"coalesce({row}.hamlet, ''), " if with_hamlet else ""

    return [
        f"""
    CREATE OR REPLACE FUNCTION queue_counts_persons() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        INSERT INTO queue_count_changes ({columns})
        SELECT OLD.unit_id, 0, coalesce(OLD.hamlet, ''), '', {h("OLD")}OLD.status,
               OLD.open_rank, -1
        UNION ALL
        SELECT OLD.unit_id, 1, f.rule, f.severity, {h("OLD")}OLD.status, OLD.open_rank, -1
        FROM (SELECT DISTINCT rule, severity FROM findings WHERE person_id = OLD.id AND {OPEN}) f
        UNION ALL
        SELECT OLD.unit_id, 2, '', f.severity, {h("OLD")}OLD.status, OLD.open_rank, -1 FROM (
          SELECT DISTINCT severity FROM findings WHERE person_id = OLD.id AND {OPEN}) f;
      END IF;
      IF TG_OP = 'DELETE' THEN
        RETURN OLD;
      END IF;
      IF TG_OP = 'INSERT' THEN  -- a new person has no findings yet (they point at it)
        INSERT INTO queue_count_changes ({columns})
        VALUES (NEW.unit_id, 0, coalesce(NEW.hamlet, ''), '', {h("NEW")}NEW.status,
                NEW.open_rank, 1);
        RETURN NEW;
      END IF;
      INSERT INTO queue_count_changes ({columns})
      SELECT NEW.unit_id, 0, coalesce(NEW.hamlet, ''), '', {h("NEW")}NEW.status,
             NEW.open_rank, 1
      UNION ALL
      SELECT NEW.unit_id, 1, f.rule, f.severity, {h("NEW")}NEW.status, NEW.open_rank, 1 FROM (
        SELECT DISTINCT rule, severity FROM findings WHERE person_id = NEW.id AND {OPEN}) f
      UNION ALL
      SELECT NEW.unit_id, 2, '', f.severity, {h("NEW")}NEW.status, NEW.open_rank, 1 FROM (
        SELECT DISTINCT severity FROM findings WHERE person_id = NEW.id AND {OPEN}) f;
      RETURN NEW;
    END $$
    """,
        f"""
    CREATE OR REPLACE FUNCTION queue_counts_finding(pid integer, fid integer, r text, sev text,
                                                    d integer) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE
      p record;
    BEGIN
      SELECT unit_id, hamlet, status, open_rank INTO p FROM persons WHERE id = pid;
      IF NOT FOUND THEN
        RETURN;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM findings WHERE person_id = pid AND status = 'open'
                     AND severity = sev AND id <> fid) THEN
        INSERT INTO queue_count_changes ({columns})
        VALUES (p.unit_id, 1, r, sev, {h("p")}p.status, p.open_rank, d),
               (p.unit_id, 2, '', sev, {h("p")}p.status, p.open_rank, d);
      ELSIF NOT EXISTS (SELECT 1 FROM findings WHERE person_id = pid AND status = 'open'
                        AND severity = sev AND rule = r AND id <> fid) THEN
        INSERT INTO queue_count_changes ({columns})
        VALUES (p.unit_id, 1, r, sev, {h("p")}p.status, p.open_rank, d);
      END IF;
    END $$
    """,
    ]


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    if not postgresql:  # the tables stay empty on SQLite (migration 0026): made again
        for table in TABLES:
            with op.batch_alter_table(table, recreate="always") as batch_op:
                batch_op.add_column(
                    sa.Column("hamlet", sa.String(length=120), nullable=False, server_default="")
                )
        with op.batch_alter_table("queue_counts", recreate="always") as batch_op:
            batch_op.drop_constraint("pk_queue_counts", type_="primary")
            batch_op.create_primary_key("pk_queue_counts", KEY.split(", "))
        return
    op.execute("LOCK TABLE persons, findings IN SHARE MODE")
    for table in TABLES:
        op.execute(f"DELETE FROM {table}")
        op.add_column(
            table, sa.Column("hamlet", sa.String(length=120), nullable=False, server_default="")
        )
    op.drop_constraint("pk_queue_counts", "queue_counts", type_="primary")
    op.create_primary_key("pk_queue_counts", "queue_counts", KEY.split(", "))
    for statement in _functions(with_hamlet=True):
        op.execute(statement)
    op.execute(f"INSERT INTO queue_counts ({COLUMNS}) {LIVE}")
    op.execute(
        "CREATE INDEX ix_persons_queue_order ON persons (open_rank, name_key, id) "
        "INCLUDE (unit_id, status, hamlet)"
    )
    op.execute(
        "CREATE INDEX ix_queue_counts_kind ON queue_counts (kind, name, severity, hamlet, "
        "status, open_rank, unit_id) INCLUDE (persons)"
    )


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    key = KEY.replace(" hamlet,", "")
    if not postgresql:
        with op.batch_alter_table("queue_counts", recreate="always") as batch_op:
            batch_op.drop_constraint("pk_queue_counts", type_="primary")
            batch_op.create_primary_key("pk_queue_counts", key.split(", "))
        for table in TABLES:
            with op.batch_alter_table(table, recreate="always") as batch_op:
                batch_op.drop_column("hamlet")
        return
    op.execute("DROP INDEX IF EXISTS ix_persons_queue_order")
    op.execute("DROP INDEX IF EXISTS ix_queue_counts_kind")
    op.execute("LOCK TABLE persons, findings IN SHARE MODE")
    for statement in _functions(with_hamlet=False):
        op.execute(statement)
    for table in TABLES:
        op.execute(f"DELETE FROM {table}")
    op.drop_constraint("pk_queue_counts", "queue_counts", type_="primary")
    for table in TABLES:
        op.drop_column(table, "hamlet")
    op.create_primary_key("pk_queue_counts", "queue_counts", key.split(", "))
    # Recounted as migration 0026 counted them (per unit).
    op.execute(f"INSERT INTO queue_counts ({key}, persons) {LIVE_0026}")
