"""Dates of birth in every common form, with their precision ("day", "month" or "year").

Accepted: date/datetime cells; Excel serial numbers (1900 date system, int or float, also as
text); dd/mm/yyyy, d/m/yy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd (optionally with a time), ddmmyyyy
and yyyymmdd; "ngày 5 tháng 3 năm 2015"; month and year ("03/2015", "tháng 3 năm 2015",
"2015-03"); year only ("năm 2015", "2015", the number 2015). Day and month are always read
day first (Vietnamese order); "03/25/2015" is not a date rather than a guess. A two-digit year
is the latest year not after the reference date's year ("15" -> 2015, "98" -> 1998).
A partial date is stored as the first day of its month or year.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import NamedTuple

from treem_app.domain.legacy_text import decode_legacy
from treem_app.domain.syllables import strip_diacritics

DAY, MONTH, YEAR = "day", "month", "year"
MIN_YEAR, MAX_YEAR = 1900, 2099  # no ID century code exists before 1900 (id_number_structure.md)
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # 1900 system, after Lotus' phantom 29/02/1900
_MAX_SERIAL = 2958465  # 31/12/9999

_TIME = r"(?:[ t]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[ap]m)?)?"
_SEP = r"\s*[/\-.]\s*"
_DMY_PLAIN = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DMY = re.compile(rf"(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{4}}|\d{{2}}){_TIME}")
_YMD = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}}){_TIME}")
_WORDS_DMY = re.compile(r"ngay\s*(\d{1,2})\s*,?\s*thang\s*(\d{1,2})\s*,?\s*nam\s*(\d{4})")
_WORDS_MY = re.compile(r"(?:thang\s*)?(\d{1,2})\s*(?:,?\s*nam|[/\-.])\s*(\d{4})")
_YM = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}})")
_Y = re.compile(r"(?:nam\s*)?(\d{4})")
_EIGHT = re.compile(r"\d{8}")
_SERIAL = re.compile(r"(\d{5})(?:\.\d+)?")
_EMPTY = frozenset({"", "-", "--", "...", "x", "khong ro", "chua ro", "n/a", "null", "none"})


class ParsedDate(NamedTuple):
    """A parsed date: value and precision, or the problem ("missing" or "invalid")."""

    value: dt.date | None
    precision: str | None
    problem: str | None


MISSING = ParsedDate(None, None, "missing")
INVALID = ParsedDate(None, None, "invalid")


def _day(y: int, m: int, d: int) -> ParsedDate:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return INVALID
    try:
        return ParsedDate(dt.date(y, m, d), DAY, None)
    except ValueError:
        return INVALID


def _month(y: int, m: int) -> ParsedDate:
    if not (MIN_YEAR <= y <= MAX_YEAR and 1 <= m <= 12):
        return INVALID
    return ParsedDate(dt.date(y, m, 1), MONTH, None)


def _year(y: int) -> ParsedDate:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return INVALID
    return ParsedDate(dt.date(y, 1, 1), YEAR, None)


def excel_serial_to_date(serial: float) -> dt.date | None:
    """Convert an Excel 1900-system serial number to a date (None when out of range)."""
    n = int(serial)
    if n < 1 or n > _MAX_SERIAL or n == 60:  # 60 is the non-existent 29/02/1900
        return None
    if n < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=n)
    return _EXCEL_EPOCH + dt.timedelta(days=n)


def _from_serial(serial: float) -> ParsedDate:
    d = excel_serial_to_date(serial)
    if d is None or not MIN_YEAR <= d.year <= MAX_YEAR:
        return INVALID
    return ParsedDate(d, DAY, None)


def _from_eight(digits: str) -> ParsedDate:
    y, m, d = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    if MIN_YEAR <= y <= MAX_YEAR:
        first = _day(y, m, d)
        if first.problem is None:
            return first
    return _day(int(digits[4:]), int(digits[2:4]), int(digits[:2]))


def _from_number(n: float) -> ParsedDate:
    if math.isnan(n):
        return MISSING
    if math.isinf(n):
        return INVALID
    if n != int(n) and not 1 <= n <= _MAX_SERIAL:
        return INVALID
    i = int(n)
    if MIN_YEAR <= i <= MAX_YEAR and n == i:
        return _year(i)
    if 10_000_000 <= i <= 99_999_999 and n == i:
        return _from_eight(str(i))
    return _from_serial(n)


def _century(yy: int, pivot_year: int) -> int:
    year = 2000 + yy
    return year if year <= pivot_year else year - 100


def _from_text(text: str, pivot_year: int) -> ParsedDate:
    s = text.strip()
    m = _DMY_PLAIN.fullmatch(s)  # the common "05/03/2015" without any folding
    if m:
        return _day(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    s = " ".join(strip_diacritics(s).split())  # "Ngày 5 tháng 3" -> "ngay 5 thang 3"
    if not s.isascii():  # perhaps legacy-encoded words ("ngµy 5 th¸ng 3")
        s = " ".join(strip_diacritics(decode_legacy(text.strip())).split())
    if s in _EMPTY:
        return MISSING
    m = _DMY.fullmatch(s)
    if m:
        d, mo, y = int(m.group(1)), int(m.group(2)), m.group(3)
        year = int(y) if len(y) == 4 else _century(int(y), pivot_year)
        return _day(year, mo, d)
    m = _YMD.fullmatch(s)
    if m:
        return _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _WORDS_DMY.fullmatch(s)
    if m:
        return _day(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = _WORDS_MY.fullmatch(s)
    if m:
        return _month(int(m.group(2)), int(m.group(1)))
    m = _YM.fullmatch(s)
    if m:
        return _month(int(m.group(1)), int(m.group(2)))
    m = _Y.fullmatch(s)
    if m:
        return _year(int(m.group(1)))
    if _EIGHT.fullmatch(s):
        return _from_eight(s)
    m = _SERIAL.fullmatch(s)
    if m:
        return _from_serial(float(s))
    return INVALID


def parse_date(raw: object, *, today: dt.date | None = None) -> ParsedDate:
    """Parse a raw date-of-birth cell into (date, precision, problem).

    ``today`` (the screening date) only decides the century of a two-digit year.
    """
    if raw is None:
        return MISSING
    if raw.__class__ is str:
        return _from_text(raw, (today or dt.date.today()).year)  # type: ignore[arg-type]
    if isinstance(raw, dt.datetime):
        return _day(raw.year, raw.month, raw.day)
    if isinstance(raw, dt.date):
        return _day(raw.year, raw.month, raw.day)
    if isinstance(raw, bool):
        return INVALID
    if isinstance(raw, int | float):
        return _from_number(raw)
    pivot = (today or dt.date.today()).year
    return _from_text(str(raw), pivot)


def period_end(value: dt.date, precision: str | None) -> dt.date:
    """The last day a partial date can stand for (the date itself for day precision)."""
    if precision == YEAR:
        return dt.date(value.year, 12, 31)
    if precision == MONTH:
        nxt = dt.date(value.year + (value.month == 12), value.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    return value


def age_on(dob: dt.date, on: dt.date) -> int:
    """Age in whole years on a given day (a 29 February birthday counts on 1 March)."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def min_age_on(dob: dt.date, precision: str | None, on: dt.date) -> int:
    """The smallest age the person can have on ``on``, given a possibly partial date of birth."""
    return age_on(period_end(dob, precision), on)


def out_of_scope(dob: dt.date, precision: str | None, on: dt.date, limit: int = 16) -> bool:
    """True when the person is certainly ``limit`` (16) or older on ``on``."""
    return min_age_on(dob, precision, on) >= limit


def format_date(value: dt.date | None, precision: str | None = DAY) -> str:
    """Vietnamese display form: 05/03/2015, 03/2015 or 2015 by precision ('' for None)."""
    if value is None:
        return ""
    if precision == YEAR:
        return f"{value.year}"
    if precision == MONTH:
        return f"{value.month:02d}/{value.year}"
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


DAY_FORMAT_HINT = "Ngày phải theo dạng dd/mm/yyyy."


def parse_day(text: str | None, *, today: dt.date | None = None) -> dt.date | None:
    """A whole day typed into a form field (dd/mm/yyyy, d/m/yy, ddmmyyyy...); None when blank.

    Read by :func:`parse_date`, day first; a month or a year alone, an Excel serial number or
    a day that does not exist is refused. Raises ValueError with a Vietnamese message.
    """
    s = (text or "").strip()
    if not s:
        return None
    parsed = parse_date(s, today=today)
    if parsed.precision != DAY or (s.isdigit() and len(s) != 8):
        raise ValueError(f"“{s}” không phải một ngày có thật. {DAY_FORMAT_HINT}")
    return parsed.value
