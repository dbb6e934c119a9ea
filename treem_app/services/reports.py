"""Reports (issue 14): the weekly and monthly progress tables of a unit, per child unit, from
live counts or from frozen weekly snapshots, the locally reported totals, and restatements.

Columns (4) and (6) are step 4's (``services.software_sync.in_software`` / ``cleaned``); this
module only counts them per commune. A week is *open* until its cut-off (the province's weekday
and hour, default Friday 10:00 local time); after it the week is *closed*, and once frozen
(``freeze_week``, run by the scheduled job at the cut-off) its figures are read from
``week_snapshots`` and never recomputed. Persons sit in communes (the leaves of the unit tree):
snapshots are kept per commune, district and province rows are sums of them.

Every table is of one kind of person (``vocabulary.PERSON_KINDS``, ``person_kind``): the
children unless asked (the official tables are about children), or the social-protection
beneficiaries. Snapshots are kept per commune, week AND kind; freezing a week freezes every
kind; the reported totals (3) are entered per kind (``services.reported_totals``, whose entry
points stay importable from here).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Select, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain import reports as dom
from ..domain.formatting import DEFAULT_ZONE, local_date
from ..domain.reports import NO_FIGURES, Figures, PeriodError, Restatement
from ..domain.software_sync import SYNCED
from ..domain.vocabulary import INACTIVE_STATUSES, PERSON_KINDS
from ..models import HandoverSettings, Person, PersonEvent, Unit, User, WeekSnapshot
from .access import may_change
from .batches import province_of
from .id_sets import among
from .reported_totals import (  # noqa: F401
    ReportError,
    check_kind,
    enter_total,
    reported_total,
    reported_totals,
    total_history,
)
from .software_sync import cleaned, in_software

CHUNK = 900
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
         "XV", "XVI", "XVII", "XVIII", "XIX", "XX")  # fmt: skip
RESTATED_TOTAL = "Tổng số trẻ em do địa phương nhập sau khi đã chốt tuần"
RESTATED_DUPLICATES = "Hồ sơ được xác định trùng sau khi đã chốt tuần"


@dataclass(frozen=True)
class UnitRef:
    """What a report's row needs of a unit (its id, code and name), read as three columns:
    no ORM object per commune, and safe to keep between requests (the dashboard's board)."""

    id: int
    code: str
    name: str


@dataclass
class ReportRow:
    """One line of the table: a commune, or a district (a group row summing its communes)."""

    unit: UnitRef
    number: str  # column (1): "1", "2" … for communes, "I", "II" … for districts
    depth: int  # 0: a row under the report's unit; 1: a commune under its district row
    is_group: bool
    leaf_ids: list[int]
    figures: Figures = NO_FIGURES


@dataclass
class WeeklyReport:
    unit: Unit
    kind: str  # weekly | monthly
    period: str  # "2026-W49" | "2026-12"
    week: str  # the reporting week the figures are of
    cutoff: datetime  # naive UTC
    as_of: datetime  # naive UTC: the cut-off's freeze time, or now for live figures
    closed: bool  # the cut-off has passed
    frozen: bool  # every commune's figures come from a snapshot
    rows: list[ReportRow]
    total: Figures
    restatements: list[Restatement] = field(default_factory=list)
    # A monthly summary of a month still in progress: counted live, to this local day.
    through: date | None = None
    person_kind: str = "child"  # the kind of persons counted (vocabulary.PERSON_KINDS)

    @property
    def missing_reported(self) -> int:
        """How many communes have no reported total (their (3), (5) and (8) are blank)."""
        return self.total.missing

    @property
    def leaf_rows(self) -> list[ReportRow]:
        return [r for r in self.rows if not r.is_group]


# --------------------------------------------------------------------------- the rows


def child_rows(session: Session, unit: Unit) -> list[ReportRow]:
    """The rows of a unit's table, in order: its communes (post-2025 shape), or each district
    followed by its communes (pre-2025 shape); a commune's own table has its one row. Deeper
    levels are folded into the communes (leaves) under each direct child."""
    found = session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.parent_id).where(
            Unit.path.startswith(unit.path, autoescape=True)
        )
    ).all()
    refs = {uid: UnitRef(uid, code, name) for uid, code, name, _p in found}
    children: dict[int, list[UnitRef]] = defaultdict(list)
    for uid, _code, _name, parent_id in found:
        if parent_id is not None and parent_id in refs:
            children[parent_id].append(refs[uid])
    for kids in children.values():
        kids.sort(key=lambda u: u.code)
    me = refs.get(unit.id) or UnitRef(unit.id, unit.code, unit.name)

    def leaves(u: UnitRef) -> list[UnitRef]:
        if not children.get(u.id):
            return [u]
        return [leaf for c in children[u.id] for leaf in leaves(c)]

    if not children.get(unit.id):
        return [ReportRow(me, "1", 0, False, [unit.id])]
    rows: list[ReportRow] = []
    groups = numbers = 0
    for child in children[unit.id]:
        if not children.get(child.id):
            numbers += 1
            rows.append(ReportRow(child, str(numbers), 0, False, [child.id]))
            continue
        below = leaves(child)
        number = ROMAN[groups] if groups < len(ROMAN) else str(groups + 1)
        groups += 1
        rows.append(ReportRow(child, number, 0, True, [u.id for u in below]))
        rows.extend(ReportRow(u, str(i), 1, False, [u.id]) for i, u in enumerate(below, 1))
    return rows


def _leaf_ids(rows: list[ReportRow]) -> list[int]:
    return [r.unit.id for r in rows if not r.is_group]


# --------------------------------------------------------------------------- live figures


def live_figures(
    session: Session, unit_ids: list[int], person_kind: str = "child"
) -> dict[int, tuple[int, int]]:
    """Columns (4) and (6) of each unit for one kind of person, now: {unit_id: (in_software,
    cleaned)}, 0s for a unit without records. One grouped query (per 900 units) over the
    persons the software holds, read from ix_persons_unit_report."""
    out = {uid: (0, 0) for uid in unit_ids}
    ids = list(out)
    for among_ids in among(session, Person.unit_id, ids):
        stmt = (
            select(Person.unit_id, func.count(), func.sum(case((cleaned(), 1), else_=0)))
            .where(among_ids, in_software(person_kind))
            .group_by(Person.unit_id)
        )
        for uid, n_software, n_cleaned in session.execute(stmt):
            out[uid] = (int(n_software or 0), int(n_cleaned or 0))
    return out


# The lists behind the live figures (drill-down, the "danh sách kèm theo"): each list's count
# equals the column it makes. (5) is a difference with a typed count, not a list of records:
# "not_in_software" lists the active children treem knows that the software does not hold.
COLUMN_LISTS = {
    "in_software": "Đã cập nhật trên phần mềm",
    "cleaned": "Đã làm sạch",
    "not_cleaned": "Chưa làm sạch",
    "not_in_software": "Chưa có trên phần mềm",
}


def column_condition(column: str, person_kind: str = "child"):
    """The SQL condition on persons of a report column, of one kind of person (KeyError for
    an unknown column)."""
    return (Person.kind == person_kind) & {
        "in_software": in_software,
        "cleaned": cleaned,
        "not_cleaned": lambda: in_software() & ~cleaned(),
        "not_in_software": lambda: (
            Person.software_facts.is_(None) & Person.status.not_in(INACTIVE_STATUSES)
        ),
    }[column]()


def column_query(unit_ids: list[int], column: str, person_kind: str = "child") -> Select:
    """The persons of these communes that make a column, by commune, hamlet and name."""
    return (
        select(Person)
        .where(Person.unit_id.in_(unit_ids), column_condition(column, person_kind))
        .order_by(Person.unit_id, Person.hamlet, Person.name_key, Person.id)
    )


# --------------------------------------------------------------------------- the cut-off


def cutoff_settings(session: Session, unit: Unit) -> tuple[int, int]:
    """(weekday, local hour) of the weekly cut-off of the unit's province (Friday 10:00)."""
    province = province_of(session, unit)
    row = session.scalar(select(HandoverSettings).where(HandoverSettings.unit_id == province.id))
    if row is None:
        return dom.DEFAULT_CUTOFF_WEEKDAY, dom.DEFAULT_CUTOFF_HOUR
    return row.report_weekday, row.report_hour


def set_report_cutoff(
    session: Session, province: Unit, weekday: int, hour: int, *, user: User
) -> HandoverSettings:
    """Store a province's weekly cut-off. Raises ReportError for a unit that is not a root, a
    weekday outside 0..6, an hour outside 0..23, or a user whose own unit is below the
    province."""
    if province.parent_id is not None:
        raise ReportError("Giờ chốt số liệu được đặt cho cấp tỉnh.")
    if not may_change(user, province):
        raise ReportError("Giờ chốt số liệu của tỉnh chỉ do quản trị cấp tỉnh đặt.")
    if not (isinstance(weekday, int) and 0 <= weekday <= 6):
        raise ReportError("Ngày trong tuần không hợp lệ.", field_name="report_weekday")
    if not (isinstance(hour, int) and 0 <= hour <= 23):
        raise ReportError("Giờ chốt không hợp lệ (0 đến 23).", field_name="report_hour")
    row = session.scalar(select(HandoverSettings).where(HandoverSettings.unit_id == province.id))
    if row is None:
        row = HandoverSettings(unit_id=province.id)
        session.add(row)
    row.report_weekday, row.report_hour = weekday, hour
    row.updated_by_id = user.id
    session.flush()
    return row


def week_cutoff(session: Session, unit: Unit, week: str, zone_name: str = DEFAULT_ZONE):
    """(normalised week, its cut-off as naive UTC, local cut-off day) for the unit's province."""
    try:
        week = dom.normal_week(week)
    except PeriodError as exc:
        raise ReportError(str(exc)) from exc
    weekday, hour = cutoff_settings(session, unit)
    return week, dom.cutoff(week, weekday, hour, zone_name), dom.cutoff_day(week, weekday)


# --------------------------------------------------------------------------- freezing


def _snapshots(session: Session, unit_ids: list[int], week: str, person_kind: str = "child"):
    """The week's snapshots of one kind of these communes, {unit_id: row} (plain rows with the
    snapshot's
    unit_id, reported, in_software, cleaned, frozen_at: a province's 500 are read on every
    dashboard request, without building ORM objects)."""
    out = {}
    cols = (WeekSnapshot.unit_id, WeekSnapshot.reported, WeekSnapshot.in_software,
            WeekSnapshot.cleaned, WeekSnapshot.frozen_at)  # fmt: skip
    for among_ids in among(session, WeekSnapshot.unit_id, unit_ids):
        stmt = select(*cols).where(
            among_ids, WeekSnapshot.week == week, WeekSnapshot.person_kind == person_kind
        )
        for snap in session.execute(stmt):
            out[snap.unit_id] = snap
    return out


def _live(
    session: Session,
    unit_ids: list[int],
    day: date,
    now: datetime,
    live=None,
    person_kind: str = "child",
):
    """Live figures and the entry in force for these communes (`live`: what counts the
    children's (4) and (6), ``live_figures`` unless the dashboard passes its cache)."""
    if live is not None and person_kind == "child":
        counts = live(session, unit_ids)
    else:
        counts = live_figures(session, unit_ids, person_kind)
    totals = reported_totals(session, unit_ids, day, now, person_kind)
    return {
        uid: (totals.get(uid), Figures(
            totals[uid].total if uid in totals else None, counts[uid][0], counts[uid][1]))
        for uid in unit_ids
    }  # fmt: skip


def freeze_week(
    session: Session, unit: Unit, week: str, *, now: datetime, zone_name: str = DEFAULT_ZONE
) -> int:
    """Store the week's figures of every commune under `unit` that has none yet, for every kind
    of person (as of `now`, which must be at or after the cut-off). Returns how many communes
    got snapshots: running it twice writes nothing the second time. Another process freezing
    at the same moment is tolerated (its rows stand, the unique key refuses ours)."""
    week, cut, day = week_cutoff(session, unit, week, zone_name)
    if now < cut:
        raise ReportError(f"{dom.vn_week(week)} chưa đến giờ chốt số liệu.")
    leaves = _leaf_ids(child_rows(session, unit))
    written: set[int] = set()
    for person_kind in PERSON_KINDS:
        written |= _freeze_kind(session, leaves, week, day, now, person_kind)
    return len(written)


def _freeze_kind(session, leaves, week, day, now, person_kind) -> set[int]:
    """The snapshots of one kind of the communes without one yet (the communes written)."""
    frozen = _snapshots(session, leaves, week, person_kind)
    missing = [uid for uid in leaves if uid not in frozen]
    if not missing:
        return set()
    live = _live(session, missing, day, now, person_kind=person_kind)
    snaps = [
        WeekSnapshot(
            unit_id=uid,
            week=week,
            person_kind=person_kind,
            reported=fig.reported,
            reported_total_id=entry.id if entry else None,
            in_software=fig.in_software,
            cleaned=fig.cleaned,
            frozen_at=now,
        )
        for uid, (entry, fig) in live.items()
    ]
    try:
        with session.begin_nested():
            session.add_all(snaps)
            session.flush()
    except IntegrityError:
        return set()
    return {s.unit_id for s in snaps}


# --------------------------------------------------------------------------- the tables


def weekly_report(
    session: Session,
    unit: Unit,
    week: str,
    *,
    now: datetime,
    zone_name: str = DEFAULT_ZONE,
    live=None,
    person_kind: str = "child",
) -> WeeklyReport:
    """The weekly table of a unit for one kind of person (children unless asked). A frozen
    week is read from its snapshots only (as of the freeze); an open week, or a closed one not
    frozen yet, is counted live as of `now`. Never writes. The restatements are those of the
    week before (see :func:`restatements`)."""
    check_kind(person_kind)
    week, cut, day = week_cutoff(session, unit, week, zone_name)
    rows = child_rows(session, unit)
    leaves = _leaf_ids(rows)
    closed = now >= cut
    snaps = _snapshots(session, leaves, week, person_kind) if closed else {}
    figures = {uid: Figures(s.reported, s.in_software, s.cleaned) for uid, s in snaps.items()}
    unfrozen = [uid for uid in leaves if uid not in snaps]
    if unfrozen:
        live_rows = _live(session, unfrozen, day, now, live, person_kind)
        figures.update({uid: fig for uid, (_e, fig) in live_rows.items()})
    frozen = closed and not unfrozen and bool(leaves)
    as_of = max(s.frozen_at for s in snaps.values()) if frozen else now
    for row in rows:
        row.figures = dom.total(figures[uid] for uid in row.leaf_ids)
    return WeeklyReport(
        unit=unit,
        kind="weekly",
        period=week,
        week=week,
        cutoff=cut,
        as_of=as_of,
        closed=closed,
        frozen=frozen,
        rows=rows,
        total=dom.total(figures[uid] for uid in leaves),
        restatements=restatements(session, unit, rows, week, as_of, zone_name, person_kind),
        person_kind=person_kind,
    )


def restatements(
    session: Session,
    unit: Unit,
    rows: list[ReportRow],
    week: str,
    as_of: datetime,
    zone_name: str = DEFAULT_ZONE,
    person_kind: str = "child",
) -> list[Restatement]:
    """What is known at `as_of` that changes the frozen figures of the week before `week`.

    Two causes change the past (README "Reports"): (3) a reported total entered after that
    week was frozen, for a period starting on or before its cut-off day, that changes the
    total in force for it; (4)/(6) a record of the commune marked a duplicate (merged) after
    the freeze, that existed and was held by the software then (and was clean and synced, for
    (6)): the week counted it twice. The snapshot itself is never changed."""
    previous = dom.shift_week(week, -1)
    leaf_rows = {r.unit.id: r.unit for r in rows if not r.is_group}
    snaps = _snapshots(session, list(leaf_rows), previous, person_kind)
    if not snaps:
        return []
    _w, _cut, day = week_cutoff(session, unit, previous, zone_name)  # the rows' province's
    now_totals = reported_totals(session, list(snaps), day, as_of, person_kind)
    dupes = _duplicates_since(session, snaps, as_of, person_kind)
    out: list[Restatement] = []
    for uid in sorted(snaps, key=lambda u: leaf_rows[u].code):
        snap, name = snaps[uid], leaf_rows[uid].name
        entry = now_totals.get(uid)
        restated = entry.total if entry else None
        if restated != snap.reported:
            out.append(Restatement(uid, name, previous, 3, snap.reported, restated, RESTATED_TOTAL))
        n_software, n_cleaned = dupes.get(uid, (0, 0))
        if n_software:
            out.append(Restatement(uid, name, previous, 4, snap.in_software,
                                   snap.in_software - n_software, RESTATED_DUPLICATES))  # fmt: skip
        if n_cleaned:
            out.append(Restatement(uid, name, previous, 6, snap.cleaned,
                                   snap.cleaned - n_cleaned, RESTATED_DUPLICATES))  # fmt: skip
    return out


def _duplicates_since(
    session: Session, snaps: dict, as_of: datetime, person_kind: str = "child"
) -> dict[int, tuple[int, int]]:
    """Per commune: records marked duplicates after its snapshot and by `as_of` that the
    snapshot counted in (4), and of them in (6)."""
    since = min(s.frozen_at for s in snaps.values())
    found: dict[int, tuple[int, str | None, str | None]] = {}  # person -> (unit, old, state)
    ids = list(snaps)
    for among_ids in among(session, Person.unit_id, ids):
        stmt = (
            select(
                Person.id,
                Person.unit_id,
                Person.created_at,
                Person.sync_state,
                PersonEvent.at,
                PersonEvent.old_value,
            )  # fmt: skip
            .join(PersonEvent, PersonEvent.person_id == Person.id)
            .where(
                among_ids,
                Person.kind == person_kind,
                Person.software_facts.is_not(None),
                PersonEvent.field == "status",
                PersonEvent.new_value == "duplicate",
                PersonEvent.at > since,
                PersonEvent.at <= as_of,
            )
            .order_by(PersonEvent.at)
        )
        for pid, uid, created, state, at, old in session.execute(stmt):
            snap = snaps[uid]
            if at <= snap.frozen_at or created > snap.frozen_at or old in INACTIVE_STATUSES:
                continue
            found.setdefault(pid, (uid, old, state))
    out: dict[int, tuple[int, int]] = {}
    for uid, old, state in found.values():
        n_software, n_cleaned = out.get(uid, (0, 0))
        out[uid] = (n_software + 1, n_cleaned + (old == "clean" and state == SYNCED))
    return out


def monthly_report(
    session: Session,
    unit: Unit,
    month: str,
    *,
    now: datetime,
    zone_name: str = DEFAULT_ZONE,
    person_kind: str = "child",
) -> WeeklyReport:
    """The monthly summary: the table of the month's last frozen reporting week (the weeks
    whose cut-off day is in the month). A month still in progress (the cut-off of its last week
    has not passed) without a frozen week is counted live as of `now`, through today
    (``through``: "tính đến ngày …", never labelled with a week still to come); a closed month
    with none frozen reads its last week (counted live as of now until it is frozen).
    ReportError for a month that has not begun."""
    check_kind(person_kind)
    try:
        month = dom.normal_month(month)
    except PeriodError as exc:
        raise ReportError(str(exc)) from exc
    today = local_date(now, zone_name)
    if dom.month_bounds(month)[0] > today:
        raise ReportError(f"{dom.vn_month(month)} chưa bắt đầu.")
    weekday, hour = cutoff_settings(session, unit)
    weeks = dom.weeks_of_month(month, weekday)
    leaves = _leaf_ids(child_rows(session, unit))
    chosen = weeks[-1]
    for week in reversed(weeks):
        _w, cut, _day = week_cutoff(session, unit, week, zone_name)
        frozen = _snapshots(session, leaves, week, person_kind) if now >= cut else {}
        if leaves and len(frozen) == len(leaves):
            chosen = week
            break
    else:
        if now < dom.cutoff(chosen, weekday, hour, zone_name):  # the month is in progress
            week = dom.week_of_cutoff(now, weekday, hour, zone_name)
            report = weekly_report(
                session, unit, week, now=now, zone_name=zone_name, person_kind=person_kind
            )
            return replace(report, kind="monthly", period=month, through=today)
    report = weekly_report(
        session, unit, chosen, now=now, zone_name=zone_name, person_kind=person_kind
    )
    return replace(report, kind="monthly", period=month)
