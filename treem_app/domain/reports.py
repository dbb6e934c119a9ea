"""The weekly and monthly progress tables (SPEC section 1, issue 14): the figures of a row, their
derived columns, totals, ISO weeks, the weekly cut-off and Vietnamese formatting. Plain Python.

Columns of the table (the numbers are the seed appendix's):
(1) TT, (2) the unit, (3) the locally reported total, (4) updated in the software,
(5) not updated = (3) - (4), (6) cleaned, (7) not cleaned = (4) - (6), (8) clean rate = (6)/(3) %.
Columns (4) and (6) are counted by ``services.software_sync`` (step 4's definitions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .formatting import DEFAULT_ZONE, vn_number, zone

# Column headers as the seed appendix prints them, by column number.
COLUMNS = {
    1: "TT",
    2: "Địa phương",
    3: "Tổng số trẻ em (địa phương báo cáo)",
    4: "Đã cập nhật trên phần mềm",
    5: "Chưa cập nhật = (3)-(4)",
    6: "Đã làm sạch",
    7: "Chưa làm sạch = (4)-(6)",
    8: "Tỷ lệ làm sạch % = (6)/(3)",
}
# The figures a snapshot stores (the others are derived from them), by column number.
STORED_COLUMNS = {3: "reported", 4: "in_software", 6: "cleaned"}

# The weekly cut-off: the figures are sent upward before 10:00 on Friday (Monday = 0).
DEFAULT_CUTOFF_WEEKDAY = 4
DEFAULT_CUTOFF_HOUR = 10
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

MAX_REPORTED = 10_000_000
_TWO_PLACES = Decimal("0.01")
_WEEK_RE = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
_COUNT_RE = re.compile(r"^(\d+|\d{1,3}([.\s\u00a0]\d{3})+)$")
_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class PeriodError(ValueError):
    """A week, month or count that cannot be read; the message is Vietnamese, for the user."""


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figures:
    """One row's stored figures: (3) reported (None: the unit entered no total), (4), (6).

    ``missing`` is how many communes in the row have no reported total: 1 for a commune
    without one, the sum for a total. A total's (3) is the sum of the totals that are known
    (None when none is); its (5) and (8) are blank while any commune's total is missing, since
    they would mix a partial (3) with complete (4) and (6).
    """

    reported: int | None
    in_software: int
    cleaned: int
    missing: int | None = None

    def __post_init__(self):
        if self.missing is None:
            object.__setattr__(self, "missing", 1 if self.reported is None else 0)

    @property
    def complete(self) -> bool:
        return self.reported is not None and self.missing == 0

    @property
    def not_updated(self) -> int | None:
        """(5) = (3) - (4); negative when the software holds more children than reported."""
        return self.reported - self.in_software if self.complete else None

    @property
    def not_cleaned(self) -> int:
        """(7) = (4) - (6)."""
        return self.in_software - self.cleaned

    @property
    def rate(self) -> Decimal | None:
        """(8) = (6) / (3) x 100, two decimals (half up); None without a (complete) total or
        with a total of 0."""
        if not self.complete or not self.reported:
            return None
        return (Decimal(self.cleaned * 100) / Decimal(self.reported)).quantize(
            _TWO_PLACES, rounding=ROUND_HALF_UP
        )

    @property
    def updated_rate(self) -> Decimal | None:
        """(4) / (3) x 100, two decimals (half up), the dashboard's first bar; None like
        :attr:`rate`. Above 100 when the software holds more children than reported."""
        if not self.complete or not self.reported:
            return None
        return (Decimal(self.in_software * 100) / Decimal(self.reported)).quantize(
            _TWO_PLACES, rounding=ROUND_HALF_UP
        )

    def __add__(self, other: Figures) -> Figures:
        if not isinstance(other, Figures):
            return NotImplemented
        if self.reported is None and other.reported is None:
            reported = None
        else:
            reported = (self.reported or 0) + (other.reported or 0)
        return Figures(
            reported,
            self.in_software + other.in_software,
            self.cleaned + other.cleaned,
            self.missing + other.missing,
        )

    def column(self, number: int):
        """The value of column (3) … (8)."""
        return {
            3: self.reported,
            4: self.in_software,
            5: self.not_updated,
            6: self.cleaned,
            7: self.not_cleaned,
            8: self.rate,
        }[number]

    def cells(self) -> dict[int, str]:
        """Columns (3) … (8) as printed: 1.731; 54,81; "" where blank."""
        return {n: vn_count(self.column(n)) if n != 8 else vn_rate(self.rate) for n in range(3, 9)}


# The neutral element of +: no commune at all.
NO_FIGURES = Figures(None, 0, 0, 0)


def total(rows) -> Figures:
    """The sum of some figures (NO_FIGURES for none)."""
    out = NO_FIGURES
    for f in rows:
        out = out + f
    return out


# --------------------------------------------------------------------------- formatting


def vn_count(value: int | None) -> str:
    """3158 -> "3.158"; "" for a blank cell (never 0 for an unknown)."""
    return "" if value is None else vn_number(int(value))


def vn_rate(value: Decimal | None) -> str:
    """Decimal("54.81") -> "54,81"; "" for a blank rate."""
    return "" if value is None else vn_number(float(value), 2)


def parse_count(text) -> int:
    """A child count as typed: "3158", "3.158" or "3 158" -> 3158 (a whole number, dots or
    spaces only between groups of three digits); PeriodError otherwise."""
    message = "Số trẻ em phải là một số nguyên không âm."
    if isinstance(text, bool):
        raise PeriodError(message)
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    if isinstance(text, int):
        value = text
    elif isinstance(text, str) and _COUNT_RE.match(text.strip()):
        value = int(re.sub(r"[.\s\u00a0]", "", text))
    else:
        raise PeriodError(message)
    if value < 0:
        raise PeriodError(message)
    if value > MAX_REPORTED:
        raise PeriodError("Số trẻ em quá lớn.")
    return value


# --------------------------------------------------------------------------- weeks and months


def iso_week(day: date) -> str:
    """The ISO week of a day: date(2026, 12, 3) -> "2026-W49"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str) -> tuple[int, int]:
    """ "2026-W49" -> (2026, 49); PeriodError for anything else or a week the year lacks."""
    m = _WEEK_RE.match(text or "")
    if not m:
        raise PeriodError(f"Tuần không hợp lệ: {text!r} (cần dạng 2026-W49).")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise PeriodError(f"Năm {year} không có tuần {week}.") from exc
    return year, week


def normal_week(text: str) -> str:
    """The canonical spelling of a week: "2026w9" -> "2026-W09"."""
    year, week = parse_week(text)
    return f"{year}-W{week:02d}"


def week_bounds(week: str) -> tuple[date, date]:
    """(Monday, Sunday) of an ISO week."""
    year, number = parse_week(week)
    monday = date.fromisocalendar(year, number, 1)
    return monday, monday + timedelta(days=6)


def shift_week(week: str, weeks: int) -> str:
    """The week `weeks` weeks later (earlier when negative)."""
    return iso_week(week_bounds(week)[0] + timedelta(weeks=weeks))


def cutoff_day(week: str, weekday: int = DEFAULT_CUTOFF_WEEKDAY) -> date:
    """The local day of a week's cut-off (Friday of that ISO week by default)."""
    return week_bounds(week)[0] + timedelta(days=weekday)


def cutoff(
    week: str,
    weekday: int = DEFAULT_CUTOFF_WEEKDAY,
    hour: int = DEFAULT_CUTOFF_HOUR,
    zone_name: str = DEFAULT_ZONE,
) -> datetime:
    """The end of a reporting week as a stored (naive UTC) time: the week's configured weekday
    and hour in local time (Friday 10:00 -> 03:00 UTC in Vietnam). The reporting week W runs
    from the cut-off of W-1 to the cut-off of W; its figures are as of that moment."""
    local = datetime.combine(cutoff_day(week, weekday), time(hour), zone(zone_name))
    return local.astimezone(UTC).replace(tzinfo=None)


def week_of_cutoff(
    moment: datetime,
    weekday: int = DEFAULT_CUTOFF_WEEKDAY,
    hour: int = DEFAULT_CUTOFF_HOUR,
    zone_name: str = DEFAULT_ZONE,
) -> str:
    """The reporting week a (naive UTC) moment falls in: the first week whose cut-off is at or
    after it (Friday 10:01 already belongs to next week)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    week = iso_week(moment.astimezone(zone(zone_name)).date())
    if naive > cutoff(week, weekday, hour, zone_name):
        week = shift_week(week, 1)
    return week


def last_closed_week(
    moment: datetime,
    weekday: int = DEFAULT_CUTOFF_WEEKDAY,
    hour: int = DEFAULT_CUTOFF_HOUR,
    zone_name: str = DEFAULT_ZONE,
) -> str:
    """The latest week whose cut-off has passed at `moment` (what the scheduled job freezes)."""
    return shift_week(week_of_cutoff(moment, weekday, hour, zone_name), -1)


def parse_month(text: str) -> tuple[int, int]:
    """ "2026-12" -> (2026, 12); PeriodError otherwise."""
    m = _MONTH_RE.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise PeriodError(f"Tháng không hợp lệ: {text!r} (cần dạng 2026-12).")
    return int(m.group(1)), int(m.group(2))


def normal_month(text: str) -> str:
    year, month = parse_month(text)
    return f"{year}-{month:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    """(first day, last day) of a month."""
    year, number = parse_month(month)
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, following - timedelta(days=1)


def weeks_of_month(month: str, weekday: int = DEFAULT_CUTOFF_WEEKDAY) -> list[str]:
    """The reporting weeks whose cut-off day falls in the month, in order: a month's summary
    is the figures of its last one."""
    first, last = month_bounds(month)
    out, day = [], first
    week = iso_week(day)
    while cutoff_day(week, weekday) <= last:
        if cutoff_day(week, weekday) >= first:
            out.append(week)
        week = shift_week(week, 1)
    return out


def period_start(period: str) -> date:
    """The first day of a period a reported total is entered for: a month "2026-12" or a week
    "2026-W49" (its Monday)."""
    if "W" in (period or "").upper():
        return week_bounds(period)[0]
    return month_bounds(period)[0]


def normal_period(period: str) -> str:
    """A week or a month in canonical spelling; PeriodError otherwise."""
    if "W" in (period or "").upper():
        return normal_week(period)
    return normal_month(period)


def vn_week(week: str) -> str:
    """ "2026-W49" -> "Tuần 49/2026 (30/11/2026 - 06/12/2026)"."""
    year, number = parse_week(week)
    monday, sunday = week_bounds(week)
    return f"Tuần {number}/{year} ({monday:%d/%m/%Y} - {sunday:%d/%m/%Y})"


def vn_month(month: str) -> str:
    year, number = parse_month(month)
    return f"Tháng {number:02d}/{year}"


# --------------------------------------------------------------------------- restatements


@dataclass(frozen=True)
class Restatement:
    """A closed week's stored figure that later knowledge changes (shown, never rewritten)."""

    unit_id: int
    unit_name: str
    week: str
    column: int  # 3, 4 or 6
    stored: int | None
    restated: int | None
    reason: str = field(default="")

    @property
    def label(self) -> str:
        return COLUMNS[self.column]


# --------------------------------------------------------------------------- table layouts


def row_values(number: str, name: str, figures: Figures) -> list:
    """One line of the appendix layout (columns (1) … (8)) as values for a spreadsheet:
    numbers as numbers (the rate as a float with two decimals), None for a blank cell."""
    rate = figures.rate
    return [
        number,
        name,
        figures.reported,
        figures.in_software,
        figures.not_updated,
        figures.cleaned,
        figures.not_cleaned,
        float(rate) if rate is not None else None,
    ]


# The Cam Lộ letter's layout, from the same figures: records the software holds (4) and records
# not yet standardised (7) = (4) - (6).
SHORT_COLUMNS = (
    "STT",
    "Tên đơn vị",
    "Dữ liệu trẻ em có trên phần mềm",
    "Số trẻ chưa chuẩn hóa",
    "Ghi chú",
)


def short_row_values(number: str, name: str, figures: Figures, note: str = "") -> list:
    """One line of the short layout (Cam Lộ): STT, unit, (4), (7), note."""
    return [number, name, figures.in_software, figures.not_cleaned, note]
