"""Reports by kind of person (issue 17): the weekly snapshots kept per commune, week AND kind,
the locally reported totals per kind, the tables, the files and the command of one kind
(children by default), worded for the beneficiaries."""

import datetime as dt

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from treem_app.cli import main
from treem_app.domain.reports import cutoff, iso_week
from treem_app.extensions import db
from treem_app.models import JobRun, ReportFile, WeekSnapshot
from treem_app.services.report_documents import write_report
from treem_app.services.reports import (
    ReportError,
    enter_total,
    freeze_week,
    live_figures,
    monthly_report,
    weekly_report,
)

from ..batch_helpers import pdf_text
from ..report_helpers import give_figures

WEEK = "2026-W49"
CUT = cutoff(WEEK)
AFTER = CUT + dt.timedelta(minutes=5)


@pytest.fixture
def tree(make):
    """A province with two communes: A (children 10 held / 6 clean; beneficiaries 5 / 2 and
    one not in the software), B (children only: 4 / 1)."""
    p = make.unit("Tỉnh Thử Nghiệm", level="province", code="P01")
    a = make.unit("Xã An Phú", parent=p, code="C0001")
    b = make.unit("Xã Bình Minh", parent=p, code="C0002")
    give_figures(a, 10, 6)
    give_figures(a, 5, 2, not_in_software=1, kind="beneficiary")
    give_figures(b, 4, 1)
    reporter = make.user("reporter", p)
    enter_total(db.session, a, "2026-11", 12, reporter, now=CUT - dt.timedelta(days=3))
    enter_total(db.session, a, "2026-11", 7, reporter, now=CUT - dt.timedelta(days=2),
                person_kind="beneficiary")  # fmt: skip
    db.session.commit()
    return {"p": p, "a": a, "b": b, "reporter": reporter}


def table(report):
    return {r.unit.code: (r.figures.reported, r.figures.in_software, r.figures.cleaned)
            for r in report.rows}  # fmt: skip


def test_each_kind_has_its_own_figures_snapshots_and_totals(tree):
    p, a, b = tree["p"], tree["a"], tree["b"]
    assert live_figures(db.session, [a.id, b.id]) == {a.id: (10, 6), b.id: (4, 1)}
    assert live_figures(db.session, [a.id, b.id], "beneficiary") == {a.id: (5, 2), b.id: (0, 0)}
    assert freeze_week(db.session, p, WEEK, now=AFTER) == 2  # two communes, every kind
    db.session.commit()
    rows = db.session.execute(
        select(
            WeekSnapshot.unit_id,
            WeekSnapshot.person_kind,
            WeekSnapshot.reported,
            WeekSnapshot.in_software,
            WeekSnapshot.cleaned,
        ).order_by(WeekSnapshot.unit_id, WeekSnapshot.person_kind)  # fmt: skip
    ).all()
    assert [tuple(r) for r in rows] == [
        (a.id, "beneficiary", 7, 5, 2), (a.id, "child", 12, 10, 6),
        (b.id, "beneficiary", None, 0, 0), (b.id, "child", None, 4, 1)]  # fmt: skip
    # New beneficiaries after the freeze: the frozen table of the week does not move; the
    # children's table is the default and never counts them.
    give_figures(a, 3, 3, kind="beneficiary")
    later = AFTER + dt.timedelta(days=1)
    children = weekly_report(db.session, p, WEEK, now=later)
    them = weekly_report(db.session, p, WEEK, now=later, person_kind="beneficiary")
    assert children.frozen and them.frozen and them.person_kind == "beneficiary"
    assert table(children) == {"C0001": (12, 10, 6), "C0002": (None, 4, 1)}
    assert table(them) == {"C0001": (7, 5, 2), "C0002": (None, 0, 0)}
    # The open week after it is live: the new beneficiaries count, the children do not move.
    nxt = weekly_report(db.session, p, "2026-W50", now=later, person_kind="beneficiary")
    assert not nxt.frozen and table(nxt)["C0001"] == (7, 8, 5)
    month = monthly_report(db.session, p, "2026-12", now=later, person_kind="beneficiary")
    # The month's summary reads its last frozen week of the same kind.
    assert month.person_kind == "beneficiary" and month.frozen and month.week == WEEK
    assert table(month)["C0001"] == (7, 5, 2)
    with pytest.raises(ReportError, match="Loại đối tượng"):
        weekly_report(db.session, p, WEEK, now=later, person_kind="adult")
    with pytest.raises(ReportError, match="Loại đối tượng"):
        enter_total(db.session, a, "2026-11", 3, tree["reporter"], person_kind="adult")


def test_the_beneficiaries_report_says_whom_it_counts(tree, tmp_path):
    p = tree["p"]
    freeze_week(db.session, p, WEEK, now=AFTER)
    report = weekly_report(db.session, p, WEEK, now=AFTER, person_kind="beneficiary")
    xlsx = tmp_path / "bc.xlsx"
    doc = write_report(db.session, report, xlsx, now=AFTER)
    assert doc.file_title.startswith("Báo cáo tiến độ đối tượng bảo trợ xã hội Tỉnh Thử Nghiệm")
    wb = load_workbook(xlsx)
    cells = [str(c.value) for ws in wb for r in ws.iter_rows() for c in r if c.value]
    text = "\n".join(cells)
    assert "LÀM SẠCH DỮ LIỆU ĐỐI TƯỢNG BẢO TRỢ XÃ HỘI" in text
    assert "Tổng số đối tượng bảo trợ xã hội (địa phương báo cáo)" in text
    assert "DANH SÁCH ĐỐI TƯỢNG BẢO TRỢ XÃ HỘI CHƯA CẬP NHẬT" in text
    # The attachment lists the beneficiaries (1 not in the software, 3 not clean), no child.
    assert "Người Thử" in text and "Trẻ Thử" not in text and "trẻ em" not in text.lower()
    assert "Đối tượng bảo trợ xã hội có trên phần mềm, chưa làm sạch: 3 đối tượng" in text
    pdf = tmp_path / "bc.pdf"
    write_report(db.session, report, pdf, now=AFTER)
    flat = " ".join(pdf_text(pdf.read_bytes(), tmp_path, "again.pdf").split())
    assert "ĐỐI TƯỢNG BẢO TRỢ XÃ HỘI" in flat and "trẻ em" not in flat.lower()
    # The children's report (the default) keeps its words.
    children = weekly_report(db.session, p, WEEK, now=AFTER)
    write_report(db.session, children, tmp_path / "c.xlsx", now=AFTER)
    ws = load_workbook(tmp_path / "c.xlsx")["Báo cáo"]
    words = " ".join(str(c.value) for r in ws.iter_rows() for c in r if c.value)
    assert "LÀM SẠCH DỮ LIỆU TRẺ EM" in words and "bảo trợ" not in words


@pytest.fixture
def runner(app, ctx):
    from ..cli.test_cli import _mix_supported

    return app.test_cli_runner(mix_stderr=False) if _mix_supported() else app.test_cli_runner()


def test_the_command_builds_one_kind(runner, tree, tmp_path):
    out = tmp_path / "tuan.xlsx"
    week = iso_week(dt.date.today())
    args = ["report", "weekly", "--unit", "P01", "--week", week, "--out", str(out)]
    result = runner.invoke(main, [*args, "--kind", "beneficiary"])
    assert result.exit_code == 0, result.output
    assert "Báo cáo tiến độ đối tượng bảo trợ xã hội Tỉnh Thử Nghiệm" in result.stderr
    ws = load_workbook(out)["Báo cáo"]
    rows = [[c.value for c in r][1:4:2] for r in ws.iter_rows(min_row=10, max_row=11)]
    assert rows == [["Xã An Phú", 5], ["Xã Bình Minh", 0]]
    result = runner.invoke(main, args)  # children by default
    assert result.exit_code == 0 and "Báo cáo tiến độ Tỉnh Thử Nghiệm" in result.stderr
    rows = [[c.value for c in r][1:4:2] for r in load_workbook(out)["Báo cáo"].iter_rows(
        min_row=10, max_row=11)]  # fmt: skip
    assert rows == [["Xã An Phú", 10], ["Xã Bình Minh", 4]]
    result = runner.invoke(main, [*args, "--kind", "adult"])
    assert result.exit_code != 0


def test_the_form_builds_a_report_of_the_kind_chosen(tree, make, client, login, post, run_jobs):
    login(make.user("reporter", tree["p"]))
    page = client.get("/reports").get_data(as_text=True)
    assert 'name="person_kind" value="beneficiary"' in page
    form = {"unit": "P01", "kind": "weekly", "week": "2026-W10", "format": "xlsx",
            "person_kind": "beneficiary"}  # fmt: skip
    assert post("/reports/build", form).status_code == 302
    run_jobs()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "report_file"))
    assert run.status == "finished", run.message
    assert "đối tượng bảo trợ xã hội" in run.message
    row = db.session.scalar(select(ReportFile))
    assert (row.person_kind, row.kind, row.period) == ("beneficiary", "weekly", "2026-W10")
    page = client.get("/reports").get_data(as_text=True)
    assert "Tuần 10/2026" in page and "(đối tượng bảo trợ xã hội)" in page
    resp = post("/reports/build", {**form, "person_kind": "adult"}, follow_redirects=True)
    assert "Loại đối tượng không hợp lệ" in resp.get_data(as_text=True)
    assert db.session.query(JobRun).count() == 1
