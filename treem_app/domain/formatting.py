"""Numbers and dates as Vietnamese users read and print them: 1.731; 54,81; 05/03/2015."""

from __future__ import annotations

from datetime import date, datetime, timedelta

# Vietnam has one zone, UTC+7, without daylight saving; stored times are UTC.
VIETNAM_OFFSET = timedelta(hours=7)


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


def vn_datetime(value: datetime | None) -> str:
    """A stored UTC time shown in Vietnam time: "HH:MM dd/mm/yyyy"."""
    if not value:
        return ""
    return (value + VIETNAM_OFFSET).strftime("%H:%M %d/%m/%Y")
