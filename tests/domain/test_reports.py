"""The reports' domain: figures and their derived columns, totals, weeks, cut-offs, months."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from treem_app.domain.reports import (
    NO_FIGURES,
    Figures,
    PeriodError,
    cutoff,
    iso_week,
    last_closed_week,
    month_bounds,
    normal_period,
    parse_count,
    parse_week,
    period_start,
    shift_week,
    total,
    vn_count,
    vn_rate,
    vn_week,
    week_bounds,
    week_of_cutoff,
    weeks_of_month,
)


def test_the_seed_appendix_row():
    f = Figures(3158, 2583, 1731)
    assert (f.not_updated, f.not_cleaned, f.rate) == (575, 852, Decimal("54.81"))
    assert f.cells() == {3: "3.158", 4: "2.583", 5: "575", 6: "1.731", 7: "852", 8: "54,81"}


def test_a_unit_without_a_reported_total_is_blank_never_zero():
    f = Figures(None, 120, 40)
    assert f.missing == 1 and not f.complete
    assert (f.not_updated, f.rate, f.not_cleaned) == (None, None, 80)
    assert f.cells()[3] == "" and f.cells()[8] == "" and f.cells()[5] == ""
    assert Figures(0, 0, 0).rate is None  # a total of 0: no rate, never 100 %
    assert Figures(10, 12, 10).not_updated == -2  # the software holds more than reported


def test_totals_sum_the_known_totals_and_count_the_missing():
    a, b, c = Figures(3158, 2583, 1731), Figures(1000, 900, 500), Figures(None, 50, 10)
    full = a + b
    assert (full.reported, full.in_software, full.cleaned, full.missing) == (4158, 3483, 2231, 0)
    assert full.rate == Decimal("53.66")
    partial = total([a, b, c])
    assert (partial.reported, partial.in_software, partial.cleaned) == (4158, 3533, 2241)
    assert partial.missing == 1 and partial.rate is None and partial.not_updated is None
    assert total([]) == NO_FIGURES and total([c, c]).reported is None
    assert total([c, c]).missing == 2


def test_rate_rounds_half_up_to_two_decimals():
    assert Figures(8, 1, 1).rate == Decimal("12.50")
    assert Figures(3, 1, 1).rate == Decimal("33.33")
    assert Figures(3, 2, 2).rate == Decimal("66.67")
    assert vn_rate(Decimal("100.00")) == "100,00"
    assert vn_count(1234567) == "1.234.567" and vn_count(None) == ""


def test_iso_weeks():
    assert iso_week(date(2026, 12, 3)) == "2026-W49"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"
    assert parse_week("2026-W49") == (2026, 49) and parse_week("2026w9") == (2026, 9)
    assert week_bounds("2026-W49") == (date(2026, 11, 30), date(2026, 12, 6))
    assert shift_week("2026-W53", 1) == "2027-W01"
    assert vn_week("2026-W49") == "Tuần 49/2026 (30/11/2026 - 06/12/2026)"
    for bad in ("2025-W53", "2026-49", "", "W49", "2026-W0"):
        with pytest.raises(PeriodError):
            parse_week(bad)


def test_the_cutoff_is_friday_ten_local_time_in_utc():
    assert cutoff("2026-W49") == datetime(2026, 12, 4, 3, 0)
    assert cutoff("2026-W49", weekday=3, hour=17) == datetime(2026, 12, 3, 10, 0)
    assert week_of_cutoff(datetime(2026, 12, 4, 3, 0)) == "2026-W49"
    assert week_of_cutoff(datetime(2026, 12, 4, 3, 1)) == "2026-W50"
    assert week_of_cutoff(datetime(2026, 12, 6, 18, 0)) == "2026-W50"  # Monday 01:00 local
    assert last_closed_week(datetime(2026, 12, 4, 3, 1)) == "2026-W49"


def test_months_and_periods():
    assert month_bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert month_bounds("2026-2") == (date(2026, 2, 1), date(2026, 2, 28))
    # December 2026's Fridays: 4, 11, 18, 25.
    assert weeks_of_month("2026-12") == ["2026-W49", "2026-W50", "2026-W51", "2026-W52"]
    assert weeks_of_month("2027-01") == ["2026-W53", "2027-W01", "2027-W02", "2027-W03", "2027-W04"]
    assert period_start("2026-12") == date(2026, 12, 1)
    assert period_start("2026-W49") == date(2026, 11, 30)
    assert normal_period("2026-w9") == "2026-W09" and normal_period("2026-3") == "2026-03"
    for bad in ("2026-13", "12-2026", "abc"):
        with pytest.raises(PeriodError):
            normal_period(bad)


def test_counts_as_typed():
    assert parse_count("3.158") == 3158 and parse_count(" 3 158 ") == 3158
    assert parse_count(0) == 0
    for bad in ("-1", "3,5", "2.5", "", None, True, -4, 2.5, "12a", 10**9):
        with pytest.raises(PeriodError):
            parse_count(bad)
