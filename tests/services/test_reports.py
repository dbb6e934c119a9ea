"""Reports through the services (issue 14): per-commune figures read through step 4's states,
reported totals with history, frozen weeks, restatements, the three-level shape."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from treem_app.domain.reports import cutoff, last_closed_week, shift_week
from treem_app.extensions import db
from treem_app.models import Person, ReportedTotal, WeekSnapshot
from treem_app.models._common import utcnow
from treem_app.services import review
from treem_app.services.duplicates import merge_persons
from treem_app.services.report_documents import as_of_line, period_line
from treem_app.services.reports import (
    ReportError,
    child_rows,
    column_query,
    enter_total,
    freeze_week,
    live_figures,
    monthly_report,
    reported_total,
    set_report_cutoff,
    total_history,
    weekly_report,
)

from ..exports import DAY
from .test_roster_import import newer_export
from .test_software_sync import row

WEEK = "2026-W49"
CUT = cutoff(WEEK)  # Friday 04/12/2026 10:00 local = 03:00 UTC
BEFORE = CUT - dt.timedelta(days=1)
AFTER = CUT + dt.timedelta(minutes=5)
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Nam", "Oanh", "Phúc"]


def load(app, unit, clean, unclean, seed=0):
    """An import of `clean` children with a valid ID number (clean, synced: in (4) and (6))
    and `unclean` without one (in (4) only)."""
    rows = []
    for i in range(clean + unclean):
        name = f"Nguyễn {GIVEN[i % 12]} {GIVEN[(i // 12 + seed) % 12]}"
        idn = f"05221500{seed:02d}{i:02d}" if i < clean else None
        rows.append(row(i + 1, name, f"{i % 28 + 1:02d}/03/2015", idn=idn))
    newer_export(app, unit, rows)
    db.session.commit()


def new_child(unit, officer, name="Đỗ Minh Tâm"):
    review.add_child(db.session, unit, {"full_name": name, "dob": "03/04/2021", "sex": "Nam",
                     "ethnicity": "Kinh", "father_name": "Đỗ Văn Sáu"}, user=officer,
                     source="household_visit", note=None, today=DAY)  # fmt: skip
    db.session.commit()


@pytest.fixture
def province(app, make):
    """A post-2025 province with three communes: A (4 clean, 2 not, one added in treem),
    B (1 clean, 2 not), C (no records)."""
    p = make.unit("Tỉnh Thử Nghiệm", level="province", code="P01")
    a = make.unit("Xã An Phú", parent=p, code="C0001")
    b = make.unit("Xã Bình Minh", parent=p, code="C0002")
    c = make.unit("Xã Cát Tiên", parent=p, code="C0003")
    officer = make.user("officer", a)
    load(app, a, 4, 2, seed=1)
    load(app, b, 1, 2, seed=2)
    new_child(a, officer)
    return {"p": p, "a": a, "b": b, "c": c, "officer": officer}


def figures(report):
    return {r.unit.code: (r.figures.reported, r.figures.in_software, r.figures.cleaned)
            for r in report.rows}  # fmt: skip


def test_live_figures_read_step_4s_columns_per_commune(province):
    a, b, c = province["a"], province["b"], province["c"]
    assert live_figures(db.session, [a.id, b.id, c.id]) == {
        a.id: (6, 4), b.id: (3, 1), c.id: (0, 0)}  # fmt: skip
    # A record marked moved leaves both columns.
    moved = db.session.scalar(select(Person).where(Person.unit_id == b.id,
                                                   Person.status == "clean"))  # fmt: skip
    review.set_mark(db.session, moved, "moved", "Chuyển đi nơi khác",
                    user=province["officer"], today=DAY)  # fmt: skip
    assert live_figures(db.session, [b.id])[b.id] == (2, 0)


def test_an_open_week_is_live_and_a_unit_without_a_total_is_blank(province):
    p, a = province["p"], province["a"]
    reporter = province["officer"]
    enter_total(db.session, a, "2026-11", 8, reporter, "Số của xã", now=BEFORE)
    report = weekly_report(db.session, p, WEEK, now=BEFORE)
    assert (report.frozen, report.closed, report.as_of) == (False, False, BEFORE)
    assert [r.unit.code for r in report.rows] == ["C0001", "C0002", "C0003"]
    assert [r.number for r in report.rows] == ["1", "2", "3"]
    assert figures(report) == {"C0001": (8, 6, 4), "C0002": (None, 3, 1), "C0003": (None, 0, 0)}
    a_row = report.rows[0].figures
    assert (a_row.not_updated, a_row.not_cleaned, a_row.rate) == (2, 2, Decimal("50.00"))
    assert report.rows[1].figures.rate is None and report.rows[1].figures.cells()[8] == ""
    assert (report.total.reported, report.total.in_software, report.total.cleaned) == (8, 9, 5)
    assert report.missing_reported == 2 and report.total.rate is None


def test_the_seed_row_through_a_reported_total(province, make):
    a = province["a"]
    enter_total(db.session, a, "2026-12", "3.158", province["officer"], now=BEFORE)
    report = weekly_report(db.session, a, WEEK, now=BEFORE)
    assert [r.unit.code for r in report.rows] == ["C0001"]
    assert report.rows[0].figures.cells() == {3: "3.158", 4: "6", 5: "3.152", 6: "4", 7: "2",
                                              8: "0,13"}  # fmt: skip


def test_reported_totals_keep_their_history_and_check_who_enters(province, make):
    a, b, p = province["a"], province["b"], province["p"]
    officer = province["officer"]
    first = enter_total(db.session, a, "2026-11", 100, officer, now=BEFORE - dt.timedelta(days=2))
    second = enter_total(db.session, a, "2026-11", 120, officer, "Sửa", now=BEFORE)
    assert [x.id for x in total_history(db.session, a)] == [second.id, first.id]
    assert reported_total(db.session, a, dt.date(2026, 12, 4), BEFORE).total == 120
    assert reported_total(db.session, a, dt.date(2026, 12, 4), BEFORE - dt.timedelta(days=1)
                          ).total == 100  # fmt: skip
    assert reported_total(db.session, a, dt.date(2026, 10, 31)) is None  # before the period
    with pytest.raises(ReportError, match="phạm vi"):
        enter_total(db.session, b, "2026-11", 5, officer)  # another commune
    with pytest.raises(ReportError, match="xã/phường"):
        enter_total(db.session, p, "2026-11", 5, make.user("reporter", p))
    for bad in (-1, "abc", 2.5):
        with pytest.raises(ReportError):
            enter_total(db.session, a, "2026-11", bad, officer)
    with pytest.raises(ReportError, match="Tháng"):
        enter_total(db.session, a, "2026-13", 5, officer)
    with pytest.raises(ReportError, match="quyền"):
        enter_total(db.session, a, "2026-11", 5, make.user("volunteer", a))
    reporter = make.user("reporter", p)
    assert enter_total(db.session, b, "2026-W49", 7, reporter).period == "2026-W49"
    assert db.session.scalar(select(func.count()).select_from(ReportedTotal)) == 3


def test_freezing_twice_writes_one_snapshot_set_and_the_week_never_moves(app, province):
    p, a, b = province["p"], province["a"], province["b"]
    officer = province["officer"]
    enter_total(db.session, a, "2026-11", 8, officer, now=BEFORE)
    with pytest.raises(ReportError, match="chưa đến giờ chốt"):
        freeze_week(db.session, p, WEEK, now=BEFORE)
    assert freeze_week(db.session, p, WEEK, now=AFTER) == 3
    assert freeze_week(db.session, p, WEEK, now=AFTER + dt.timedelta(hours=1)) == 0
    db.session.commit()
    # One snapshot per commune and kind of person (children, beneficiaries).
    assert db.session.scalar(select(func.count()).select_from(WeekSnapshot)) == 6
    frozen = weekly_report(db.session, p, WEEK, now=AFTER)
    assert frozen.frozen and frozen.as_of == AFTER
    before = figures(frozen)
    # New data arrive after the cut-off: more children, a new total for the same period.
    load(app, b, 3, 2, seed=2)  # B's next export: 3 clean, 2 not
    new_child(a, officer, "Đỗ Minh Tú")
    later = AFTER + dt.timedelta(days=2)
    again = weekly_report(db.session, p, WEEK, now=later)
    assert figures(again) == before and again.as_of == AFTER
    # The open week shows the new data.
    assert figures(weekly_report(db.session, p, "2026-W50", now=later))["C0002"] == (None, 5, 3)


def test_a_late_total_and_a_merged_duplicate_are_restated_in_the_next_report(province, make):
    """The merge's history event carries the real time: the weeks are taken around it."""
    p, a = province["p"], province["a"]
    officer = province["officer"]
    frozen_at = utcnow()
    closed = last_closed_week(frozen_at)
    following = shift_week(closed, 1)
    enter_total(db.session, a, "2026-01", 8, officer, now=frozen_at - dt.timedelta(days=30))
    freeze_week(db.session, p, closed, now=frozen_at)
    db.session.commit()
    # After the freeze: a corrected total for the period, and two clean records found to be one.
    reporter = make.user("reporter", p)
    later = frozen_at + dt.timedelta(seconds=1)
    enter_total(db.session, a, "2026-01", 9, reporter, "Rà soát lại", now=later)
    clean = db.session.scalars(select(Person).where(Person.unit_id == a.id,
                                Person.status == "clean").order_by(Person.id)).all()  # fmt: skip
    merge_persons(db.session, clean[0], clean[1], user=officer, note=None, today=DAY)
    db.session.commit()
    report = weekly_report(db.session, p, following, now=cutoff(following))
    got = [(r.unit_name, r.week, r.column, r.stored, r.restated) for r in report.restatements]
    assert got == [
        ("Xã An Phú", closed, 3, 8, 9),
        ("Xã An Phú", closed, 4, 6, 5),
        ("Xã An Phú", closed, 6, 4, 3),
    ]
    assert report.restatements[0].label == "Tổng số trẻ em (địa phương báo cáo)"
    # The closed week itself is unchanged.
    again = weekly_report(db.session, p, closed, now=cutoff(following))
    assert figures(again)["C0001"] == (8, 6, 4) and again.as_of == frozen_at
    # The week after shows them no more.
    freeze_week(db.session, p, following, now=cutoff(following))
    after = shift_week(following, 1)
    assert weekly_report(db.session, p, after, now=cutoff(after)).restatements == []


def test_the_three_level_shape_groups_communes_under_their_district(app, make):
    tree = make.tree()
    load(app, tree["a"], 2, 1, seed=3)
    load(app, tree["c"], 1, 1, seed=4)
    officer = make.user("officer", tree["a"])
    enter_total(db.session, tree["a"], "2026-12", 4, officer, now=BEFORE)
    rows = child_rows(db.session, tree["province"])
    assert [(r.number, r.unit.code, r.is_group, r.depth) for r in rows] == [
        ("I", "D01", True, 0), ("1", "C0001", False, 1), ("2", "C0002", False, 1),
        ("II", "D02", True, 0), ("1", "C0003", False, 1)]  # fmt: skip
    report = weekly_report(db.session, tree["province"], WEEK, now=BEFORE)
    assert figures(report) == {"D01": (4, 3, 2), "C0001": (4, 3, 2), "C0002": (None, 0, 0),
                               "D02": (None, 2, 1), "C0003": (None, 2, 1)}  # fmt: skip
    assert report.rows[0].figures.missing == 1  # B has no total: D01's rate is blank
    assert (report.total.in_software, report.total.cleaned, report.total.missing) == (5, 3, 2)
    district = weekly_report(db.session, tree["district"], WEEK, now=BEFORE)
    assert [r.unit.code for r in district.rows] == ["C0001", "C0002"]
    # Freezing the province freezes the district's table too.
    assert freeze_week(db.session, tree["province"], WEEK, now=AFTER) == 3
    assert weekly_report(db.session, tree["district"], WEEK, now=AFTER).frozen


def test_the_cutoff_is_set_per_province_and_the_month_reads_its_last_frozen_week(province, make):
    p = province["p"]
    admin = make.user("admin", p)
    set_report_cutoff(db.session, p, 3, 17, user=admin)  # Thursday 17:00
    thursday = dt.datetime(2026, 12, 3, 10, 0)  # 17:00 local
    assert weekly_report(db.session, p, WEEK, now=thursday).closed
    with pytest.raises(ReportError):
        set_report_cutoff(db.session, province["a"], 3, 17, user=admin)
    with pytest.raises(ReportError):
        set_report_cutoff(db.session, p, 7, 17, user=admin)
    freeze_week(db.session, p, WEEK, now=thursday)
    month = monthly_report(db.session, p, "2026-12", now=dt.datetime(2026, 12, 15))
    assert (month.kind, month.period, month.week, month.frozen) == (
        "monthly",
        "2026-12",
        WEEK,
        True,
    )
    with pytest.raises(ReportError, match="chưa bắt đầu"):
        monthly_report(db.session, p, "2027-01", now=dt.datetime(2026, 12, 15))


def test_a_month_in_progress_is_counted_live_through_today_not_labelled_with_a_week_to_come(
    province,
):
    p = province["p"]
    # 23:30 UTC on 01/12 is already 02/12 in Vietnam; December's last week (W52) is to come.
    now = dt.datetime(2026, 12, 1, 23, 30)
    month = monthly_report(db.session, p, "2026-12", now=now)
    assert (month.kind, month.period, month.through, month.frozen) == (
        "monthly", "2026-12", dt.date(2026, 12, 2), False)  # fmt: skip
    assert month.week == "2026-W49" and month.as_of == now  # the open week, counted now
    assert figures(month) == figures(weekly_report(db.session, p, "2026-W49", now=now))
    line = period_line(month)
    assert line == "Tháng 12 năm 2026 (tính đến ngày 02/12/2026)" and "52" not in line
    assert as_of_line(month, "Asia/Ho_Chi_Minh").endswith("(tháng chưa kết thúc)")
    # Once the month's last cut-off has passed, the summary is of its last week again.
    after = monthly_report(db.session, p, "2026-12", now=cutoff("2026-W52") + dt.timedelta(hours=1))
    assert after.through is None and after.week == "2026-W52"
    assert period_line(after).startswith("Tháng 12 năm 2026 (số liệu tuần 52/2026")


def test_each_live_figure_is_the_count_of_its_list(province):
    p = province["p"]
    report = weekly_report(db.session, p, WEEK, now=BEFORE)
    for r in report.rows:
        f = r.figures
        expected = {"in_software": f.in_software, "cleaned": f.cleaned,
                    "not_cleaned": f.not_cleaned}  # fmt: skip
        for column, value in expected.items():
            query = column_query(r.leaf_ids, column)
            assert len(db.session.scalars(query).all()) == value, (r.unit.code, column)
    added = db.session.scalars(column_query([province["a"].id], "not_in_software")).all()
    assert [x.full_name for x in added] == ["Đỗ Minh Tâm"]
