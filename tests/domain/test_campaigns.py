"""Campaign pace figures on fixed data (issue 17): the Cao Đức plan's children phase,
04/06/2026 (Thursday) to 18/06/2026, frozen counts at the Friday cut-offs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from treem_app.domain import campaigns as c
from treem_app.domain.campaigns import Phase, Schedule

CHILDREN = Phase("child", date(2026, 6, 4), date(2026, 6, 18))
BENEFICIARIES = Phase("beneficiary", date(2026, 6, 19), date(2026, 7, 31))
THURSDAY = date(2026, 6, 11)  # the second week of the phase; the open week's cut-off is 12/06
CUTOFFS = [date(2026, 5, 15), date(2026, 5, 22), date(2026, 5, 29), date(2026, 6, 5)]


def frozen(*counts):
    return list(zip(CUTOFFS, counts, strict=True))


def test_behind_with_the_last_four_weeks_pace():
    # 120 cleaned from 15/05 (27 days ago) to now: 31,1 a week; 80 left in 8 days needs 70.
    p = c.pace(CHILDREN, THURSDAY, 80, frozen(100, 130, 160, 190), live=220)
    assert p.state == c.RUNNING
    assert p.days_left == 8
    assert p.needed_per_week == 70
    assert p.past_per_week == Decimal("31.1")
    assert p.flags == (c.BEHIND,)
    assert p.flag_labels == ["Không kịp tiến độ"]
    assert p.projected_end is None  # never a day after the phase


def test_on_track_gives_a_day_within_the_phase():
    p = c.pace(CHILDREN, THURSDAY, 30, frozen(100, 130, 160, 190), live=220)
    assert p.flags == ()
    assert p.needed_per_week == 27  # ceil(30 x 7 / 8)
    # 30 / 31,1 a week = 6,75 days -> 7 days counting today: 17/06.
    assert p.projected_end == date(2026, 6, 17)
    assert p.on_track


def test_no_progress_for_two_weeks():
    # Nothing cleaned since the cut-off of 22/05 (20 days ago).
    p = c.pace(CHILDREN, THURSDAY, 80, frozen(100, 190, 190, 190), live=190)
    assert c.NO_PROGRESS in p.flags
    assert p.flag_labels[0] == "Không tiến triển 2 tuần"
    assert c.BEHIND in p.flags  # 23,3 a week cannot clean 80 in 8 days either


def test_one_quiet_week_is_not_two():
    # The last gain was between 29/05 (13 days ago) and 05/06: not yet two weeks.
    p = c.pace(CHILDREN, THURSDAY, 10, frozen(100, 130, 160, 190), live=190)
    assert c.NO_PROGRESS not in p.flags


def test_finished():
    p = c.pace(CHILDREN, THURSDAY, 0, frozen(100, 130, 160, 190), live=220)
    assert p.state == c.DONE
    assert p.state_label == "Đã hoàn thành"
    assert p.flags == ()


def test_phase_not_started():
    p = c.pace(BENEFICIARIES, THURSDAY, 430, frozen(None, None, None, None), live=0)
    assert p.state == c.NOT_STARTED
    assert p.days_to_start == 8
    assert p.needed_per_week == 70  # 430 over the phase's 43 days
    assert p.flags == ()
    assert p.past_per_week is None


def test_phase_ended_with_records_left():
    p = c.pace(CHILDREN, date(2026, 6, 19), 5, frozen(100, 130, 160, 190), live=220)
    assert p.state == c.ENDED
    assert p.flags == (c.OVERDUE,)
    assert p.days_left is None and p.needed_per_week is None


def test_phase_ended_and_finished():
    assert c.pace(CHILDREN, date(2026, 7, 1), 0, [], live=0).state == c.DONE


def test_last_day_counts_today():
    p = c.pace(CHILDREN, date(2026, 6, 18), 3, [], live=0)
    assert p.days_left == 1
    assert p.needed_per_week == 21


def test_without_frozen_weeks_the_pace_is_unknown_and_not_judged():
    p = c.pace(CHILDREN, THURSDAY, 80, frozen(None, None, None, None), live=220)
    assert p.past_per_week is None
    assert p.flags == ()
    assert c.vn_pace(p.past_per_week) == "chưa đủ số liệu"


def test_a_count_younger_than_a_week_gives_no_pace():
    assert c.past_pace([(date(2026, 6, 5), 10)], 20, THURSDAY) is None


def test_missing_weeks_use_the_earliest_known_count():
    # 15/05 not frozen for this commune: from 22/05 (20 days): 90 x 7 / 20 = 31,5.
    assert c.past_pace(frozen(None, 130, None, 190), 220, THURSDAY) == Decimal("31.5")


def test_records_unclean_again_are_no_negative_pace():
    p = c.pace(CHILDREN, THURSDAY, 80, frozen(300, 300, 300, 300), live=250)
    assert p.past_per_week == Decimal("0.0")
    assert p.flags == (c.NO_PROGRESS, c.BEHIND)


def test_pace_in_words():
    assert c.vn_pace(Decimal("31.1")) == "31 hồ sơ/tuần"
    assert c.vn_pace(Decimal("2.5")) == "2,5 hồ sơ/tuần"
    assert c.vn_pace(Decimal("1234.0")) == "1.234 hồ sơ/tuần"
    summary = c.pace(CHILDREN, THURSDAY, 80, frozen(100, 130, 160, 190), live=220).summary()
    assert "còn 8 ngày" in summary and "Không kịp tiến độ" in summary
    assert "04/06/2026 – 18/06/2026" in summary


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 6, 1), CHILDREN),  # before everything: the next to start
        (date(2026, 6, 18), CHILDREN),
        (date(2026, 6, 19), BENEFICIARIES),
        (date(2026, 8, 30), BENEFICIARIES),  # after everything: the last one ended
    ],
)
def test_current_phase(today, expected):
    assert c.current_phase([BENEFICIARIES, CHILDREN], today) == expected


def test_in_force():
    assert c.in_force([CHILDREN], THURSDAY)
    assert not c.in_force([CHILDREN], date(2026, 6, 3))
    assert c.current_phase([], THURSDAY) is None


def test_the_plans_cadence():
    s = Schedule()
    assert s.handover_day(date(2026, 6, 8)) == date(2026, 6, 11)  # Monday -> Thursday
    assert s.return_due(date(2026, 6, 4)) == date(2026, 6, 10)  # Thursday -> next Wednesday
    assert s.return_due(date(2026, 6, 9)) == date(2026, 6, 10)  # handed Tuesday: next day
    assert s.report_day(date(2026, 6, 8)) == date(2026, 6, 12)
    assert s.monthly_due(date(2026, 7, 3)) == date(2026, 7, 15)
    assert "thứ năm hằng tuần" in s.text() and "trước ngày 15" in s.text()


def test_reading_the_phases():
    rows = [
        {"kind": "beneficiary", "start": "19/6/2026", "end": "31/07/2026"},
        {"kind": "", "start": "", "end": ""},  # a blank row is skipped
        {"kind": "child", "start": "04/06/2026", "end": "18-06-2026"},
    ]
    phases, errors = c.read_phases(rows)
    assert errors == {}
    assert phases == [CHILDREN, BENEFICIARIES]


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"kind": "child", "start": "31/02/2026", "end": "18/06/2026"}, "start", "không phải"),
        ({"kind": "child", "start": "04/06/2026", "end": "2026-06-18x"}, "end", "không"),
        ({"kind": "child", "start": "18/06/2026", "end": "04/06/2026"}, "end", "phải sau"),
        ({"kind": "child", "start": "", "end": "04/06/2026"}, "start", "Hãy nhập ngày bắt đầu"),
        ({"kind": "adult", "start": "04/06/2026", "end": "18/06/2026"}, "kind", "đối tượng"),
        ({"kind": "child", "start": "04/06/2026", "end": "18/06/2062"}, "end", "một năm"),
    ],
)
def test_bad_phases_are_refused_in_vietnamese_on_their_field(row, field, words):
    phases, errors = c.read_phases([row])
    assert f"phase-0-{field}" in errors
    assert words in errors[f"phase-0-{field}"]
    assert phases == [] or field in ("kind",)


def test_overlapping_phases_of_one_kind_are_refused():
    rows = [
        {"kind": "child", "start": "04/06/2026", "end": "18/06/2026"},
        {"kind": "beneficiary", "start": "05/06/2026", "end": "30/06/2026"},  # other kinds may
        {"kind": "child", "start": "15/06/2026", "end": "30/06/2026"},
    ]
    _phases, errors = c.read_phases(rows)
    assert list(errors) == ["phase-2-start"]
    assert "trùng thời gian" in errors["phase-2-start"]


def test_a_campaign_needs_a_phase():
    _phases, errors = c.read_phases([{"kind": "", "start": "", "end": ""}])
    assert "ít nhất một giai đoạn" in errors["phase-0-kind"]


def test_reading_the_schedule():
    form = {"handover_weekday": "3", "return_weekday": "2", "report_weekday": "4",
            "report_hour": "10", "monthly_day": "15"}  # fmt: skip
    schedule, errors = c.read_schedule(form)
    assert errors == {} and schedule == Schedule()
    _s, errors = c.read_schedule({**form, "return_weekday": "3", "monthly_day": "31"})
    assert set(errors) == {"monthly_day"}
    _s, errors = c.read_schedule({**form, "return_weekday": "3"})
    assert "khác ngày chuyển" in errors["return_weekday"]
    _s, errors = c.read_schedule({**form, "report_hour": "25", "handover_weekday": "x"})
    assert set(errors) == {"report_hour", "handover_weekday"}
