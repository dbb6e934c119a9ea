"""Step 2, the work queue: a commune's records in SQL, errors first, filters with counts.

A request runs the unit ids, the counts (hamlets, rules, severities in one statement) and one
page (with its open findings), plus the search when there is one. Statements are built once per
filter shape, values bound.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import cache

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter

from ..domain.findings import SEVERITY as RULE_SEVERITY
from ..domain.vocabulary import INACTIVE_STATUSES
from ..models import Finding, ImportRun, Person, Unit, User, VolunteerHamlet
from ..models.unit import in_tree_order
from .access import get_scoped, handed_to_police, subtree_ids
from .findings import has_open_finding
from .hamlets import filter_name, unit_hamlet_names
from .queue_counts import counts_statement as kept_counts_statement
from .queue_counts import ids_in, kept_filter, plan_walk, rollup_statement
from .queue_search import is_number, like_pattern, number_start, search_params, word_starts
from .queue_types import (  # noqa: F401 - STATUS_FILTERS: the views' and tests' name
    SEVERITY_LABELS,
    STATUS_FILTERS,
    QueueFilter,
    QueueFinding,
    QueuePage,
    QueueRow,
)

PAGE_SIZE = 50


# persons.open_rank (kept in step with the findings by every write, see
# services.persons.open_rank_of): 0 an open error, 1 open warnings only, 2 neither.
RANK_ERROR, RANK_NONE = 0, 2
# A search is run once, reading at most this many matching persons plus one; the queries of
# the page then read those persons by id instead of searching the scope again each. A search
# that matches more shows those (QueuePage.capped): one bounded scan at any number of
# matches, not a cliff past it (issue 15, finding 5). A name is searched from the start of
# one of its words: on PostgreSQL btree ranges led by the unit (0031_search_ranges) read
# the matches alone, one descent per unit.
SEARCH_BY_ID_MAX = 1000
# The first pages of a queue over several units are merged from each unit's index (each unit
# reads page * PAGE_SIZE rows at most; page 5 measured no faster than the sort); later pages
# sort the scope.
MERGED_PAGES = 3
# A page of several units walks the persons in the queue's order (ix_persons_queue_order) from
# the open rank it starts in when the kept counts say it reads at most this many index rows (or
# fewer than the sorting statement's matches); otherwise the merged or the sorting statement (a
# rare rule: its few matches sorted).
WALK_MAX = 20_000

# The queue reads the tables with Core: rows, not entities.
P = Person.__table__.c
F = Finding.__table__.c


@dataclass(frozen=True)
class _Shape:
    """What the queue's SQL depends on besides the values, which are bound parameters: its
    statements are built once per shape (see _statements) instead of once per request, which
    cost about as much Python as running them."""

    dialect: str
    units: str  # "one" (a commune) or "many" (a district or a province)
    volunteer: bool
    police: bool
    # "", "name" or "number" (the search condition), "filtered" (the filters', several units:
    # _Shape.of), "ids" (the persons either found)
    search: str
    status: str
    hamlet: bool
    rule: bool
    severity: str
    imported: bool  # the persons of one import (their ids bound as "import_ids")
    kind: bool = False  # one kind of person (bound as "kind")

    @classmethod
    def of(cls, dialect: str, user: User, units: list[int], filt: QueueFilter) -> _Shape:
        search = ""
        if filt.q:
            search = "number" if is_number(filt.q) else "name"
        severity = filt.severity
        if filt.rule and severity == "warning" and RULE_SEVERITY.get(filt.rule) == severity:
            severity = ""  # a warning rule: every person with the rule has an open warning
        if (dialect == "postgresql" and len(units) > 1 and not search and not filt.imp
                and not kept_filter(bool(filt.rule), severity)):  # fmt: skip
            # An error rule with the warning filter over several units: no kept row counts
            # it (services.queue_counts.kept_filter). Its first matches are found like a
            # search's (the counting statement took 2.5 s for a province of 1.5 million).
            search = "filtered"
        return cls(dialect, "one" if len(units) == 1 else "many", user.role == "volunteer",
                   user.role == "police", search, filt.status, bool(filt.hamlet), bool(filt.rule),
                   severity, bool(filt.imp), bool(filt.kind))  # fmt: skip


def _id_list(column, name: str, dialect: str, *, unbounded: bool = False):
    """`column` in a list of ids bound later as `name` (queue_counts.ids_in), or, for a list
    that may pass SQLite's parameter limit (an import's persons: tens of thousands), there a
    JSON array read with json_each (bind the list through :func:`_unbounded_ids`)."""
    if unbounded and dialect != "postgresql":
        each = func.json_each(bindparam(name)).table_valued("value")
        return column.in_(select(each.c.value))
    return ids_in(column, dialect, name=name)


def _unbounded_ids(ids: list[int], dialect: str) -> object:
    """The value to bind for an ``unbounded`` :func:`_id_list`."""
    return ids if dialect == "postgresql" else json.dumps(ids)


def _probes_per_person(shape: _Shape) -> bool:
    """Whether a rule or severity filter probes each person's findings rather than joining the
    open findings of that rule. For a commune (or the few persons a search found) PostgreSQL
    chose a merge semi-join that read the rule's open findings in person order from the start
    of ``ix_findings_open_rule``: every one of them in the database for a commune whose persons
    have high ids (30,960 index rows for 1,120 persons at 1.2 million). Probing each person of
    the commune with an open rank (about a thousand) is bounded by the commune. Several units
    keep the join: their persons outnumber the rule's findings."""
    return shape.dialect == "postgresql" and (shape.units == "one" or shape.search == "ids")


def _scope(shape: _Shape) -> list:
    """The user's persons as plain conditions: the unit ids are read first (one small query)
    so the database sees `unit_id = ?` for a commune and walks the queue's index in order,
    instead of a subquery it cannot see through; a search found few persons: their ids."""
    if shape.search == "ids":
        return [_id_list(P.id, "ids", shape.dialect)]
    if shape.units == "one":
        conditions = [P.unit_id == bindparam("unit_id")]
    else:
        conditions = [_id_list(P.unit_id, "unit_ids", shape.dialect)]
    if shape.volunteer:
        hamlets = select(VolunteerHamlet.hamlet).where(
            VolunteerHamlet.user_id == bindparam("user_id")
        )
        conditions.append(P.hamlet.in_(hamlets))
    if shape.police:  # the children of the lists handed to them (services.access)
        conditions.append(handed_to_police(P.id))
    if shape.imported:
        conditions.append(_id_list(P.id, "import_ids", shape.dialect, unbounded=True))
    if shape.search == "number":
        conditions.append(number_start())
    elif shape.search == "name":
        conditions.append(or_(*word_starts(shape.dialect)))
    return conditions


def _filters(shape: _Shape, *, skip: str = "", per_person: bool | None = None) -> list:
    """The queue's filters but the search as conditions on persons (`skip` "hamlet" or "rule"
    leaves that filter out, for the counts beside it; `per_person` probes each person's
    findings whatever _probes_per_person says)."""
    if per_person is None:
        per_person = _probes_per_person(shape)
    conditions = _status_conditions(shape.status, P.status, P.open_rank)
    if shape.kind:
        conditions.append(P.kind == bindparam("kind"))
    if shape.hamlet and skip != "hamlet":
        conditions.append(P.hamlet == bindparam("hamlet"))
    if shape.rule and skip != "rule" and not shape.imported:  # an import's ids are the rule's
        conditions.append(has_open_finding(F.rule == bindparam("rule"), per_person=per_person))
    if shape.severity and skip != "rule":
        if shape.severity == "error":
            conditions.append(P.open_rank == RANK_ERROR)
        else:  # an open warning: the rank says whether one can exist, the findings say which
            conditions.append(P.open_rank < RANK_NONE)
            conditions.append(
                has_open_finding(F.severity == bindparam("severity"), per_person=per_person)
            )
    return conditions


def _status_conditions(status: str, status_column, rank_column) -> list:
    """The status filter as conditions on a status and an open rank column (the persons', or
    the maintained counts', services.queue_counts)."""
    if status == "marked":
        return [status_column.in_(INACTIVE_STATUSES)]
    conditions = [status_column.not_in(INACTIVE_STATUSES)]
    if status == "open":
        conditions.append(rank_column < RANK_NONE)
    elif status == "errors":
        conditions.append(rank_column == RANK_ERROR)
    elif status in ("ready", "clean"):
        conditions.append(status_column == status)
    return conditions


def _counts_kept(shape: _Shape) -> bool:
    """Whether the rule and severity counts come from the maintained rows
    (services.queue_counts): several units with no filter but the status, rule and severity
    (which those counts leave out), for a user who sees every person of them (a reporter, an
    administrator). The persons-and-findings statement grew with the scope: 479 ms for a
    province of 600,000 persons (issue 15, finding 3). A commune's keeps it (a few ms). The
    rows are split by hamlet (migration 0028): the hamlet counts under a rule or a severity
    filter and the rule counts under a hamlet filter are kept rows too, but for a rule with
    the warning filter (services.queue_counts.kept_filter)."""
    return (
        shape.dialect == "postgresql"  # kept there only (migration 0026)
        and shape.units == "many"
        and not (shape.volunteer or shape.police or shape.imported or shape.search)
        and not shape.kind  # the counts are not split by kind of person
        and kept_filter(shape.rule, shape.severity)
    )


@dataclass(frozen=True)
class _Statements:
    search: Select | None
    counts: CompoundSelect
    page: Select
    merged: Select | None = None  # the page merged from each unit's index (several units)
    walk: Select | None = None  # the page walked in the queue's order (several units, kept)
    listed: Select | None = None  # the page of the persons the counts listed (a search's)


@cache
def _statements(shape: _Shape) -> _Statements:
    """The queue's statements for one shape (a few dozen shapes in all)."""
    scope = _scope(shape)
    search = None
    if shape.search == "name" and shape.dialect == "postgresql":
        # Each word start's index read up to the cap on its own (a plain index scan stops
        # there; one bitmap of all five read every match: 16 ms for the 94,000 names starting
        # "ngu" at 1.5 million, 3.5 ms so), the persons found at two starts counted once.
        base = _scope(replace(shape, search=""))
        found = union(
            *(select(P.id).where(*base, start).limit(SEARCH_BY_ID_MAX + 1)
              for start in word_starts(shape.dialect))
        ).subquery()  # fmt: skip
        search = select(found.c.id).limit(SEARCH_BY_ID_MAX + 1)
    elif shape.search in ("name", "number"):
        search = select(P.id).where(*scope).limit(SEARCH_BY_ID_MAX + 1)
    elif shape.search == "filtered":
        # The hamlet filter left out, as the hamlet counts leave it out.
        found = select(P.id).where(*scope, *_filters(shape, skip="hamlet", per_person=True))
        search = found.limit(SEARCH_BY_ID_MAX + 1)
    # The page (LIMIT/OFFSET in a subquery) with each person's open errors and warnings joined.
    columns = (P.id, P.full_name, P.name_key, P.dob, P.dob_precision, P.sex, P.id_number,
               P.hamlet, P.status, P.kind, P.unit_id, P.open_rank)  # fmt: skip
    order = (P.open_rank, P.name_key, P.id)
    if shape.search == "ids":
        # The persons found (at most SEARCH_BY_ID_MAX) read by id, then sorted (OFFSET 0: a
        # fence). Unfenced, PostgreSQL walked the queue's index in order looking for them, as
        # if they were spread evenly through it: 48,000 index rows for an ID number prefix at
        # 200,000 persons (29 ms instead of 2), the whole index when they are at its end.
        found = select(*columns).where(*scope, *_filters(shape)).offset(literal_column("0"))
        found = found.subquery("found")
        rows = select(found).order_by(found.c.open_rank, found.c.name_key, found.c.id)
    else:
        rows = select(*columns).where(*scope, *_filters(shape)).order_by(*order)
    page = _with_findings(rows.limit(PAGE_SIZE).offset(bindparam("offset")).subquery())
    merged = None
    if (
        shape.dialect == "postgresql"
        and shape.units == "many"
        and shape.search != "ids"
        and not shape.rule
        and not shape.severity
    ):
        # Several units: `unit_id = ANY(...)` cannot walk the queue's index in order, so the
        # database sorted the whole scope for each page. Instead each unit's first
        # offset + PAGE_SIZE rows, read in order from its index (a LATERAL subquery per unit
        # id), are merged and cut: bounded by the units and the page, not by their size. Used
        # for the first pages (MERGED_PAGES); a rule or severity filter probes the findings row
        # by row in each unit and keeps the plain statement.
        unit = (
            func.unnest(bindparam("unit_ids", type_=ARRAY(Integer)))
            .table_valued("uid")
            .render_derived(name="scope_unit")
        )
        per_unit = (
            select(*columns)
            .where(P.unit_id == unit.c.uid, *scope[1:], *_filters(shape))
            .order_by(*order)
            .limit(bindparam("upto"))
            .lateral("per_unit")
        )
        merged = _with_findings(
            select(per_unit)
            .select_from(unit)
            .join(per_unit, true())
            .order_by(per_unit.c.open_rank, per_unit.c.name_key, per_unit.c.id)
            .limit(PAGE_SIZE)
            .offset(bindparam("offset"))
            .subquery()
        )
    walk = None
    if _counts_kept(shape):
        # The persons in the queue's order between two open ranks (bound "from_rank" and
        # "to_rank": where the page starts and the last rank with a match, from the kept
        # counts), each one's findings probed: an index-only walk that stops at the page's
        # last row. The page's columns are read for its rows only.
        ids = (
            select(P.id)
            .where(*scope, *_filters(shape, per_person=True),
                   P.open_rank >= bindparam("from_rank"), P.open_rank <= bindparam("to_rank"))
            .order_by(*order)
            .limit(PAGE_SIZE)
            .offset(bindparam("walk_offset"))
            .subquery("walked")
        )  # fmt: skip
        walk = _with_findings(
            select(*columns).select_from(ids.join(Person.__table__, P.id == ids.c.id)).subquery()
        )
    # A search's persons are read once, in a CTE that applies the scope (_read_once).
    counted = [] if shape.search == "ids" else scope
    # The numbers beside the filters, in one statement: (0) persons per hamlet (and open rank)
    # for the filters but the hamlet one; among the persons that pass the filters but the rule
    # and severity ones, (1) persons per rule (and severity) of their open errors and warnings
    # and (2) persons per severity. One read of their open findings (only persons with rank
    # below 2 can have one) for both: the person-by-person probes are most of the cost.
    hamlets = (
        select(
            literal_column("0").label("kind"),
            P.hamlet.label("key"),
            null().label("severity"),
            P.open_rank.label("rank"),
            func.count().label("persons"),
        )
        .where(*counted, *_filters(shape, skip="hamlet"))
        .group_by(P.hamlet, P.open_rank)
    )
    open_findings = (F.status == "open", F.severity.in_(SEVERITY_LABELS))
    if shape.dialect == "postgresql" and _probes_per_person(shape):  # LATERAL: not SQLite
        # Each person's open findings probed in ix_findings_person_queue (LATERAL with OFFSET
        # 0, not pulled up): a commune's hash-joined every open finding in the database (issue
        # 15: 100,000 read, 300,000 with two more provinces). Bounded by the unit's persons.
        probe = (
            select(F.person_id, F.rule, F.severity)
            .where(F.person_id == P.id, *open_findings)
            .offset(literal_column("0"))
            .lateral("person_findings")
        )
        found = select(
            probe.c.person_id, probe.c.rule, probe.c.severity, P.hamlet, P.open_rank
        ).select_from(Person.__table__.join(probe, true()))
    else:
        found = (
            select(F.person_id, F.rule, F.severity, P.hamlet, P.open_rank)
            .select_from(Person.__table__.join(Finding.__table__, F.person_id == P.id))
            .where(*open_findings)
        )
    found = found.where(*counted, *_filters(shape, skip="rule"), P.open_rank < RANK_NONE).cte(
        "open_findings"
    )
    persons = func.count(found.c.person_id.distinct())
    if shape.rule and not shape.hamlet and shape.severity in ("", "error"):
        # The rule's persons per hamlet are among the findings just read (the hamlet filter,
        # which they leave out, is not set): a second probe of every person for the rule cost
        # a third of the statement.
        ranks = [found.c.open_rank == RANK_ERROR] if shape.severity == "error" else []
        hamlets = (
            select(literal_column("0").label("kind"), found.c.hamlet.label("key"),
                   null().label("severity"), found.c.open_rank.label("rank"),
                   persons.label("persons"))
            .where(found.c.rule == bindparam("rule"), *ranks)
            .group_by(found.c.hamlet, found.c.open_rank)
        )  # fmt: skip
    parts = [
        hamlets,
        select(literal_column("1"), found.c.rule, found.c.severity, null(), persons).group_by(
            found.c.rule, found.c.severity
        ),
        select(literal_column("2"), null(), found.c.severity, null(), persons).group_by(
            found.c.severity
        ),
    ]
    listed = None
    if shape.search == "ids":
        # (4) the page's persons (their place in it, their id): the page then reads those.
        place = func.row_number().over(order_by=order)
        ids = select(place.label("place"), P.id).where(*counted, *_filters(shape)).order_by(*order)
        ids = ids.limit(PAGE_SIZE).offset(bindparam("offset")).subquery("listed")
        parts.append(select(literal_column("4"), null(), null(), ids.c.place, ids.c.id))
        chosen = select(*columns).where(_id_list(P.id, "listed", shape.dialect)).subquery()
        listed = _with_findings(chosen)
    counts = union_all(*parts)
    counts = counts.order_by(*counts.selected_columns[:4])
    if shape.search == "ids":
        counts = _read_once(counts, shape)
    if _counts_kept(shape):

        def units(unit):
            return _id_list(unit, "unit_ids", shape.dialect)

        def statuses(status, rank):
            return _status_conditions(shape.status, status, rank)

        if shape.hamlet:  # the hamlets' rows (a hamlet of several communes)
            counts = kept_counts_statement(units, statuses, rule=shape.rule,
                                           severity=shape.severity, hamlet=True)  # fmt: skip
        else:  # the unit's own roll-up rows, whatever its size (migration 0030)
            counts = rollup_statement(units, statuses, rule=shape.rule, severity=shape.severity)
    return _Statements(search, counts, page, merged, walk, listed)


def _read_once(statement, shape: _Shape):
    """`statement` reading the persons found (at most SEARCH_BY_ID_MAX) once, from a CTE of
    them, where its hamlet counts, its open findings and its page's persons read each of them
    by id (a table row apiece, in as many table pages: 2 ms a read of 469 persons at 1.5
    million; the counts took 7.4 ms, now 3.1)."""
    columns = (P.id, P.hamlet, P.open_rank, P.status, P.kind, P.name_key)
    found = select(*columns).where(*_scope(shape)).cte("found_persons")
    return ClauseAdapter(found).traverse(statement)


def _with_findings(rows) -> Select:
    """A page of persons (a subquery) with each one's open errors and warnings joined."""
    return (
        select(rows, F.rule, F.severity, F.message)
        .outerjoin(
            Finding.__table__,
            and_(F.person_id == rows.c.id, F.status == "open", F.severity != "info"),
        )
        .order_by(rows.c.open_rank, rows.c.name_key, rows.c.id, F.id)
    )


def queue_page(session: Session, user: User, filt: QueueFilter) -> QueuePage:
    """One page of the work queue (open errors first, then by name), with the counts beside
    each filter.

    All in SQL on the stored open rank: the hamlet counts (GROUP BY hamlet, the total is one of
    them or their sum), the page (ORDER BY open_rank, name_key, id with LIMIT/OFFSET, with the
    open findings of its persons) and the rule and severity counts (the open findings of the
    persons that pass the other filters). The search box takes an ID number prefix (digits) or
    the start of a word of the name ("hung", "van hung"), with or without accents (name keys
    are folded). NULL names sort as the database sorts them (first on SQLite, last on
    PostgreSQL).
    """
    session.flush()
    conn = session.connection()
    dialect = conn.dialect.name
    scope = conn.execute(_UNITS, {"path": like_pattern(user.unit.path)}).all()
    root, depth = user.unit, user.unit.path.count("/")
    chosen = next((u for u in scope if filt.unit and u.code == filt.unit), None)
    if chosen is None:
        filt.unit = ""  # not a unit of the user's: the whole scope
    units = [u.id for u in scope if u.path.startswith((chosen or root).path)]
    if filt.hamlet:  # any spelling of a listed hamlet (or of one merged into it) filters on it
        filt.hamlet = filter_name(session, units, filt.hamlet)
    shape = _Shape.of(dialect, user, units, filt)
    params = {"unit_id": units[0], "unit_ids": units, "user_id": user.id, "hamlet": filt.hamlet,
              "rule": filt.rule, "severity": filt.severity, "kind": filt.kind,
              "root": (chosen or root).id}  # fmt: skip
    imported = None
    capped = 0
    if filt.imp:
        imported = get_scoped(session, user, ImportRun, filt.imp)  # not the user's: nothing
        ids = imported.affected(filt.rule) if imported is not None else []
        params["import_ids"] = _unbounded_ids(ids, dialect)
    if dialect == "postgresql" and (shape.search or _counts_kept(shape)):
        # Planned with this request's values: PostgreSQL's generic plans (after ten requests)
        # walked the whole index for a kept-counts page (2 s instead of 20 ms at 1.5 million)
        # and read every name for a province's name search (440 instead of 45 ms at 600,000).
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    if dialect == "postgresql" and shape.search == "name":
        # A name's word starts are read from five indexes (at most 1,001 persons each):
        # started workers cost more than the scan (9 instead of 2 ms at 1.5 million).
        conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
    side = None  # the rule and severity counts, when not those of the persons found
    if shape.search == "filtered":  # they leave the rule and severity out: kept rows count them
        side = _statements(replace(shape, search="", rule=False, severity="")).counts
    if shape.search:
        if shape.search in ("name", "number"):
            params.update(search_params(filt.q))
        found = conn.scalars(_statements(shape).search, params).all()
        if len(found) > SEARCH_BY_ID_MAX:
            capped = SEARCH_BY_ID_MAX
        shape = replace(shape, search="ids")
        params["ids"] = found[:SEARCH_BY_ID_MAX]
    stmts = _statements(shape)
    counts: dict[str | None, int] = {}
    rules = []
    # A person has an open error exactly when their rank is 0 (the rank is kept in step).
    severities = dict.fromkeys(SEVERITY_LABELS, 0)
    matches: dict[int, int] = {}  # the persons the page lists, per open rank
    table_rows = 0  # the persons table's estimated rows (kept counts only)
    page_ids: list[int] = []  # a search's page, listed by its counts (the page asked for)
    params["offset"] = (filt.page - 1) * PAGE_SIZE
    for kind, key, severity, rank, n in conn.execute(stmts.counts, params).all():
        if kind == 0:
            counts[key] = counts.get(key, 0) + n
            if not filt.hamlet or key == filt.hamlet:
                matches[rank] = matches.get(rank, 0) + n
        elif kind == 1:
            rules.append((key, n))
        elif kind == 2:
            severities[severity] = n
        elif kind == 3:
            table_rows = n
        else:
            page_ids.append(n)
    if side is not None:
        found_counts = conn.execute(side, params).all()
        rules = [(key, n) for kind, key, _severity, _rank, n in found_counts if kind == 1]
        severities.update({s: n for kind, _key, s, _rank, n in found_counts if kind == 2})
    # The hamlet counts leave the hamlet filter out: the total is one of them, or their sum.
    total = counts.get(filt.hamlet, 0) if filt.hamlet else sum(counts.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filt.page, pages)
    params["offset"] = (page - 1) * PAGE_SIZE
    params["upto"] = params["offset"] + PAGE_SIZE  # each unit's share of a merged page
    merged = stmts.merged is not None and page <= MERGED_PAGES
    page_stmt = stmts.merged if merged else stmts.page
    if stmts.walk is not None and _plan_walk(params, matches, table_rows):
        page_stmt = stmts.walk
    if stmts.listed is not None and page == filt.page:  # the counts listed the page's persons
        page_stmt, params["listed"] = stmts.listed, page_ids
    items: list[QueueRow] = []
    for *facts, _rank, rule, severity, message in conn.execute(page_stmt, params).all():
        if not items or items[-1].id != facts[0]:
            items.append(QueueRow(*facts))
        if rule is not None:
            items[-1].findings.append(QueueFinding(rule, severity, message))
    # A page of several units lists their persons, not their hamlets (a "Thôn Một" in each
    # commune): the hamlets of one unit, or the one filtered on.
    hamlets = [(h or "", n) for h, n in counts.items()] if len(units) == 1 or filt.hamlet else []
    listed = [(u.code, u.name, u.path.count("/") - depth)
              for u in in_tree_order(scope) if u.id != root.id]  # fmt: skip
    names = {u.id: u.name for u in scope if u.id in units} if len(units) > 1 else {}
    return QueuePage(items, total, page, pages, hamlets, rules, severities, imported, capped,
                     listed, names)  # fmt: skip


def _plan_walk(params: dict, matches: dict[int, int], table_rows: int) -> bool:
    """Whether the page is walked in the queue's order (services.queue_counts.plan_walk)."""
    return plan_walk(params, matches, table_rows, PAGE_SIZE, WALK_MAX)


# A unit and the units below it in tree order (services.access.subtree_ids, the path bound).
_U = Unit.__table__.c
_UNITS = (
    select(_U.id, _U.code, _U.name, _U.path)
    .where(_U.path.like(bindparam("path"), escape="/"))
    .order_by(_U.path)
)


def unit_hamlets(session: Session, unit: Unit) -> list[str]:
    """The hamlets of a unit (and below), for pickers: its list and those its persons hold."""
    return unit_hamlet_names(session, subtree_ids(unit))
