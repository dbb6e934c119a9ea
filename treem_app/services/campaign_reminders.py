"""The home page's reminders driven by the campaign's deadlines (issue 17), while a phase of the
campaign the user's unit follows is running:

- officer: the week's list not handed to the police yet (on or after the handover day, no list
  handed this ISO week, records ready or a list being written); lists handed and not returned
  by the return day (the day before the next handover: "quá hạn từ thứ Tư");
- reporter: the weekly report not frozen after its deadline (Friday 10:00: some commune of the
  scope has no snapshot of the week), the month before's report not built by the 15th.

Each reminder is a few COUNTs over the user's commune or subtree, never a load of rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ..domain import campaigns as dom
from ..domain import reports as report_dom
from ..domain.batch_states import BatchState
from ..domain.formatting import DEFAULT_ZONE, vn_date, vn_number
from ..models import Batch, Campaign, ReportFile, Unit, User, WeekSnapshot
from .access import scoped, subtree_ids
from .campaigns import campaign_for
from .waiting_work import Waiting, batches, ready_records

HANDED = (BatchState.ISSUED.value, BatchState.PARTLY_RETURNED.value)


@dataclass(frozen=True)
class Reminder:
    """One reminder: its sentence, the page where it is acted on, and its tone."""

    key: str
    text: str
    endpoint: str
    params: dict = field(default_factory=dict)
    tone: str = "warn"


def _weekday(day: date) -> str:
    return report_dom.WEEKDAYS[day.weekday()].lower()


def _campaign(session: Session, user: User, today: date) -> Campaign | None:
    campaign = campaign_for(session, user.unit)
    if campaign is None or not dom.in_force(campaign.plan, today):
        return None
    return campaign


def handover_missing(
    session: Session,
    user: User,
    schedule: dom.Schedule,
    today: date,
    waiting: Mapping[str, Waiting] | None = None,
):
    """The week's list not handed over yet, on or after the handover day (None otherwise).
    ``waiting``: the home's counts (services.waiting_work), when the caller has them."""
    handover = schedule.handover_day(today)
    if today < handover:
        return None
    monday = today - timedelta(days=today.weekday())
    handed = session.scalar(
        scoped(user, Batch)
        .where(Batch.issued_on >= monday, Batch.issued_on <= monday + timedelta(days=6))
        .with_only_columns(func.count(Batch.id))
    )
    if handed:
        return None
    if waiting is None:
        waiting = {
            "ready_records": ready_records(session, user),
            "batches_draft": batches(session, user, BatchState.DRAFT),
        }
    ready, drafts = waiting["ready_records"].count, waiting["batches_draft"].count
    if not ready and not drafts:
        return None
    what = []
    if ready:
        what.append(f"{vn_number(ready)} hồ sơ sẵn sàng")
    if drafts:
        what.append(f"{vn_number(drafts)} danh sách đang soạn")
    return Reminder(
        "handover_missing",
        f"Chưa chuyển danh sách {_weekday(handover)} {vn_date(handover)} cho công an "
        f"({', '.join(what)}).",
        "batches.index",
    )


def returns_overdue(session: Session, user: User, schedule: dom.Schedule, today: date):
    """Lists handed over and not (wholly) returned by the campaign's return day."""
    handed_on = func.coalesce(Batch.handover_on, Batch.issued_on)
    # The latest handover day whose list is due before today: due = the return weekday after
    # it, so a list handed on or before (today - 1 - days from handover to return) is late.
    latest = today - timedelta(days=1)
    while schedule.return_due(latest) >= today:
        latest -= timedelta(days=1)
    count, oldest, only = session.execute(
        scoped(user, Batch)
        .where(Batch.state.in_(HANDED), handed_on <= latest)
        .with_only_columns(func.count(Batch.id), func.min(handed_on), func.min(Batch.id))
    ).one()
    if not count:
        return None
    due = schedule.return_due(oldest)
    lists = "Danh sách" if count == 1 else f"{vn_number(count)} danh sách"
    return Reminder(
        "returns_overdue",
        f"{lists} công an chưa trả, quá hạn từ {_weekday(due)} {vn_date(due)}.",
        "batches.show" if count == 1 else "batches.index",
        {"batch_id": only} if count == 1 else {},
        "bad",
    )


def _communes(unit: Unit):
    """The communes (leaves) under a unit, as a subquery of ids."""
    child = aliased(Unit)
    return (
        select(Unit.id)
        .where(Unit.id.in_(subtree_ids(unit)))
        .where(~select(child.id).where(child.parent_id == Unit.id).exists())
    )


def weekly_not_frozen(
    session: Session,
    user: User,
    schedule: dom.Schedule,
    now: datetime,
    today: date,
    zone_name: str = DEFAULT_ZONE,
):
    """The week's report not frozen for every commune of the scope after its deadline."""
    day = schedule.report_day(today)
    week = report_dom.iso_week(day)
    if now < report_dom.cutoff(week, schedule.report_weekday, schedule.report_hour, zone_name):
        return None
    communes = session.scalar(select(func.count()).select_from(_communes(user.unit).subquery()))
    frozen = session.scalar(
        select(func.count(WeekSnapshot.id)).where(
            WeekSnapshot.week == week,
            WeekSnapshot.person_kind == "child",  # every kind is frozen at once
            WeekSnapshot.unit_id.in_(_communes(user.unit)),
        )
    )
    if not communes or frozen >= communes:
        return None
    _year, number = report_dom.parse_week(week)
    return Reminder(
        "weekly_not_frozen",
        f"Báo cáo tuần {number} chưa chốt số liệu (hạn {schedule.report_hour} giờ "
        f"{_weekday(day)} {vn_date(day)}): {vn_number(communes - frozen)}/"
        f"{vn_number(communes)} xã chưa chốt.",
        "reports.index",
        tone="bad",
    )


def monthly_missing(session: Session, user: User, schedule: dom.Schedule, today: date):
    """The month before's report not built yet, until its day (the 15th)."""
    if today.day > schedule.monthly_day:
        return None
    previous = today.replace(day=1) - timedelta(days=1)
    month = f"{previous.year}-{previous.month:02d}"
    built = session.scalar(
        select(func.count(ReportFile.id)).where(
            ReportFile.unit_id == user.unit_id,
            ReportFile.kind == "monthly",
            ReportFile.period == month,
        )
    )
    if built:
        return None
    due = schedule.monthly_due(today)
    return Reminder(
        "monthly_missing",
        f"Báo cáo tháng {previous.month:02d}/{previous.year} chưa lập (hạn trước ngày "
        f"{vn_date(due)}).",
        "reports.index",
    )


def reminders(
    session: Session,
    user: User,
    *,
    now: datetime,
    today: date,
    zone_name: str = DEFAULT_ZONE,
    waiting: Mapping[str, Waiting] | None = None,
) -> list[Reminder]:
    """The user's reminders from the deadlines of the campaign the user's unit follows (none
    while no phase of it runs); ``waiting``: the home's counts, not counted again."""
    if user.role not in ("officer", "reporter"):
        return []
    campaign = _campaign(session, user, today)
    if campaign is None:
        return []
    schedule = campaign.schedule
    if user.role == "officer":
        found = [
            handover_missing(session, user, schedule, today, waiting),
            returns_overdue(session, user, schedule, today),
        ]
    else:
        found = [
            weekly_not_frozen(session, user, schedule, now, today, zone_name),
            monthly_missing(session, user, schedule, today),
        ]
    return [r for r in found if r is not None]
