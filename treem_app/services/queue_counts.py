"""The work queue's maintained counts (``queue_counts``): what they are, recounted, checked.

The database keeps them in step (the triggers of migrations 0026 and 0028 append every write of
a person or a finding to ``queue_count_changes``); the counts are the rows plus those changes.
This module folds the changes into the rows (:func:`fold`, every minute from cron), recounts
them from the records (:func:`rebuild`, ``treem counts rebuild``), lists where they differ from
the records (:func:`mismatches`) and builds the queue's counts statement for several units
(:func:`counts_statement`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, bindparam, func, literal_column, null, select, text, union_all
from sqlalchemy.orm import Session

from ..models import QueueCount
from ..models.counts import HAMLET, RULE, SEVERITY, queue_count_changes

COLUMNS = "unit_id, kind, name, severity, hamlet, status, open_rank, persons"
KEY = "unit_id, kind, name, severity, hamlet, status, open_rank"
# The counts as they stand: the rows and the changes not yet folded into them.
KEPT = union_all(select(QueueCount.__table__), select(*queue_count_changes.c)).subquery(
    "kept_counts"
)
C = KEPT.c
# Only one fold at a time (PostgreSQL): a transaction-scoped advisory lock with this key.
FOLD_LOCK = 150024

# The counts from the records, per unit and hamlet (the same statement as migration 0028's fill).
LIVE = """
SELECT unit_id, 0, coalesce(hamlet, ''), '', coalesce(hamlet, ''), status, open_rank, count(*)
FROM persons WHERE {units} GROUP BY unit_id, coalesce(hamlet, ''), status, open_rank
UNION ALL
SELECT p.unit_id, 1, f.rule, f.severity, coalesce(p.hamlet, ''), p.status, p.open_rank,
       count(DISTINCT p.id)
FROM persons p JOIN findings f ON f.person_id = p.id
WHERE {p_units} AND f.status = 'open' AND f.severity IN ('error', 'warning')
GROUP BY p.unit_id, f.rule, f.severity, coalesce(p.hamlet, ''), p.status, p.open_rank
UNION ALL
SELECT p.unit_id, 2, '', f.severity, coalesce(p.hamlet, ''), p.status, p.open_rank,
       count(DISTINCT p.id)
FROM persons p JOIN findings f ON f.person_id = p.id
WHERE {p_units} AND f.status = 'open' AND f.severity IN ('error', 'warning')
GROUP BY p.unit_id, f.severity, coalesce(p.hamlet, ''), p.status, p.open_rank
"""


def _live(unit_ids: list[int] | None) -> str:
    if unit_ids is None:
        return LIVE.format(units="true", p_units="true")
    ids = ", ".join(str(int(u)) for u in unit_ids) or "NULL"
    return LIVE.format(units=f"unit_id IN ({ids})", p_units=f"p.unit_id IN ({ids})")


def fold(session: Session) -> int:
    """Move the appended changes into the counts' rows (one row per key); returns how many
    changes were moved. Readers see the same numbers before and after. The changes are
    deleted and added in one statement (changes of transactions still running are
    not visible and stay for the next fold); a fold already running makes this one do
    nothing. Flushes, never commits."""
    session.flush()
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return 0  # the counts are kept on PostgreSQL only (migration 0026): nothing to move
    if not conn.execute(text(f"SELECT pg_try_advisory_xact_lock({FOLD_LOCK})")).scalar():
        return 0
    return conn.execute(
        text(
            f"WITH moved AS (DELETE FROM queue_count_changes RETURNING {COLUMNS}), "
            f"summed AS (INSERT INTO queue_counts AS c ({COLUMNS}) "
            f"SELECT {KEY}, sum(persons) FROM moved GROUP BY {KEY} "
            f"ON CONFLICT ({KEY}) DO UPDATE SET persons = c.persons + excluded.persons) "
            "SELECT count(*) FROM moved"
        )
    ).scalar_one()


def rebuild(session: Session, unit_ids: list[int] | None = None) -> int:
    """Recount the rows of these units (every unit: None) from the records; returns the number
    of rows written. On PostgreSQL both tables are locked against writers first, so no change
    committed meanwhile is lost between the delete and the count. Flushes, never commits."""
    session.flush()
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE queue_counts, queue_count_changes IN EXCLUSIVE MODE"))
    for table in (QueueCount.__table__, queue_count_changes):
        delete = table.delete()
        if unit_ids is not None:
            delete = delete.where(table.c.unit_id.in_(unit_ids))
        conn.execute(delete)
    return conn.execute(text(f"INSERT INTO queue_counts ({COLUMNS}) {_live(unit_ids)}")).rowcount


def mismatches(conn, unit_ids: list[int] | None = None) -> list[tuple[tuple, int, int]]:
    """(row key, kept count, count from the records) wherever they differ: none, always."""
    live = {tuple(r[:7]): r[7] for r in conn.execute(text(_live(unit_ids)))}
    key = [C.unit_id, C.kind, C.name, C.severity, C.hamlet, C.status, C.open_rank]
    stored_rows = select(*key, func.sum(C.persons)).group_by(*key)
    if unit_ids is not None:
        stored_rows = stored_rows.where(C.unit_id.in_(unit_ids))
    stored = {tuple(r[:7]): r[7] for r in conn.execute(stored_rows) if r[7]}
    return [
        (key, stored.get(key, 0), live.get(key, 0))
        for key in sorted(set(live) | set(stored), key=repr)
        if stored.get(key, 0) != live.get(key, 0)
    ]


def kept_filter(rule: bool, severity: str) -> bool:
    """Whether the kept rows give the hamlet counts under these filters: all but a rule with
    the warning filter (a person with that rule's error and another rule's warning is in
    neither row)."""
    return not (rule and severity == "warning")


def counts_statement(units, status_conditions, *, rule=False, severity="", hamlet=False):
    """The queue's counts (kind, key, severity, open rank, persons) for several units, from the
    kept rows, among the persons of ``units`` (a condition on ``unit_id``) whose status and open
    rank pass ``status_conditions(status column, open rank column)``:

    (0) per hamlet and open rank, the persons that pass the rule (bound as "rule") and severity
    filters (all of them without); (1) per rule and severity and (2) per severity, the persons
    of the hamlet filtered on (bound as "hamlet"; every hamlet without); (3) the persons table's
    rows as the planner last counted them (the work queue's page: how far it may walk).
    About a hundred rows per unit and hamlet, plus the changes since the last fold. A person
    has one severity per rule (SPEC section 4): the rule's rows added over severities count
    each person once. ``kept_filter(rule, severity)`` says which filters these rows serve."""
    assert kept_filter(rule, severity)
    where = [units(C.unit_id), *status_conditions(C.status, C.open_rank)]
    persons = func.sum(C.persons)
    if rule:  # the rule's rows; with "errors", those of the persons with an open error
        matching = [C.kind == RULE, C.name == bindparam("rule")]
        if severity == "error":
            matching.append(C.open_rank == 0)
    elif severity == "error":  # an open error is an open rank of 0
        matching = [C.kind == HAMLET, C.open_rank == 0]
    elif severity:
        matching = [C.kind == SEVERITY, C.severity == bindparam("severity")]
    else:
        matching = [C.kind == HAMLET]
    in_hamlet = [C.hamlet == bindparam("hamlet")] if hamlet else []
    hamlets = (
        select(literal_column("0").label("kind"), C.hamlet.label("key"),
               null().label("severity"), C.open_rank.label("rank"), persons.label("persons"))
        .where(*matching, *where)
        .group_by(C.hamlet, C.open_rank)
        .having(persons > 0)
    )  # fmt: skip
    rules = (
        select(literal_column("1"), C.name, C.severity, null(), persons)
        .where(C.kind == RULE, C.open_rank < 2, *in_hamlet, *where)
        .group_by(C.name, C.severity)
        .having(persons > 0)
    )
    severities = (
        select(literal_column("2"), null(), C.severity, null(), persons)
        .where(C.kind == SEVERITY, C.open_rank < 2, *in_hamlet, *where)
        .group_by(C.severity)
        .having(persons > 0)
    )
    # The planner's estimate of the persons table's rows (pg_class, no scan).
    table_rows = (
        select(literal_column("3"), null(), null(), null(),
               func.greatest(literal_column("reltuples"), 0).cast(BigInteger))
        .select_from(text("pg_class"))
        .where(text("oid = 'persons'::regclass"))
    )  # fmt: skip
    counts = union_all(hamlets, rules, severities, table_rows)
    return counts.order_by(*counts.selected_columns[:4])
