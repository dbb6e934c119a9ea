"""Column (3) of the reports (issue 14): a commune's own count of its children, or of its
social-protection beneficiaries (``person_kind``), entered per period and kept with its
history (``ReportedTotal``); see ``services.reports``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain import reports as dom
from ..domain.permissions import can
from ..domain.reports import PeriodError
from ..domain.vocabulary import PERSON_KIND_NOUNS, PERSON_KINDS
from ..models import ReportedTotal, Unit, User
from ..models._common import utcnow
from .id_sets import among


class ReportError(ValueError):
    """A report or an entry that cannot be made; the message is Vietnamese, for the user
    (beside the form's field `field_name` when it is about one)."""

    field_name: str | None = None

    def __init__(self, *args, field_name: str | None = None):
        super().__init__(*args)
        if field_name:
            self.field_name = field_name


def check_kind(person_kind: str) -> str:
    """The kind of persons a report is of; ReportError (Vietnamese) for an unknown one."""
    if person_kind not in PERSON_KINDS:
        raise ReportError("Loại đối tượng không hợp lệ.")
    return person_kind


# --------------------------------------------------------------------------- reported totals


def reported_totals(
    session: Session,
    unit_ids: list[int],
    day: date,
    known_at: datetime,
    person_kind: str = "child",
) -> dict:
    """The entry in force for each unit on a local `day` for one kind of person (its own count
    of its children, or of its beneficiaries), as known at `known_at`: of the
    entries made by then, the latest period starting on or before the day, and of its entries
    the latest. Units without one are absent. The entries are plain rows (unit_id, id, period,
    total, entered_at), not ORM objects: a province reads 500 of them on every report."""
    out: dict = {}
    cols = (ReportedTotal.unit_id, ReportedTotal.id, ReportedTotal.period, ReportedTotal.total,
            ReportedTotal.entered_at)  # fmt: skip
    for among_ids in among(session, ReportedTotal.unit_id, unit_ids):
        for row in session.execute(
            select(*cols)
            .where(
                among_ids,
                ReportedTotal.person_kind == person_kind,
                ReportedTotal.period_start <= day,
                ReportedTotal.entered_at <= known_at,
            )
            .order_by(
                ReportedTotal.unit_id,
                ReportedTotal.period_start,
                ReportedTotal.entered_at,
                ReportedTotal.id,
            )
        ):
            out[row.unit_id] = row  # the last one of each unit wins
    return out


def reported_total(
    session: Session,
    unit: Unit,
    day: date,
    known_at: datetime | None = None,
    person_kind: str = "child",
):
    """The entry in force for one unit on a day (None: the unit has entered none)."""
    found = reported_totals(session, [unit.id], day, known_at or utcnow(), person_kind)
    return found.get(unit.id)


def total_history(session: Session, unit: Unit, person_kind: str | None = None):
    """Every entry of a unit (of one kind when given), newest first (the history the entry
    page shows)."""
    query = select(ReportedTotal).where(ReportedTotal.unit_id == unit.id)
    if person_kind is not None:
        query = query.where(ReportedTotal.person_kind == person_kind)
    return session.scalars(
        query.order_by(ReportedTotal.entered_at.desc(), ReportedTotal.id.desc())
    ).all()


def _in_scope(user: User, unit: Unit) -> bool:
    return unit.path.startswith(user.unit.path)


def enter_total(
    session: Session,
    unit: Unit,
    period: str,
    total,
    user: User,
    note: str | None = None,
    *,
    now: datetime | None = None,
    person_kind: str = "child",
) -> ReportedTotal:
    """A commune's own count of its children for a month ("2026-12") or a week ("2026-W49"):
    a new row, never an update. Raises ReportError (nothing written) for a role that may not
    enter totals, a unit outside the user's scope, a district or province (its (3) is the sum
    of its communes), an unreadable period or a count that is not a non-negative integer.
    `person_kind`: what was counted, the children (default) or the beneficiaries."""
    counted = PERSON_KIND_NOUNS[check_kind(person_kind)]
    if not can(user.role, "enter_totals"):
        raise ReportError(f"Bạn không có quyền nhập tổng số {counted}.")
    if not _in_scope(user, unit):
        raise ReportError("Đơn vị này không thuộc phạm vi của bạn.")
    if session.scalar(select(func.count()).select_from(Unit).where(Unit.parent_id == unit.id)):
        raise ReportError(
            f"Tổng số {counted} được nhập cho từng xã/phường; số của cấp trên là tổng các xã."
        )
    try:
        period = dom.normal_period(period)
        value = dom.parse_count(total)
    except PeriodError as exc:
        raise ReportError(str(exc)) from exc
    note = (note or "").strip() or None
    row = ReportedTotal(
        unit_id=unit.id,
        person_kind=person_kind,
        period=period,
        period_start=dom.period_start(period),
        total=value,
        entered_by_id=user.id,
        entered_at=now or utcnow(),
        note=note,
    )
    session.add(row)
    session.flush()
    return row
