"""queue counts: the work queue's counts per unit, kept in step by the database itself

Issue 15, finding 3. The counts beside the work queue's filters for several units (a district's
or a province's reporter) joined every open finding of the scope to its person and counted
distinct persons per rule and severity: 479 ms for a province of 600,000 persons, the sorts
spilling to disk. ``queue_counts`` holds, per unit, what that statement would count, split by the
two person attributes the status filters read (status, open rank):

- kind 0: persons per hamlet (``name`` the hamlet, '' for none);
- kind 1: persons with an open finding of a rule (``name``) and severity;
- kind 2: persons with an open finding of a severity (``name`` '').

Triggers on ``persons`` (insert, delete, a change of unit, hamlet, status or open rank) and on
``findings`` (insert, delete, a change of person, rule, severity or status) write the change as
rows of ``queue_count_changes`` (+1/-1): the one place that keeps the counts in step, whichever
path wrote (the ORM's re-screen, the bulk import's plain SQL, a mark, a merge, a police
return). A finding counts a person once per rule (a probe of the person's other open findings
of that rule, through ``ix_findings_person_queue``). The changes are only appended: adding to
the counts' rows in place made every import of a commune update the same few rows tens of
thousands of times in one transaction (on PostgreSQL each update a new row version that the
next one walks past: 150 s instead of 7 s for 50,000 persons). Readers add the changes to the
counts; ``services.queue_counts.fold`` moves them into the counts (every minute from cron).
PostgreSQL runs the triggers BEFORE each row (a row-level AFTER trigger there sees every row of
its statement, so two findings inserted by one statement would each see the other). On SQLite
the tables exist but stay empty: the counts are kept on PostgreSQL only (see upgrade()). ``treem counts rebuild`` recounts from the records
(services/queue_counts.py); this migration fills the counts once the same way.

Revision ID: 0026_queue_counts
Revises: 0025_campaigns
Create Date: 2026-12-06 03:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_queue_counts"
down_revision = "0025_campaigns"
branch_labels = None
depends_on = None

KEY = "unit_id, kind, name, severity, status, open_rank"
COLUMNS = f"{KEY}, persons"
OPEN = "status = 'open' AND severity IN ('error', 'warning')"

# The counts from the records (services/queue_counts.py has the same statement).
LIVE = f"""
SELECT unit_id, 0, coalesce(hamlet, ''), '', status, open_rank, count(*)
FROM persons GROUP BY unit_id, coalesce(hamlet, ''), status, open_rank
UNION ALL
SELECT p.unit_id, 1, f.rule, f.severity, p.status, p.open_rank, count(DISTINCT p.id)
FROM persons p JOIN findings f ON f.person_id = p.id
WHERE f.status = 'open' AND f.severity IN ('error', 'warning')
GROUP BY p.unit_id, f.rule, f.severity, p.status, p.open_rank
UNION ALL
SELECT p.unit_id, 2, '', f.severity, p.status, p.open_rank, count(DISTINCT p.id)
FROM persons p JOIN findings f ON f.person_id = p.id
WHERE f.status = 'open' AND f.severity IN ('error', 'warning')
GROUP BY p.unit_id, f.severity, p.status, p.open_rank
"""

# ----------------------------------------------------------------------------- PostgreSQL

# PL/pgSQL throughout (its statements' plans are kept for the session; a LANGUAGE sql function
# called from a trigger was planned again on every call: 8 times the cost of the insert itself).
PG_FUNCTIONS = [
    # A person's contribution (its hamlet row, one row per rule and severity of its open
    # findings, one per severity) added with the sign of the operation.
    f"""
    CREATE FUNCTION queue_counts_persons() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        INSERT INTO queue_count_changes ({COLUMNS})
        SELECT OLD.unit_id, 0, coalesce(OLD.hamlet, ''), '', OLD.status, OLD.open_rank, -1
        UNION ALL
        SELECT OLD.unit_id, 1, f.rule, f.severity, OLD.status, OLD.open_rank, -1 FROM (
          SELECT DISTINCT rule, severity FROM findings WHERE person_id = OLD.id AND {OPEN}) f
        UNION ALL
        SELECT OLD.unit_id, 2, '', f.severity, OLD.status, OLD.open_rank, -1 FROM (
          SELECT DISTINCT severity FROM findings WHERE person_id = OLD.id AND {OPEN}) f;
      END IF;
      IF TG_OP = 'DELETE' THEN
        RETURN OLD;
      END IF;
      IF TG_OP = 'INSERT' THEN  -- a new person has no findings yet (they point at it)
        INSERT INTO queue_count_changes ({COLUMNS})
        VALUES (NEW.unit_id, 0, coalesce(NEW.hamlet, ''), '', NEW.status, NEW.open_rank, 1);
        RETURN NEW;
      END IF;
      INSERT INTO queue_count_changes ({COLUMNS})
      SELECT NEW.unit_id, 0, coalesce(NEW.hamlet, ''), '', NEW.status, NEW.open_rank, 1
      UNION ALL
      SELECT NEW.unit_id, 1, f.rule, f.severity, NEW.status, NEW.open_rank, 1 FROM (
        SELECT DISTINCT rule, severity FROM findings WHERE person_id = NEW.id AND {OPEN}) f
      UNION ALL
      SELECT NEW.unit_id, 2, '', f.severity, NEW.status, NEW.open_rank, 1 FROM (
        SELECT DISTINCT severity FROM findings WHERE person_id = NEW.id AND {OPEN}) f;
      RETURN NEW;
    END $$
    """,
    # One open finding added or taken away: it changes the person's rule row and severity row
    # only when no other open finding of theirs gives the same one.
    """
    CREATE FUNCTION queue_counts_finding(pid integer, fid integer, r text, sev text,
                                         d integer) RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
      p record;
    BEGIN
      SELECT unit_id, status, open_rank INTO p FROM persons WHERE id = pid;
      IF NOT FOUND THEN
        RETURN;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM findings WHERE person_id = pid AND status = 'open'
                     AND severity = sev AND id <> fid) THEN
        INSERT INTO queue_count_changes (unit_id, kind, name, severity, status, open_rank,
                                         persons)
        VALUES (p.unit_id, 1, r, sev, p.status, p.open_rank, d),
               (p.unit_id, 2, '', sev, p.status, p.open_rank, d);
      ELSIF NOT EXISTS (SELECT 1 FROM findings WHERE person_id = pid AND status = 'open'
                        AND severity = sev AND rule = r AND id <> fid) THEN
        INSERT INTO queue_count_changes (unit_id, kind, name, severity, status, open_rank,
                                         persons)
        VALUES (p.unit_id, 1, r, sev, p.status, p.open_rank, d);
      END IF;
    END $$
    """,
    """
    CREATE FUNCTION queue_counts_findings() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'INSERT' AND OLD.status = 'open' AND OLD.severity IN ('error', 'warning') THEN
        PERFORM queue_counts_finding(OLD.person_id, OLD.id, OLD.rule, OLD.severity, -1);
      END IF;
      IF TG_OP = 'DELETE' THEN
        RETURN OLD;
      END IF;
      IF NEW.status = 'open' AND NEW.severity IN ('error', 'warning') THEN
        PERFORM queue_counts_finding(NEW.person_id, NEW.id, NEW.rule, NEW.severity, 1);
      END IF;
      RETURN NEW;
    END $$
    """,
]

PERSON_CHANGED = (
    "OLD.unit_id IS DISTINCT FROM NEW.unit_id OR OLD.hamlet IS DISTINCT FROM NEW.hamlet "
    "OR OLD.status IS DISTINCT FROM NEW.status OR OLD.open_rank IS DISTINCT FROM NEW.open_rank"
)
FINDING_CHANGED = (
    "OLD.person_id IS DISTINCT FROM NEW.person_id OR OLD.rule IS DISTINCT FROM NEW.rule "
    "OR OLD.severity IS DISTINCT FROM NEW.severity OR OLD.status IS DISTINCT FROM NEW.status"
)

PG_TRIGGERS = [
    "CREATE TRIGGER queue_counts_persons_rows BEFORE INSERT OR DELETE ON persons "
    "FOR EACH ROW EXECUTE FUNCTION queue_counts_persons()",
    "CREATE TRIGGER queue_counts_persons_update BEFORE UPDATE OF unit_id, hamlet, status, "
    f"open_rank ON persons FOR EACH ROW WHEN ({PERSON_CHANGED}) "
    "EXECUTE FUNCTION queue_counts_persons()",
    "CREATE TRIGGER queue_counts_findings_rows BEFORE INSERT OR DELETE ON findings "
    "FOR EACH ROW EXECUTE FUNCTION queue_counts_findings()",
    "CREATE TRIGGER queue_counts_findings_update BEFORE UPDATE OF person_id, rule, severity, "
    f"status ON findings FOR EACH ROW WHEN ({FINDING_CHANGED}) "
    "EXECUTE FUNCTION queue_counts_findings()",
]

TRIGGER_NAMES = {
    "persons": ["queue_counts_persons_rows", "queue_counts_persons_update",
                "queue_counts_persons_insert", "queue_counts_persons_delete"],
    "findings": ["queue_counts_findings_rows", "queue_counts_findings_update",
                 "queue_counts_findings_insert", "queue_counts_findings_delete"],
}  # fmt: skip


def upgrade():
    op.create_table(
        "queue_counts",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("open_rank", sa.SmallInteger(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit_id", "kind", "name", "severity", "status", "open_rank", name="pk_queue_counts"
        ),
    )
    op.create_table(
        "queue_count_changes",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("open_rank", sa.SmallInteger(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
    )
    # Kept on PostgreSQL only, where a province lives. On SQLite (a commune's or a district's
    # database) the queue counts from the records, as it always did: the triggers made the
    # import's insert step 3.5 times slower there for counts that take a few ms anyway.
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in PG_FUNCTIONS + PG_TRIGGERS:
        op.execute(statement)
    op.execute(f"INSERT INTO queue_counts ({COLUMNS}) {LIVE}")


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, names in TRIGGER_NAMES.items():
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        for name in ("queue_counts_persons", "queue_counts_findings"):
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        op.execute("DROP FUNCTION IF EXISTS queue_counts_finding(integer, integer, text, text, "
                   "integer)")  # fmt: skip
    op.drop_table("queue_count_changes")
    op.drop_table("queue_counts")
