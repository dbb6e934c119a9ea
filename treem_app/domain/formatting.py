"""Numbers and dates as Vietnamese users read and print them: 1.731; 54,81; 05/03/2015."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The app's one local time zone (setting TREEM_TIMEZONE); stored times are UTC.
DEFAULT_ZONE = "Asia/Ho_Chi_Minh"
# Vietnam has one zone, UTC+7, without daylight saving: what a machine without tzdata uses.
VIETNAM_OFFSET = timedelta(hours=7)


def zone(name: str = DEFAULT_ZONE) -> tzinfo:
    """The named time zone (UTC+7 when this machine has no zone data for Vietnam)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name != DEFAULT_ZONE:
            raise
        return timezone(VIETNAM_OFFSET, "ICT")


def local_today(zone_name: str = DEFAULT_ZONE, now: datetime | None = None) -> date:
    """Today in the local zone: at 23:30 UTC it is already tomorrow in Vietnam."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:  # stored times are naive UTC
        now = now.replace(tzinfo=UTC)
    return now.astimezone(zone(zone_name)).date()


def vn_number(value: float | int | None, decimals: int = 2) -> str:
    """1731 -> "1.731"; 54.8123 -> "54,81" (dots for thousands, a comma for decimals)."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:,.{decimals}f}"
    else:
        text = f"{int(value):,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def vn_date(value: date | None) -> str:
    """A date as dd/mm/yyyy ("" for none)."""
    return value.strftime("%d/%m/%Y") if value else ""


def vn_datetime(value: datetime | None, zone_name: str = DEFAULT_ZONE) -> str:
    """A stored UTC time shown in the local zone: "HH:MM dd/mm/yyyy"."""
    if not value:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(zone_name)).strftime("%H:%M %d/%m/%Y")


def end_of_local_day(day: date, zone_name: str = DEFAULT_ZONE) -> datetime:
    """The last instant of a local day, as a stored (naive UTC) time: an account "ending on
    31/12/2025" works until midnight in Vietnam, not until 07:00 the next morning."""
    start_next = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone(zone_name))
    return (start_next - timedelta(microseconds=1)).astimezone(UTC).replace(tzinfo=None)


def local_date(value: datetime | None, zone_name: str = DEFAULT_ZONE) -> date | None:
    """The local day of a stored UTC time (None for none)."""
    if not value:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(zone_name)).date()


def place_name(name: str) -> str:
    """A commune's name as a place, without its level ("Xã Phước Hưng" -> "Phước Hưng")."""
    for prefix in ("Thị trấn ", "Xã ", "Phường ", "Đặc khu "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def place_date_line(place: str, day: date) -> str:
    """ "Phước Hưng, ngày 05 tháng 01 năm 2026": NĐ 30 pads days 1–9 and months 1–2 only."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def agency_names(unit) -> tuple[str, str | None]:
    """(issuing agency, governing agency): the commune's People's Committee and, above it, the
    district's or province's (abbreviated, as NĐ 30 allows)."""
    agency = f"Ủy ban nhân dân {unit.name}".upper()
    governing = f"UBND {unit.parent.name}".upper() if unit.parent is not None else None
    return agency, governing
