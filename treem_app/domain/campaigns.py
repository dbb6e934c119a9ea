"""Campaigns (issue 17): a unit's plan in phases (a kind of person, a first and a last day),
the weekly handover and return days, the report cut-offs, and the pace figures that tell
whether a commune will have every record of the phase's kind clean by the phase's last day.
Plain Python: the services count, this module judges.

The dates are those of the Cao Đức plan (seeds/003): children 04/6–18/6/2026, beneficiaries
19/6–31/7/2026; the list goes to the commune police every Thursday and comes back on the
Wednesday of the following week; the weekly report before 10:00 on Friday, the monthly one
before the 15th.

Pace (all counts are records, all days local):
- *days left*: the phase's days from today to its last day, both counted (on the last day: 1);
- *still to clean*: the active records of the phase's kind that are not clean yet (column (6)'s
  definition, the target is all of them clean by the last day);
- *needed per week*: still to clean x 7 / days left, rounded up;
- *last four weeks*: the records cleaned per week from the earliest of the last four frozen
  weekly figures (week_snapshots) to the live count now: gain x 7 / days elapsed;
- *no progress for two weeks*: the live count is not above a frozen count at least 14 days old;
- *cannot finish*: at the pace of the last four weeks the records left are not clean by the
  last day. A projected day is given only when it falls within the phase: a pace that would
  finish long after it is "không kịp tiến độ", never a date far in the future.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .dates import parse_day
from .formatting import vn_date, vn_number
from .reports import WEEKDAYS
from .vocabulary import PERSON_KINDS

# The Cao Đức plan's cadence: hand over on Thursday, back on the next Wednesday, the weekly
# report before Friday 10:00, the monthly one by the 15th (Monday = 0).
DEFAULT_HANDOVER_WEEKDAY = 3
DEFAULT_RETURN_WEEKDAY = 2
DEFAULT_REPORT_WEEKDAY = 4
DEFAULT_REPORT_HOUR = 10
DEFAULT_MONTHLY_DAY = 15
MAX_PHASES = 6
# A phase of more than a year is a typing error (31/12/2062 for 31/12/2026).
MAX_PHASE_DAYS = 366
# "No progress for two weeks": nothing cleaned since a frozen count at least this old.
STALL_DAYS = 14
# The last four weeks' pace needs at least a week between its two counts.
MIN_PACE_DAYS = 7

NOT_STARTED, RUNNING, DONE, ENDED = "not_started", "running", "done", "ended"
STATE_LABELS = {
    NOT_STARTED: "Chưa bắt đầu",
    RUNNING: "Đang thực hiện",
    DONE: "Đã hoàn thành",
    ENDED: "Đã hết hạn",
}
NO_PROGRESS, BEHIND, OVERDUE = "no_progress", "behind", "overdue"
FLAG_LABELS = {
    NO_PROGRESS: "Không tiến triển 2 tuần",
    BEHIND: "Không kịp tiến độ",
    OVERDUE: "Quá hạn, chưa xong",
}


class CampaignError(ValueError):
    """A campaign that cannot be saved: ``errors`` maps each field's name to its Vietnamese
    message (the form ties each to its field); ``str()`` is the first of them."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(next(iter(self.errors.values()), "Kế hoạch không hợp lệ."))


@dataclass(frozen=True)
class Phase:
    """One phase: every record of `kind` (a key of PERSON_KINDS) clean from `starts_on` to
    `ends_on`, both days included."""

    kind: str
    starts_on: date
    ends_on: date

    @property
    def kind_label(self) -> str:
        return PERSON_KINDS.get(self.kind, self.kind)

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def text(self) -> str:
        """ "Trẻ em: 04/06/2026 – 18/06/2026"."""
        return f"{self.kind_label}: {vn_date(self.starts_on)} – {vn_date(self.ends_on)}"


@dataclass(frozen=True)
class Schedule:
    """A campaign's weekly and monthly deadlines."""

    handover_weekday: int = DEFAULT_HANDOVER_WEEKDAY
    return_weekday: int = DEFAULT_RETURN_WEEKDAY
    report_weekday: int = DEFAULT_REPORT_WEEKDAY
    report_hour: int = DEFAULT_REPORT_HOUR
    monthly_day: int = DEFAULT_MONTHLY_DAY

    def text(self) -> str:
        """The cadence in words, as the plan says it."""
        return (
            f"Chuyển danh sách cho công an {WEEKDAYS[self.handover_weekday].lower()} hằng tuần, "
            f"công an trả {WEEKDAYS[self.return_weekday].lower()} tuần kế tiếp; báo cáo tuần "
            f"trước {self.report_hour} giờ {WEEKDAYS[self.report_weekday].lower()}, báo cáo "
            f"tháng trước ngày {self.monthly_day} hằng tháng."
        )

    def handover_day(self, today: date) -> date:
        """This ISO week's handover day (Thursday of the week `today` is in)."""
        return today - timedelta(days=today.weekday()) + timedelta(days=self.handover_weekday)

    def return_due(self, handed_on: date) -> date:
        """The day a list handed over on `handed_on` is due back: the first return weekday
        after it (Thursday -> the next Wednesday, the day before the next handover)."""
        ahead = (self.return_weekday - handed_on.weekday() - 1) % 7 + 1
        return handed_on + timedelta(days=ahead)

    def report_day(self, today: date) -> date:
        """This ISO week's weekly report day (Friday of the week `today` is in)."""
        return today - timedelta(days=today.weekday()) + timedelta(days=self.report_weekday)

    def monthly_due(self, today: date) -> date:
        """The day this month's report (of the month before) is due: the 15th."""
        return today.replace(day=self.monthly_day)


# --------------------------------------------------------------------------- reading a form


def _weekday(value, name: str, errors: dict[str, str]) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 0 <= number <= 6:
        errors[name] = "Hãy chọn một ngày trong tuần."
    return number


def read_schedule(form: dict) -> tuple[Schedule, dict[str, str]]:
    """The deadlines typed into the campaign's form, and the errors by field name."""
    errors: dict[str, str] = {}
    handover = _weekday(form.get("handover_weekday"), "handover_weekday", errors)
    back = _weekday(form.get("return_weekday"), "return_weekday", errors)
    report = _weekday(form.get("report_weekday"), "report_weekday", errors)
    try:
        hour = int(form.get("report_hour"))
    except (TypeError, ValueError):
        hour = -1
    if not 0 <= hour <= 23:
        errors["report_hour"] = "Giờ chốt báo cáo phải từ 0 đến 23."
    try:
        monthly = int(str(form.get("monthly_day") or "").strip())
    except ValueError:
        monthly = 0
    if not 1 <= monthly <= 28:
        errors["monthly_day"] = "Hạn báo cáo tháng là một ngày từ 1 đến 28."
    if not errors and handover == back:
        errors["return_weekday"] = "Ngày công an trả phải khác ngày chuyển danh sách."
    return Schedule(handover, back, report, hour, monthly), errors


def read_phases(rows: list[dict], today: date | None = None) -> tuple[list[Phase], dict]:
    """The phases typed into the form: rows of {"kind", "start", "end"} (dd/mm/yyyy text),
    numbered from 0 in the field names ("phase-0-start"). A row left wholly blank is skipped.
    Returns the phases in order of their first day and the errors by field name."""
    errors: dict[str, str] = {}
    phases: list[tuple[Phase, int]] = []
    for n, row in enumerate(rows):
        kind = (row.get("kind") or "").strip()
        start_text, end_text = (row.get("start") or "").strip(), (row.get("end") or "").strip()
        if not (kind or start_text or end_text):
            continue
        prefix = f"phase-{n}-"
        if kind not in PERSON_KINDS:
            errors[prefix + "kind"] = "Hãy chọn đối tượng của giai đoạn."
        days = []
        for part, text, what in (("start", start_text, "bắt đầu"), ("end", end_text, "kết thúc")):
            if not text:
                errors[prefix + part] = f"Hãy nhập ngày {what} (dd/mm/yyyy)."
                days.append(None)
                continue
            try:
                days.append(parse_day(text, today=today))
            except ValueError as exc:
                errors[prefix + part] = str(exc)
                days.append(None)
        start, end = days
        if start and end:
            if end < start:
                errors[prefix + "end"] = "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."
            elif (end - start).days + 1 > MAX_PHASE_DAYS:
                errors[prefix + "end"] = "Một giai đoạn không dài quá một năm."
        if kind in PERSON_KINDS and start and end and prefix + "end" not in errors:
            phases.append((Phase(kind, start, end), n))
    if not phases and not errors:
        errors["phase-0-kind"] = "Kế hoạch cần ít nhất một giai đoạn."
    phases.sort(key=lambda pair: (pair[0].starts_on, pair[0].ends_on))
    for i, (b, n) in enumerate(phases):
        for a, _m in phases[:i]:
            if a.kind != b.kind or b.starts_on > a.ends_on:
                continue
            errors.setdefault(
                f"phase-{n}-start",
                f"Giai đoạn này trùng thời gian với giai đoạn {a.text()} cùng đối tượng.",
            )
    if len(phases) > MAX_PHASES:
        errors.setdefault("phase-0-kind", f"Kế hoạch có tối đa {MAX_PHASES} giai đoạn.")
    return [p for p, _n in phases], errors


# --------------------------------------------------------------------------- the current phase


def current_phase(phases: list[Phase], today: date) -> Phase | None:
    """The phase a day belongs to: the one running (the earliest started, when several are),
    else the next to start, else the last one ended; None without phases."""
    if not phases:
        return None
    running = [p for p in phases if p.starts_on <= today <= p.ends_on]
    if running:
        return min(running, key=lambda p: (p.starts_on, p.ends_on))
    coming = [p for p in phases if p.starts_on > today]
    if coming:
        return min(coming, key=lambda p: p.starts_on)
    return max(phases, key=lambda p: p.ends_on)


def in_force(phases: list[Phase], today: date) -> bool:
    """Whether some phase runs on this day (the deadlines then drive the reminders)."""
    return any(p.starts_on <= today <= p.ends_on for p in phases)


# --------------------------------------------------------------------------- pace


@dataclass(frozen=True)
class Pace:
    """A commune's pace in a phase on a day (see the module's definitions)."""

    phase: Phase
    state: str
    remaining: int
    days_left: int | None = None  # running: the days to the last one, both counted
    days_to_start: int | None = None  # not started: days until the first day
    needed_per_week: int | None = None  # running or not started, records left
    past_per_week: Decimal | None = None  # None: no frozen count old enough
    projected_end: date | None = None  # only within the phase
    flags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def flag_labels(self) -> list[str]:
        return [FLAG_LABELS[f] for f in self.flags]

    @property
    def on_track(self) -> bool:
        return self.state in (RUNNING, NOT_STARTED) and not self.flags

    def summary(self) -> str:
        """One line in Vietnamese, for the command line and the screen reader."""
        parts = [f"{self.phase.text()}", self.state_label]
        if self.state == NOT_STARTED:
            parts.append(f"còn {self.days_to_start} ngày nữa bắt đầu")
        if self.state == RUNNING:
            parts.append(f"còn {self.days_left} ngày")
        if self.remaining:
            parts.append(f"còn {vn_number(self.remaining)} hồ sơ chưa làm sạch")
        if self.needed_per_week is not None and self.state in (RUNNING, NOT_STARTED):
            parts.append(f"cần {vn_number(self.needed_per_week)} hồ sơ/tuần")
        parts.append(f"4 tuần qua: {vn_pace(self.past_per_week)}")
        if self.projected_end:
            parts.append(f"dự kiến xong {vn_date(self.projected_end)}")
        parts.extend(self.flag_labels)
        return "; ".join(parts)


def vn_pace(value: Decimal | None, unit: str = " hồ sơ/tuần") -> str:
    """Records per week as read: "12 hồ sơ/tuần", "2,5 hồ sơ/tuần" (`unit` ""  in a column
    that names it); "chưa đủ số liệu" when unknown."""
    if value is None:
        return "chưa đủ số liệu"
    if value >= 10 or value == value.to_integral_value():
        return vn_number(int(value.to_integral_value(rounding=ROUND_HALF_UP))) + unit
    return vn_number(float(value), 1) + unit


def past_pace(frozen: list[tuple[date, int | None]], live: int, today: date) -> Decimal | None:
    """Records cleaned per week from the earliest frozen count (day, cleaned) to the live count
    today: gain x 7 / days elapsed, one decimal, never below 0 (records that became unclean
    again are no negative work); None when no frozen count is at least a week old."""
    known = [(d, c) for d, c in frozen if c is not None and (today - d).days >= MIN_PACE_DAYS]
    if not known:
        return None
    day, cleaned = min(known)
    gain = max(0, live - cleaned)
    return (Decimal(gain * 7) / Decimal((today - day).days)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def stalled(frozen: list[tuple[date, int | None]], live: int, today: date) -> bool:
    """No record cleaned for two weeks: the live count is not above the latest frozen count at
    least STALL_DAYS old (False when there is none: too early to tell)."""
    old = [(d, c) for d, c in frozen if c is not None and (today - d).days >= STALL_DAYS]
    if not old:
        return False
    _day, cleaned = max(old)
    return live <= cleaned


def pace(
    phase: Phase,
    today: date,
    remaining: int,
    frozen: list[tuple[date, int | None]],
    live: int,
) -> Pace:
    """The pace figures of a commune in a phase on `today`.

    `remaining`: the phase kind's active records not clean yet; `frozen`: the cleaned counts
    stored at the cut-offs of the last weeks, (cut-off day, count or None when the week was
    not frozen for the commune); `live`: the cleaned count now, of the same records the
    frozen counts are of.
    """
    remaining = max(0, remaining)
    per_week = past_pace(frozen, live, today)
    if today < phase.starts_on:
        return Pace(
            phase,
            DONE if remaining == 0 else NOT_STARTED,
            remaining,
            days_to_start=(phase.starts_on - today).days,
            needed_per_week=math.ceil(remaining * 7 / phase.days),
            past_per_week=per_week,
        )
    if remaining == 0:
        return Pace(phase, DONE, 0, past_per_week=per_week)
    if today > phase.ends_on:
        return Pace(phase, ENDED, remaining, past_per_week=per_week, flags=(OVERDUE,))
    days_left = (phase.ends_on - today).days + 1
    needed = math.ceil(remaining * 7 / days_left)
    flags: list[str] = []
    if stalled(frozen, live, today):
        flags.append(NO_PROGRESS)
    projected = None
    if per_week is not None:
        if per_week > 0:
            days_needed = math.ceil(Decimal(remaining * 7) / per_week)
            # Today's work counts: finishing in 1 day means today.
            if days_needed <= days_left:
                projected = today + timedelta(days=max(0, days_needed - 1))
        if projected is None:
            flags.append(BEHIND)
    return Pace(
        phase,
        RUNNING,
        remaining,
        days_left=days_left,
        needed_per_week=needed,
        past_per_week=per_week,
        projected_end=projected,
        flags=tuple(flags),
    )
