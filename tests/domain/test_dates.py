"""Dates of birth: every common form, impossible dates, precision, age and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treem_app.domain.dates import (
    DAY,
    MONTH,
    YEAR,
    age_on,
    excel_serial_to_date,
    format_date,
    min_age_on,
    out_of_scope,
    parse_date,
    parse_day,
)

TODAY = dt.date(2026, 6, 18)
D = dt.date


@pytest.mark.parametrize(
    ("raw", "value", "precision"),
    [
        (D(2015, 3, 5), D(2015, 3, 5), DAY),
        (dt.datetime(2015, 3, 5, 0, 0), D(2015, 3, 5), DAY),
        (42068, D(2015, 3, 5), DAY),
        (42068.0, D(2015, 3, 5), DAY),
        (42068.75, D(2015, 3, 5), DAY),
        ("42068", D(2015, 3, 5), DAY),
        ("05/03/2015", D(2015, 3, 5), DAY),
        ("5/3/2015", D(2015, 3, 5), DAY),
        ("5/3/15", D(2015, 3, 5), DAY),
        ("5/3/98", D(1998, 3, 5), DAY),
        ("05-03-2015", D(2015, 3, 5), DAY),
        ("5-3-15", D(2015, 3, 5), DAY),
        ("05.03.2015", D(2015, 3, 5), DAY),
        (" 05 / 03 / 2015 ", D(2015, 3, 5), DAY),
        ("2015-03-05", D(2015, 3, 5), DAY),
        ("2015/03/05", D(2015, 3, 5), DAY),
        ("2015-03-05 00:00:00", D(2015, 3, 5), DAY),
        ("05/03/2015 00:00", D(2015, 3, 5), DAY),
        ("05032015", D(2015, 3, 5), DAY),
        ("20150305", D(2015, 3, 5), DAY),
        (20150305, D(2015, 3, 5), DAY),
        ("ngày 5 tháng 3 năm 2015", D(2015, 3, 5), DAY),
        ("Ngày 05 tháng 03 năm 2015", D(2015, 3, 5), DAY),
        ("ngay 5 thang 3 nam 2015", D(2015, 3, 5), DAY),
        ("29/02/2016", D(2016, 2, 29), DAY),
        ("03/2015", D(2015, 3, 1), MONTH),
        ("3/2015", D(2015, 3, 1), MONTH),
        ("3-2015", D(2015, 3, 1), MONTH),
        ("tháng 3 năm 2015", D(2015, 3, 1), MONTH),
        ("tháng 3/2015", D(2015, 3, 1), MONTH),
        ("2015-03", D(2015, 3, 1), MONTH),
        ("năm 2015", D(2015, 1, 1), YEAR),
        ("Năm 2015", D(2015, 1, 1), YEAR),
        ("2015", D(2015, 1, 1), YEAR),
        (2015, D(2015, 1, 1), YEAR),
        (2015.0, D(2015, 1, 1), YEAR),
    ],
)
def test_parse_valid(raw, value, precision):
    parsed = parse_date(raw, today=TODAY)
    assert (parsed.value, parsed.precision, parsed.problem) == (value, precision, None)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "missing"),
        ("", "missing"),
        ("   ", "missing"),
        ("-", "missing"),
        ("không rõ", "missing"),
        (float("nan"), "missing"),
        ("31/02/2015", "invalid"),
        ("30/02/2016", "invalid"),
        ("29/02/2015", "invalid"),
        ("32/01/2015", "invalid"),
        ("00/03/2015", "invalid"),
        ("05/13/2015", "invalid"),
        ("03/25/2015", "invalid"),
        ("13/2015", "invalid"),
        ("abc", "invalid"),
        ("năm hai nghìn", "invalid"),
        ("05/03/1850", "invalid"),
        ("năm 1850", "invalid"),
        ("2015-02-30", "invalid"),
        (60, "invalid"),
        (-5, "invalid"),
        (float("inf"), "invalid"),
        (True, "invalid"),
        ("5/3", "invalid"),
    ],
)
def test_parse_invalid(raw, problem):
    parsed = parse_date(raw, today=TODAY)
    assert parsed.value is None
    assert parsed.problem == problem


def test_two_digit_years_pivot_on_the_screening_year():
    assert parse_date("1/1/26", today=TODAY).value == D(2026, 1, 1)
    assert parse_date("1/1/27", today=TODAY).value == D(1927, 1, 1)
    assert parse_date("1/1/27", today=D(2027, 1, 1)).value == D(2027, 1, 1)


def test_excel_serials():
    assert excel_serial_to_date(1) == D(1900, 1, 1)
    assert excel_serial_to_date(59) == D(1900, 2, 28)
    assert excel_serial_to_date(60) is None
    assert excel_serial_to_date(61) == D(1900, 3, 1)
    assert excel_serial_to_date(45000) == D(2023, 3, 15)


@pytest.mark.parametrize(
    ("dob", "precision", "on", "age", "outside"),
    [
        (D(2010, 6, 18), DAY, TODAY, 16, True),
        (D(2010, 6, 19), DAY, TODAY, 15, False),
        (D(2010, 1, 1), YEAR, TODAY, 15, False),
        (D(2009, 1, 1), YEAR, TODAY, 16, True),
        (D(2010, 6, 1), MONTH, TODAY, 15, False),
        (D(2010, 5, 1), MONTH, TODAY, 16, True),
        (D(2012, 2, 29), DAY, D(2028, 2, 28), 15, False),
        (D(2012, 2, 29), DAY, D(2028, 2, 29), 16, True),
        (D(2026, 6, 18), DAY, TODAY, 0, False),
        (D(2000, 1, 1), DAY, TODAY, 26, True),
    ],
)
def test_age_and_scope(dob, precision, on, age, outside):
    assert min_age_on(dob, precision, on) == age
    assert out_of_scope(dob, precision, on) is outside


@pytest.mark.parametrize(
    ("value", "precision", "text"),
    [
        (D(2015, 3, 5), DAY, "05/03/2015"),
        (D(2015, 3, 1), MONTH, "03/2015"),
        (D(2015, 1, 1), YEAR, "2015"),
        (None, DAY, ""),
    ],
)
def test_format_date(value, precision, text):
    assert format_date(value, precision) == text


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=D(1906, 1, 1), max_value=D(2099, 12, 31)))
def test_every_form_of_a_date_parses_back(d):
    # (before 1906 an Excel serial is below 2100 and reads as a year: documented in dates.py)
    serial = (d - D(1899, 12, 30)).days
    for raw in (
        d,
        f"{d.day:02d}/{d.month:02d}/{d.year}",
        f"{d.day}-{d.month}-{d.year}",
        d.isoformat(),
        serial,
        float(serial),
        f"ngày {d.day} tháng {d.month} năm {d.year}",
    ):
        assert parse_date(raw, today=TODAY) == (d, DAY, None)


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=D(1900, 1, 1), max_value=D(2099, 12, 31)),
    st.dates(min_value=D(1900, 1, 1), max_value=D(2099, 12, 31)),
)
def test_age_matches_counting_birthdays(dob, on):
    if on < dob:
        return
    age = age_on(dob, on)
    birthdays = sum(
        1
        for y in range(dob.year + 1, on.year + 1)
        if (on.month, on.day) >= (dob.month, dob.day) or y < on.year
    )
    assert age == birthdays


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("31/12/2025", dt.date(2025, 12, 31)),
        (" 5/3/25 ", dt.date(2025, 3, 5)),
        ("05.03.2025", dt.date(2025, 3, 5)),
        ("05032025", dt.date(2025, 3, 5)),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_parse_day_reads_a_typed_day(text, value):
    assert parse_day(text, today=dt.date(2025, 6, 1)) == value


@pytest.mark.parametrize("text", ["2020-13-45", "abc", "31/02/2025", "03/2025", "2025", "45000"])
def test_parse_day_refuses_anything_but_a_whole_real_day(text):
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        parse_day(text, today=dt.date(2025, 6, 1))
