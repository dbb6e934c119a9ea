"""The reporters' dashboard (issue 14): per child unit, the progress of the open reporting week,
the records waiting for the police, the overdue lists, the communes without activity this week,
the clean rate of the past frozen weeks and the failed scheduled report runs.

Every figure is the count of a list (``board_list_query``, ``overdue_batches``, the idle rows of
the dashboard itself); the count of that list equals the figure. Every statement is grouped
over the scope (``id_sets.among``: one array on PostgreSQL), never one per unit: a province has
about 500 communes. The computed board is kept per (unit, week, day) for the cache window
(:class:`BoardCache`) and the page shows 50 of its rows (:func:`board_page`).

Definitions:
- *waiting for the police*: a record on a list handed to the police (issued, or partly
  returned) that has no answer from them yet (the row is open and its outcome empty);
- *overdue*: a list issued and not returned by its due date (``batches.overdue_query``);
- *no activity this week*: since Monday 00:00 local time none of the commune's records changed
  or was added (``persons.updated_at``, bumped by every change and every import), no import was
  uploaded and no list was made, handed, returned or closed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic
from time import time as time_now

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session

from ..domain import reports as dom
from ..domain.batch_states import BatchState
from ..domain.charts import LineChart, rate_chart
from ..domain.formatting import DEFAULT_ZONE, zone
from ..domain.reports import Figures
from ..files.shared_values import FolderStore
from ..models import Batch, BatchRow, ImportRun, JobRun, Person, Unit, User, WeekSnapshot
from .access import person_rule, scoped, subtree_ids
from .batches import overdue_query
from .id_sets import among
from .reports import (
    COLUMN_LISTS,
    ReportRow,
    UnitRef,
    column_condition,
    cutoff_settings,
    live_figures,
    weekly_report,
)

HISTORY_WEEKS = 12
PHONE_WEEKS = 6
PHONE_WIDTH = 340
FAILED_DAYS = 7
REPORT_JOB_PREFIX = "report"
# A handed list whose rows may still wait for the police's answer.
WAITING_STATES = (BatchState.ISSUED.value, BatchState.PARTLY_RETURNED.value)
# The lists of records behind the dashboard's figures (the report's, and the police's).
BOARD_LISTS = {**COLUMN_LISTS, "waiting_police": "Chờ công an xác thực"}


@dataclass
class BoardRow:
    """A row of the dashboard: a commune, a district (sums its communes), or the total."""

    unit: UnitRef
    number: str
    depth: int
    is_group: bool
    leaf_ids: list[int]
    figures: Figures
    waiting: int = 0
    overdue: int = 0
    idle: int = 0  # communes without activity this week (1 or 0 for a commune)

    @property
    def communes(self) -> int:
        return len(self.leaf_ids)


@dataclass
class HistoryPoint:
    week: str
    figures: Figures | None  # None: the week is not frozen for every commune

    @property
    def rate(self) -> Decimal | None:
        return self.figures.rate if self.figures is not None else None


@dataclass
class Board:
    """The computed dashboard of a unit for a week: plain data (no ORM object), kept between
    requests by :class:`BoardCache`; the page shows :func:`board_page` of it."""

    unit: UnitRef
    week: str  # the open reporting week the figures are of
    as_of: datetime  # naive UTC
    week_start: datetime  # Monday 00:00 local of the current ISO week, naive UTC
    rows: list[BoardRow]
    total: BoardRow
    history: list[HistoryPoint]
    chart: LineChart
    phone_chart: LineChart  # the last PHONE_WEEKS weeks, narrower
    failed_runs: list[JobRun] = field(default_factory=list)  # the viewer's, never kept
    # The rows in each order, sorted once per kept board (see ordered_rows).
    orders: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def leaf_rows(self) -> list[BoardRow]:
        return [r for r in self.rows if not r.is_group]


def local_monday(now: datetime, zone_name: str = DEFAULT_ZONE) -> datetime:
    """Monday 00:00 local of the ISO week `now` (naive UTC) is in, as naive UTC."""
    local = now.replace(tzinfo=UTC).astimezone(zone(zone_name))
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, time(0), zone(zone_name))
    return start.astimezone(UTC).replace(tzinfo=None)


# --------------------------------------------------------------------------- counts per commune


def waiting_counts(session: Session, leaf_ids: list[int]) -> dict[int, int]:
    """Records waiting for the police's answer, per commune."""
    out: dict[int, int] = {}
    for among_ids in among(session, Batch.unit_id, leaf_ids):
        stmt = (
            select(Batch.unit_id, func.count(BatchRow.id))
            .join(BatchRow, BatchRow.batch_id == Batch.id)
            .where(
                among_ids,
                Batch.state.in_(WAITING_STATES),
                BatchRow.open_person_id.is_not(None),
                BatchRow.outcome.is_(None),
            )
            .group_by(Batch.unit_id)
        )
        out.update({uid: n for uid, n in session.execute(stmt)})
    return out


def overdue_counts(session: Session, user: User, leaf_ids: list[int], today: date) -> dict:
    """Lists issued and not returned by their due date, per commune."""
    out: dict[int, int] = {}
    for among_ids in among(session, Batch.unit_id, leaf_ids):
        stmt = (
            overdue_query(user, today)
            .where(among_ids)
            .with_only_columns(Batch.unit_id, func.count(Batch.id))
            .group_by(Batch.unit_id)
        )
        out.update({uid: n for uid, n in session.execute(stmt)})
    return out


def active_units(session: Session, leaf_ids: list[int], since: datetime) -> set[int]:
    """The communes with some activity since `since` (see the module's definition): one
    statement per 900 communes, three EXISTS probes per commune, each on an index."""
    out: set[int] = set()
    for among_ids in among(session, Unit.id, leaf_ids):
        records = exists().where(Person.unit_id == Unit.id, Person.updated_at >= since)
        imports = exists().where(ImportRun.unit_id == Unit.id, ImportRun.uploaded_at >= since)
        lists = exists().where(
            Batch.unit_id == Unit.id,
            or_(
                Batch.created_at >= since,
                Batch.issued_at >= since,
                Batch.returned_at >= since,
                Batch.closed_at >= since,
            ),
        )
        stmt = select(Unit.id).where(among_ids, or_(records, imports, lists))
        out.update(session.scalars(stmt))
    return out


def history(
    session: Session,
    leaf_ids: list[int],
    week: str,
    weeks: int = HISTORY_WEEKS,
    person_kind: str = "child",
) -> list[HistoryPoint]:
    """The `weeks` reporting weeks before `week`, oldest first, with their frozen figures of
    one kind of person summed over the communes (None for a week some commune has no snapshot
    of)."""
    names = [dom.shift_week(week, -k) for k in range(weeks, 0, -1)]
    sums: dict[str, list[int]] = {w: [0, 0, 0, 0, 0] for w in names}  # n, known, (3), (4), (6)
    for among_ids in among(session, WeekSnapshot.unit_id, leaf_ids):
        stmt = (
            select(
                WeekSnapshot.week,
                func.count(),
                func.count(WeekSnapshot.reported),
                func.sum(WeekSnapshot.reported),
                func.sum(WeekSnapshot.in_software),
                func.sum(WeekSnapshot.cleaned),
            )
            .where(among_ids, WeekSnapshot.week.in_(names), WeekSnapshot.person_kind == person_kind)
            .group_by(WeekSnapshot.week)
        )
        for w, *values in session.execute(stmt):
            sums[w] = [a + int(b or 0) for a, b in zip(sums[w], values, strict=True)]
    out = []
    for w in names:
        n, known, reported, in_software, cleaned = sums[w]
        if not leaf_ids or n < len(leaf_ids):
            out.append(HistoryPoint(w, None))
            continue
        out.append(
            HistoryPoint(w, Figures(reported if known else None, in_software, cleaned, n - known))
        )
    return out


def chart_series(past: list[HistoryPoint]) -> list[tuple[str, str, Decimal | None]]:
    """The clean rate of past weeks as the chart's series: ("T49", "Tuần 49/2026 (…)", rate)."""
    return [(f"T{dom.parse_week(p.week)[1]}", dom.vn_week(p.week), p.rate) for p in past]


def failed_report_runs(
    session: Session, user: User, now: datetime, days: int = FAILED_DAYS
) -> list[JobRun]:
    """The report jobs (kinds "report…") in the user's scope that failed in the last days,
    newest first: a scheduled run that failed is shown, never silent."""
    return session.scalars(
        scoped(user, JobRun)
        .where(
            JobRun.kind.startswith(REPORT_JOB_PREFIX),
            JobRun.status == "failed",
            JobRun.created_at >= now - timedelta(days=days),
        )
        .order_by(JobRun.id.desc())
        .limit(20)
    ).all()


# --------------------------------------------------------------------------- live figures, kept


def newest_changes(session: Session, leaf_ids: list[int]) -> dict[int, datetime | None]:
    """Per commune, the time of its newest record change (``persons.updated_at``, bumped by
    every change and set by every import): one index probe per commune."""
    out: dict[int, datetime | None] = {}
    newest = select(func.max(Person.updated_at)).where(Person.unit_id == Unit.id).scalar_subquery()
    for among_ids in among(session, Unit.id, leaf_ids):
        out.update(session.execute(select(Unit.id, newest).where(among_ids)).all())
    return out


class ChangeKeyedCache:
    """Counts per commune kept between requests (one per process): a commune is counted again
    when its newest record change moved since (:func:`newest_changes`), and at the latest
    `seconds` after its count. The time limit bounds the one case the newest change misses: a
    transaction that stamped a record before another one's change and committed after it was
    read. :class:`LiveCache` and ``campaign_pace.PaceCache`` keep their counts so."""

    def __init__(self, seconds: float = 120.0, clock=monotonic):
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[object, tuple[datetime | None, float, object]] = {}
        self._lock = threading.Lock()

    def _counted(self, session: Session, unit_ids: list[int], count, tag=lambda uid: uid) -> dict:
        """{unit id: value}: the kept value of each commune whose entry (``tag(uid)``) is still
        good, and ``count(stale unit ids)`` ({unit id: value}) for the others, kept."""
        stamps = newest_changes(session, unit_ids)  # read before counting: never newer
        moment = self.clock()
        out: dict = {}
        stale: list[int] = []
        with self._lock:
            for uid in unit_ids:
                entry = self._entries.get(tag(uid))
                if (entry is not None and entry[0] == stamps.get(uid)
                        and moment - entry[1] < self.seconds):  # fmt: skip
                    out[uid] = entry[2]
                else:
                    stale.append(uid)
        if stale:
            fresh = count(stale)
            with self._lock:
                for uid in stale:
                    self._entries[tag(uid)] = (stamps.get(uid), moment, fresh[uid])
            out.update(fresh)
        return out


class LiveCache(ChangeKeyedCache):
    """Columns (4) and (6) per commune as the dashboard last counted them (see
    :class:`ChangeKeyedCache`): a province's dashboard then counts only the communes that
    changed, not its million records each time. The reports and the freezing never use it
    (they count, ``reports.live_figures``)."""

    def figures(self, session: Session, unit_ids: list[int]) -> dict[int, tuple[int, int]]:
        return self._counted(session, unit_ids, lambda stale: live_figures(session, stale))


# --------------------------------------------------------------------------- the board


def _row(r: ReportRow, waiting, overdue, idle) -> BoardRow:
    return BoardRow(
        r.unit,
        r.number,
        r.depth,
        r.is_group,
        r.leaf_ids,
        r.figures,
        sum(waiting.get(u, 0) for u in r.leaf_ids),
        sum(overdue.get(u, 0) for u in r.leaf_ids),
        sum(1 for u in r.leaf_ids if u in idle),
    )


def open_week(
    session: Session,
    unit: Unit,
    now: datetime,
    zone_name: str = DEFAULT_ZONE,
    boards: BoardCache | None = None,
) -> str:
    """The reporting week the dashboard shows at `now` (the unit's province's cut-off; kept for
    the boards' window when `boards` is given, so that a warm request does not read it)."""
    weekday, hour = (
        boards.kept(("cutoff", unit.id), lambda: cutoff_settings(session, unit))
        if boards is not None
        else cutoff_settings(session, unit)
    )
    return dom.week_of_cutoff(now, weekday, hour, zone_name)


def compute_board(
    session: Session,
    user: User,
    unit: Unit,
    *,
    now: datetime,
    today: date,
    zone_name: str = DEFAULT_ZONE,
    cache: LiveCache | None = None,
    week: str | None = None,
) -> Board:
    """The dashboard of `unit` (in the user's scope: the caller checks) as of `now`: the open
    reporting week's live figures per child unit (the weekly table's rows), the records waiting
    for the police, the overdue lists, the idle communes, the past weeks' clean rate. The
    figures do not depend on who asks (a role that sees the dashboard sees every list of the
    unit), so the result can be kept per (unit, week, day): see :class:`BoardCache`. The
    failed runs, which do, are left empty (:func:`board` adds them). `week`: the open week
    when the caller has it (:func:`open_week`)."""
    week = week or open_week(session, unit, now, zone_name)
    live = cache.figures if cache is not None else None
    report = weekly_report(session, unit, week, now=now, zone_name=zone_name, live=live)
    leaves = [r.unit.id for r in report.leaf_rows]
    since = local_monday(now, zone_name)
    waiting = waiting_counts(session, leaves)
    overdue = overdue_counts(session, user, leaves, today)
    idle = set(leaves) - active_units(session, leaves, since)
    rows = [_row(r, waiting, overdue, idle) for r in report.rows]
    me = UnitRef(unit.id, unit.code, unit.name)
    total = _row(ReportRow(me, "", 0, True, leaves, report.total), waiting, overdue, idle)
    past = history(session, leaves, week)
    series = chart_series(past)
    return Board(
        unit=me,
        week=week,
        as_of=report.as_of,
        week_start=since,
        rows=rows,
        total=total,
        history=past,
        chart=rate_chart(series),
        phone_chart=rate_chart(series[-PHONE_WEEKS:], PHONE_WIDTH),
    )


class BoardCache:
    """Computed boards kept per (unit, open week, local day, role) for `seconds`: a province's 500
    communes are counted once per window, not on every request, and the board's "as of" time
    says when. Requests that find no board wait for the one computing it instead of computing
    it again (10 reporters opening the page at 7:30). With a `store` (a ``FolderStore`` in the
    instance folder) the web server's processes share the boards: one computes, the others read
    its result; without one, each process keeps its own."""

    def __init__(self, seconds: float = 120.0, clock=time_now, store: FolderStore | None = None):
        self.seconds = seconds
        self.clock = clock
        self.store = store
        self._boards: dict[tuple, tuple[float, Board]] = {}
        self._building: dict[tuple, threading.Lock] = {}
        self._small: dict[tuple, tuple[float, object]] = {}  # see kept()
        self._lock = threading.Lock()

    def kept(self, key: tuple, compute, keep=lambda value: True):
        """A small value (a province's cut-off, "no failed report runs") kept in this process
        for the same window as the boards, so that a warm request reads no more than the board
        itself: computed again after `seconds`, or at once when `keep(value)` says not to keep
        it (a list of failed runs is read on every request while there is one)."""
        moment = self.clock()
        with self._lock:
            entry = self._small.get(key)
            if entry is not None and moment - entry[0] < self.seconds:
                return entry[1]
        value = compute()
        if keep(value):
            with self._lock:
                if len(self._small) >= 4096:
                    self._small.clear()
                self._small[key] = (moment, value)
        return value

    def _fresh(self, key: tuple) -> Board | None:
        entry = self._boards.get(key)
        if entry is not None and self.clock() - entry[0] < self.seconds:
            return entry[1]
        return None

    def get(self, key: tuple, compute) -> Board:
        with self._lock:
            found = self._fresh(key)
            if found is not None:
                return found
            building = self._building.setdefault(key, threading.Lock())
        with building:
            with self._lock:
                found = self._fresh(key)
            if found is not None:
                return found
            moment, made = self._shared(key, compute)
            with self._lock:
                self._boards = {k: v for k, v in self._boards.items()
                                if self.clock() - v[0] < self.seconds}  # fmt: skip
                self._boards[key] = (moment, made)
            return made

    def _shared(self, key: tuple, compute) -> tuple[float, Board]:
        """(when, board): the store's when another process computed it within the window, else
        computed here (and stored, under the key's lock). A store that fails is left aside."""
        if self.store is None:
            return self.clock(), compute()
        try:
            with self.store.lock(key):
                kept = self.store.read(key)
                if kept is not None and self.clock() - kept[0] < self.seconds:
                    return kept
                moment, made = self.clock(), compute()
                self.store.write(key, moment, made)
                self.store.forget_older(moment - self.seconds, time_now() - 86400)
                return moment, made
        except OSError:
            return self.clock(), compute()


def board(
    session: Session,
    user: User,
    unit: Unit,
    *,
    now: datetime,
    today: date,
    zone_name: str = DEFAULT_ZONE,
    cache: LiveCache | None = None,
    boards: BoardCache | None = None,
) -> Board:
    """The dashboard of `unit` for this user: the kept board when `boards` has a fresh one
    (else computed, and kept), with the user's own failed report runs."""

    # The cut-off and the absence of failed runs are kept for the boards' window as well, so a
    # warm request reads nothing here (an administrator's new cut-off shows within the window).
    week = open_week(session, unit, now, zone_name, boards)

    def compute() -> Board:
        return compute_board(session, user, unit, now=now, today=today, zone_name=zone_name,
                             cache=cache, week=week)  # fmt: skip

    if boards is None:
        return replace(compute(), failed_runs=failed_report_runs(session, user, now))
    # The role is in the key too: every role that sees the dashboard sees all of a unit's lists
    # today, but a board must never reach a role it was not computed for.
    made = boards.get((unit.id, week, today, user.role), compute)
    failed = boards.kept(
        ("failed", user.unit_id, user.role),
        lambda: failed_report_runs(session, user, now),
        keep=lambda runs: not runs,
    )
    return replace(made, failed_runs=failed)


# --------------------------------------------------------------------------- one page of rows

PAGE_ROWS = 50
ORDERS = {"need": "Cần đôn đốc trước", "unit": "Theo thứ tự đơn vị"}


def need_key(row: BoardRow) -> tuple:
    """Most in need first: no clean rate yet (no reported total), then the lowest clean rate,
    then the most records not cleaned; the code last, so that the order is stable."""
    rate = row.figures.rate
    return (rate is not None, rate if rate is not None else 0, -row.figures.not_cleaned,
            row.unit.code)  # fmt: skip


@dataclass
class BoardPage:
    """The rows one page of the dashboard shows. `rows` may start with a district's row again
    (`continued`) when the page begins inside its communes."""

    rows: list[BoardRow]
    number: int
    pages: int
    count: int  # rows of the whole list (communes only, for the idle list)
    order: str
    continued: BoardRow | None = None


def ordered_rows(board: Board, order: str, idle_only: bool = False) -> list[BoardRow]:
    """The board's rows in `order` ("need" or "unit"): districts keep their communes under
    them; "need" sorts the districts, and the communes within each, by :func:`need_key`. The
    idle list has the idle communes only."""
    if idle_only:
        leaves = [r for r in board.leaf_rows if r.idle]
        return sorted(leaves, key=need_key) if order == "need" else leaves
    groups: list[tuple[BoardRow, list[BoardRow]]] = []
    for r in board.rows:
        if r.depth == 0:
            groups.append((r, []))
        else:
            groups[-1][1].append(r)
    if order == "need":
        groups = sorted(((g, sorted(kids, key=need_key)) for g, kids in groups),
                        key=lambda pair: need_key(pair[0]))  # fmt: skip
    return [r for g, kids in groups for r in (g, *kids)]


def board_page(
    board: Board, *, order: str = "need", page: int = 1, size: int = PAGE_ROWS,
    idle_only: bool = False,
) -> BoardPage:  # fmt: skip
    """One page of the board's rows (the page number is clamped to the pages there are)."""
    order = order if order in ORDERS else "need"
    rows = board.orders.get((order, idle_only))
    if rows is None:
        rows = board.orders[order, idle_only] = ordered_rows(board, order, idle_only)
    pages = max(1, -(-len(rows) // size))
    number = min(max(1, page), pages)
    start = (number - 1) * size
    shown = rows[start : start + size]
    continued = None
    if shown and shown[0].depth > 0 and not idle_only:
        continued = next((r for r in reversed(rows[:start]) if r.depth == 0), None)
    return BoardPage(shown, number, pages, len(rows), order, continued)


# --------------------------------------------------------------------------- the lists


def board_list_query(user: User, leaf_ids: list[int], column: str) -> Select:
    """The persons behind a figure of the dashboard, in the user's sight (KeyError for an
    unknown column): a report column (``reports.column_query``'s condition) or the records
    waiting for the police."""
    if column == "waiting_police":
        condition = Person.id.in_(
            select(BatchRow.open_person_id)
            .join(Batch, Batch.id == BatchRow.batch_id)
            .where(
                Batch.unit_id.in_(leaf_ids),
                Batch.state.in_(WAITING_STATES),
                BatchRow.open_person_id.is_not(None),
                BatchRow.outcome.is_(None),
            )
        )
    else:
        condition = column_condition(column)
    return (
        select(Person)
        .where(Person.unit_id.in_(leaf_ids), condition, person_rule(user))
        .order_by(Person.unit_id, Person.hamlet, Person.name_key, Person.id)
    )


def overdue_batches(user: User, leaf_ids: list[int], today: date) -> Select:
    """The overdue lists of these communes in the user's scope, oldest due date first."""
    return (
        overdue_query(user, today)
        .where(Batch.unit_id.in_(leaf_ids))
        .order_by(Batch.due_on, Batch.unit_id, Batch.id)
    )


def leaf_ids_under(session: Session, unit: Unit) -> list[int]:
    """The communes (leaves) under a unit, itself for a commune."""
    rows = session.execute(
        select(Unit.id, Unit.parent_id).where(Unit.id.in_(subtree_ids(unit)))
    ).all()
    parents = {p for _u, p in rows if p is not None}
    return [u for u, _p in rows if u not in parents]
