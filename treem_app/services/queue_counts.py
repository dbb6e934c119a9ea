"""The work queue's maintained counts (``queue_counts``): what they are, recounted, checked.

The database keeps them in step (the triggers of migrations 0026 and 0028 append every write of
a person or a finding to ``queue_count_changes``); the counts are the rows plus those changes.
This module folds the changes into the rows (:func:`fold`, every minute from cron), recounts
them from the records (:func:`rebuild`, ``treem counts rebuild``), lists where they differ from
the records (:func:`mismatches`) and builds the queue's counts statements for several units
(:func:`counts_statement`, :func:`rollup_statement`).

Roll-up rows (migration 0030): the fold also adds each change to every unit on the person's
unit's path (the commune itself, its district, its province), as kind ``ROLLUP + kind`` with no
hamlet (and, for kind 0, no name). A province's counts are then its own hundred rows, not the
sum of its communes' and hamlets' (24,600 rows at 1.5 million persons): the invariant is that a
unit's roll-up rows equal the sum of the folded rows of the units below it. Readers add the
changes not yet folded of the units in scope (a minute's worth).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Integer,
    any_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from ..domain.vocabulary import INACTIVE_STATUSES
from ..models import QueueCount
from ..models.counts import HAMLET, ROLLUP, RULE, SEVERITY, queue_count_changes
from ..models.unit import path_ids

COLUMNS = "unit_id, kind, name, severity, hamlet, status, open_rank, persons"
KEY = "unit_id, kind, name, severity, hamlet, status, open_rank"
# The counts as they stand: the rows and the changes not yet folded into them.
KEPT = union_all(select(QueueCount.__table__), select(*queue_count_changes.c)).subquery(
    "kept_counts"
)
C = KEPT.c
CH = queue_count_changes.c
# Each unit on a unit's materialised path ('/1/5/17/': 1, 5 and 17), for a row aliased "u".
ON_PATH = (
    "CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from u.path), '/')::int[]) AS a(id)"
)
# A row (aliased "m") as the roll-up row of the unit "a": no hamlet; kind 0's name is its hamlet.
ROLLED = (
    f"a.id, m.kind + {ROLLUP}, CASE WHEN m.kind = 0 THEN '' ELSE m.name END, m.severity, '', "
    "m.status, m.open_rank"
)
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
            f"spread AS (SELECT {COLUMNS} FROM moved UNION ALL SELECT {ROLLED}, m.persons "
            f"FROM moved m JOIN units u ON u.id = m.unit_id {ON_PATH}), "
            f"summed AS (INSERT INTO queue_counts AS c ({COLUMNS}) "
            f"SELECT {KEY}, sum(persons) FROM spread GROUP BY {KEY} "
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
    rows = conn.execute(text(f"INSERT INTO queue_counts ({COLUMNS}) {_live(unit_ids)}")).rowcount
    return rows + rebuild_rollups(session, unit_ids)


def rebuild_rollups(session: Session, unit_ids: list[int] | None = None) -> int:
    """Recompute the roll-up rows of every unit on the paths of these units (every unit: None)
    from the folded rows of the units below each; returns the rows written. After a recount,
    and when units move in the tree (services.units.rebuild_paths). PostgreSQL only."""
    session.flush()
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return 0
    if unit_ids is None:
        conn.execute(text(f"DELETE FROM queue_counts WHERE kind >= {ROLLUP}"))
        base = "true"
    else:
        ids = ", ".join(str(int(u)) for u in unit_ids) or "NULL"
        tops = f"SELECT DISTINCT a.id FROM units u {ON_PATH} WHERE u.id IN ({ids})"
        conn.execute(
            text(f"DELETE FROM queue_counts WHERE kind >= {ROLLUP} AND unit_id IN ({tops})")
        )
        base = (
            f"m.unit_id IN (SELECT v.id FROM units v JOIN units t ON starts_with(v.path, t.path) "
            f"WHERE t.id IN ({tops})) AND a.id IN ({tops})"
        )
    return conn.execute(
        text(
            f"INSERT INTO queue_counts ({COLUMNS}) SELECT {ROLLED}, sum(m.persons) "
            f"FROM queue_counts m JOIN units u ON u.id = m.unit_id {ON_PATH} "
            f"WHERE m.kind < {ROLLUP} AND {base} "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(m.persons) <> 0"
        )
    ).rowcount


def mismatches(conn, unit_ids: list[int] | None = None) -> list[tuple[tuple, int, int]]:
    """(row key, kept count, count from the records) wherever they differ: none, always. The
    roll-up rows are checked for the units whose whole subtree is among ``unit_ids``: the kept
    ones with the changes not yet folded added, against the records' counts added up."""
    live = {tuple(r[:7]): r[7] for r in conn.execute(text(_live(unit_ids)))}
    paths = dict(conn.execute(text("SELECT id, path FROM units")).all())
    chosen = set(paths) if unit_ids is None else set(unit_ids)
    checked = set(chosen)
    for unit, path in paths.items():  # a unit left out leaves out the roll-ups above it
        if unit not in chosen:
            checked.difference_update(path_ids(path))
    stored: dict[tuple, int] = {}
    rows = select(QueueCount.__table__).where(QueueCount.kind < ROLLUP)
    pending = select(queue_count_changes)
    if unit_ids is not None:
        rows = rows.where(QueueCount.unit_id.in_(unit_ids))
        pending = pending.where(CH.unit_id.in_(unit_ids))
    rollups = select(QueueCount.__table__).where(QueueCount.kind >= ROLLUP)
    for *key, n in conn.execute(rollups):
        if key[0] in checked:
            stored[tuple(key)] = stored.get(tuple(key), 0) + n
    for source, rolled in ((rows, False), (pending, True)):
        for *key, n in conn.execute(source):
            stored[tuple(key)] = stored.get(tuple(key), 0) + n
            if rolled:  # a change not yet folded counts in its units' roll-ups too
                for up in _rolled(key, paths, checked):
                    stored[up] = stored.get(up, 0) + n
    for key, n in list(live.items()):
        for up in _rolled(key, paths, checked):
            live[up] = live.get(up, 0) + n
    stored = {k: n for k, n in stored.items() if n}
    return [
        (key, stored.get(key, 0), live.get(key, 0))
        for key in sorted(set(live) | set(stored), key=repr)
        if stored.get(key, 0) != live.get(key, 0)
    ]


def _rolled(key, paths: dict[int, str], checked: set[int]) -> list[tuple]:
    """The roll-up keys a row's count is part of, among the ``checked`` units."""
    unit, kind, name, severity, _hamlet, status, rank = key
    path = paths.get(unit)
    if path is None:
        return []
    name = "" if kind == HAMLET else name
    return [
        (up, kind + ROLLUP, name, severity, "", status, rank)
        for up in path_ids(path)
        if up in checked
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
    where = [units(C.unit_id), *status_conditions(C.status, C.open_rank)]
    return _counts(C, where, 0, rule=rule, severity=severity, hamlet=hamlet)


def rollup_statement(units, status_conditions, *, rule=False, severity=""):
    """The same counts as :func:`counts_statement` for every person below one unit (bound as
    "root") from that unit's roll-up rows, plus the changes not yet folded of the units below it
    (``units``, a condition on ``unit_id``): no hamlets (kind 0 has one key, ''). About a
    hundred rows, whatever the unit's size (migration 0030). A CTE: the changes are read once,
    not once for each of the three counts (a seq scan of a table a fold has just emptied reads
    its dead pages until a vacuum)."""
    qc = QueueCount.__table__.c
    rolled = union_all(
        select(qc.kind, qc.name, qc.severity, qc.hamlet, qc.status, qc.open_rank, qc.persons)
        .where(qc.unit_id == bindparam("root"), qc.kind >= ROLLUP),
        select((CH.kind + ROLLUP).label("kind"),
               case((CH.kind == HAMLET, literal("")), else_=CH.name).label("name"),
               CH.severity, literal("").label("hamlet"), CH.status, CH.open_rank, CH.persons)
        .where(units(CH.unit_id)),
    ).cte("rolled")  # fmt: skip
    where = status_conditions(rolled.c.status, rolled.c.open_rank)
    return _counts(rolled.c, where, ROLLUP, rule=rule, severity=severity, hamlet=False)


def _counts(c, where: list, offset: int, *, rule: bool, severity: str, hamlet: bool):
    """The counts statement over kept rows ``c`` (kinds shifted by ``offset``)."""
    assert kept_filter(rule, severity)
    persons = func.sum(c.persons)
    if rule:  # the rule's rows; with "errors", those of the persons with an open error
        matching = [c.kind == offset + RULE, c.name == bindparam("rule")]
        if severity == "error":
            matching.append(c.open_rank == 0)
    elif severity == "error":  # an open error is an open rank of 0
        matching = [c.kind == offset + HAMLET, c.open_rank == 0]
    elif severity:
        matching = [c.kind == offset + SEVERITY, c.severity == bindparam("severity")]
    else:
        matching = [c.kind == offset + HAMLET]
    in_hamlet = [c.hamlet == bindparam("hamlet")] if hamlet else []
    hamlets = (
        select(literal_column("0").label("kind"), c.hamlet.label("key"),
               null().label("severity"), c.open_rank.label("rank"), persons.label("persons"))
        .where(*matching, *where)
        .group_by(c.hamlet, c.open_rank)
        .having(persons > 0)
    )  # fmt: skip
    rules = (
        select(literal_column("1"), c.name, c.severity, null(), persons)
        .where(c.kind == offset + RULE, c.open_rank < 2, *in_hamlet, *where)
        .group_by(c.name, c.severity)
        .having(persons > 0)
    )
    severities = (
        select(literal_column("2"), null(), c.severity, null(), persons)
        .where(c.kind == offset + SEVERITY, c.open_rank < 2, *in_hamlet, *where)
        .group_by(c.severity)
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


def plan_walk(
    params: dict, matches: dict[int, int], table_rows: int, page_size: int, walk_max: int
) -> bool:
    """Whether the page is walked in the queue's order (services.work_queue), from the kept counts:
    the persons it lists per open rank (`matches`), and the persons table's rows. Binds where
    the walk starts (the rank of the page's first row, and the rows of that rank before it) and
    ends (the last rank with a match). The walk reads at most about `table_rows / matches[r]`
    index rows per row it keeps in rank r (every other unit's persons are in the index too);
    the sorting statement reads every match. The walk when it reads fewer, or at most walk_max:
    a rare rule's few matches are read and sorted instead."""
    listed = sorted(r for r, n in matches.items() if n > 0)
    if not listed:
        return False
    start, skip = listed[-1], params["offset"]
    for rank in listed:
        if skip < matches[rank]:
            start = rank
            break
        skip -= matches[rank]
    everyone = max(table_rows, sum(matches.values()))
    cost, need = 0.0, skip + page_size
    for rank in range(start, listed[-1] + 1):
        if need <= 0:
            break
        found = matches.get(rank, 0)
        taken = min(need, found)
        cost += everyone if not found else taken * max(everyone / found, 1)
        need -= taken
    if cost > max(walk_max, sum(matches.values())):
        return False
    params.update(from_rank=start, to_rank=listed[-1], walk_offset=skip)
    return True


def ids_in(column, dialect: str, ids: list[int] | None = None, *, name: str | None = None):
    """`column` among ids bound as one parameter: the list `ids`, or the one bound later as
    `name` (a statement built once). An array on PostgreSQL (one statement text, and so one
    prepared statement, whatever the length, where an expanding IN renders and sends a
    parameter per id), an expanding IN on SQLite."""
    value = {} if ids is None else {"value": list(ids)}
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer), **value))
    return column.in_(bindparam(name, expanding=True, **value))


def rolled_counts(conn, roots: list[int], paths: dict[int, str]) -> dict[int, list[int]]:
    """[persons, with an open error, open errors and warnings] of the active persons below each
    of ``roots`` (each unit's own roll-up rows, plus the changes not yet folded of the units of
    ``paths``: id → materialised path, every unit below the roots). An open error or warning is
    one rule on one person (a rule found on two fields counts once). About thirty rows a root,
    whatever its size (the home pages, services.dashboard)."""
    counts = {root: [0, 0, 0] for root in roots}
    wanted = set(roots)

    def add(root: int, kind: int, status: str, rank: int, n: int) -> None:
        if status in INACTIVE_STATUSES:
            return
        row = counts[root]
        if kind == HAMLET:
            row[0] += n
            row[1] += n if rank == 0 else 0
        else:
            row[2] += n

    kept = conn.execute(
        select(QueueCount.unit_id, QueueCount.kind, QueueCount.status, QueueCount.open_rank,
               func.sum(QueueCount.persons))
        .where(ids_in(QueueCount.unit_id, conn.dialect.name, roots),
               QueueCount.kind.in_((ROLLUP + HAMLET, ROLLUP + RULE)))
        .group_by(QueueCount.unit_id, QueueCount.kind, QueueCount.status, QueueCount.open_rank)
    )  # fmt: skip
    for unit, kind, status, rank, n in kept:
        add(unit, kind - ROLLUP, status, rank, n)
    pending = conn.execute(
        select(CH.unit_id, CH.kind, CH.status, CH.open_rank, func.sum(CH.persons))
        .where(ids_in(CH.unit_id, conn.dialect.name, list(paths)), CH.kind.in_((HAMLET, RULE)))
        .group_by(CH.unit_id, CH.kind, CH.status, CH.open_rank)
    )
    for unit, kind, status, rank, n in pending:
        for up in path_ids(paths[unit]):
            if up in wanted:
                add(up, kind, status, rank, n)
    return counts
