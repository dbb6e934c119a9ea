"""The printed reports (issue 14): the formatted workbook's exact cells, the PDF's text, the
restatement shown, the attachments' rows, the three-level shape. Synthetic figures only."""

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from treem_app.domain.findings import Rule
from treem_app.domain.reports import cutoff, shift_week
from treem_app.domain.software_sync import PENDING
from treem_app.extensions import db
from treem_app.models import Finding, User
from treem_app.services.report_documents import report_document, write_report
from treem_app.services.reports import enter_total, freeze_week, monthly_report, weekly_report

from ..batch_helpers import pdf_text
from ..report_helpers import give_figures

WEEK = "2026-W49"  # 30/11 - 06/12/2026, cut-off Friday 04/12 10:00 local
PREVIOUS = shift_week(WEEK, -1)
NOW = cutoff(WEEK) + dt.timedelta(hours=2)
# Per database: CI runs the SQLite and the PostgreSQL suites side by side.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
if os.environ.get("TREEM_TEST_DATABASE_URL"):
    ARTIFACTS = ARTIFACTS / "postgresql"


@pytest.fixture
def tree(make):
    """Province > Huyện Tuy Phước > Phước Hưng (3.158 reported, 2.583 / 1.731) and Phước
    Thắng (no total); province > Huyện Hai > Xã Cát Tiên (no records). Phước Hưng's total of
    the week before was 3.000, corrected to 3.158 after that week was frozen."""
    p = make.unit("Tỉnh Bình Định Thử", level="province", code="52")
    d = make.unit("Huyện Tuy Phước", level="district", parent=p, code="550")
    d2 = make.unit("Huyện Hai", level="district", parent=p, code="551")
    hung = make.unit("Xã Phước Hưng", parent=d, code="21961")
    thang = make.unit("Xã Phước Thắng", parent=d, code="21958")
    make.unit("Xã Cát Tiên", parent=d2, code="21999")
    give_figures(hung, 2583, 1731, not_in_software=4)
    give_figures(thang, 10, 3)
    reporter = make.user("reporter", p)
    frozen = cutoff(PREVIOUS)
    enter_total(db.session, hung, "2026-11", 3000, reporter, now=frozen - dt.timedelta(days=1))
    freeze_week(db.session, p, PREVIOUS, now=frozen)
    enter_total(db.session, hung, "2026-11", 3158, reporter, now=frozen + dt.timedelta(hours=1))
    # A named child of Phước Thắng, held by the software, with an open error: listed with why.
    child = make.person(thang, full_name="Lê Thị Ánh", name_key="le thi anh",
                        id_number="052215001234", hamlet="Thôn Hưng Nghĩa",
                        dob=dt.date(2016, 2, 9), software_facts="{}",
                        sync_state=PENDING, status="in_review", open_rank=0)  # fmt: skip
    db.session.add(Finding(person_id=child.id, rule=str(Rule.ID_DUPLICATE), field="id_number",
                           severity="error", message="x"))  # fmt: skip
    db.session.commit()
    return {"p": p, "d": d, "hung": hung, "thang": thang}


def rows_of(ws, first, last=None):
    return [[c.value for c in r] for r in ws.iter_rows(min_row=first, max_row=last)]


def test_district_workbook_cells(tree, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = weekly_report(db.session, tree["d"], WEEK, now=NOW)
    out = tmp_path / "tuan.xlsx"
    write_report(db.session, report, out, now=NOW)
    shutil.copy(out, ARTIFACTS / "report-weekly-district.xlsx")  # for a human to look at
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["Báo cáo", "Mẫu rút gọn"]
    ws = wb["Báo cáo"]
    assert ws["A1"].value == "UBND TỈNH BÌNH ĐỊNH THỬ"
    assert ws["A2"].value == "ỦY BAN NHÂN DÂN HUYỆN TUY PHƯỚC"
    assert ws["D1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert ws["D2"].value == "Độc lập - Tự do - Hạnh phúc"
    assert ws["D3"].value == "Tuy Phước, ngày 04 tháng 12 năm 2026"
    assert ws["A5"].value == "BÁO CÁO TIẾN ĐỘ CHUẨN HÓA, LÀM SẠCH DỮ LIỆU TRẺ EM"
    assert ws["A6"].value == "Tuần 49 năm 2026 (từ 30/11 đến 06/12/2026)"
    assert (
        ws["A7"].value
        == "Số liệu tính đến 12:00 04/12/2026 (tuần đã qua giờ chốt, số liệu chưa được chốt)"
    )
    assert rows_of(ws, 8, 9) == [
        ["TT", "Địa phương", "Tổng số trẻ em (địa phương báo cáo)", "Đã cập nhật trên phần mềm",
         "Chưa cập nhật = (3)-(4)", "Đã làm sạch", "Chưa làm sạch = (4)-(6)",
         "Tỷ lệ làm sạch % = (6)/(3)"],
        [f"({n})" for n in range(1, 9)],
    ]  # fmt: skip
    assert rows_of(ws, 10, 12) == [
        ["1", "Xã Phước Thắng", None, 11, None, 3, 8, None],
        ["2", "Xã Phước Hưng", 3158, 2583, 575, 1731, 852, 54.81],
        [None, "Tổng cộng", 3158, 2594, None, 1734, 860, None],
    ]
    for col in "CDEFG":
        assert ws[f"{col}11"].number_format == "#,##0" and ws[f"{col}11"].data_type == "n"
    assert ws["H11"].number_format == "0.00"
    assert ws["B12"].font.b and not ws["B11"].font.b
    assert ws.print_title_rows == "$8:$9"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    # The note on the missing total, then the restatement of the week before.
    texts = [r[0] for r in rows_of(ws, 13) if r[0]]
    assert texts[0].startswith("Có 1 xã, phường chưa nhập tổng số trẻ em")
    assert texts[1] == "Điều chỉnh số liệu tuần trước (tuần 48/2026, đã chốt)"
    restated = rows_of(ws, 18, 18)[0]
    assert restated[:6] == [1, "Xã Phước Hưng", "Tuần 48/2026 (23/11/2026 - 29/11/2026)",
                            "(3) Tổng số trẻ em (địa phương báo cáo)", 3000, 3158]  # fmt: skip
    # The Cam Lộ layout from the same figures.
    short = wb["Mẫu rút gọn"]
    assert short["C8"].value == "Dữ liệu trẻ em có trên phần mềm (tính đến 04/12/2026)"
    assert rows_of(short, 9, 11) == [
        ["1", "Xã Phước Thắng", 11, 8, None],
        ["2", "Xã Phước Hưng", 2583, 852, None],
        [None, "TỔNG CỘNG", 2594, 860, None],
    ]


def test_attachment_sheets_list_who_and_why(tree, tmp_path):
    report = weekly_report(db.session, tree["d"], WEEK, now=NOW)
    out = tmp_path / "tuan.xlsx"
    write_report(db.session, report, out, now=NOW)
    wb = load_workbook(out)
    assert wb.sheetnames[2:] == ["PL I - Xã Phước Thắng", "PL II - Xã Phước Hưng"]
    ws = wb["PL I - Xã Phước Thắng"]
    assert [ws[f"A{i}"].value for i in (1, 2, 3)] == [
        "Phụ lục I",
        "DANH SÁCH TRẺ EM CHƯA CẬP NHẬT, CHƯA LÀM SẠCH DỮ LIỆU",
        "Xã Phước Thắng",
    ]
    assert rows_of(ws, 7, 8) == [
        ["STT", "Họ và tên", "Ngày sinh", "Thôn, tổ dân phố", "Số định danh", "Lý do"],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
    ]
    rows = rows_of(ws, 9)
    assert rows[0][0] == "A. Trẻ em chưa có trên phần mềm (chưa cập nhật): 0 trẻ em"
    assert rows[1][0] == "B. Trẻ em có trên phần mềm, chưa làm sạch: 8 trẻ em"
    named = next(r for r in rows if r[1] == "Lê Thị Ánh")
    assert named[2:] == ["09/02/2016", "Thôn Hưng Nghĩa", "052215001234", "Số định danh bị trùng"]
    assert ws.cell(row=9 + rows.index(named), column=5).data_type == "s"
    assert sum(1 for r in rows if isinstance(r[0], int)) == 8
    hung = wb["PL II - Xã Phước Hưng"]
    listed = rows_of(hung, 9)
    assert listed[0][0] == "A. Trẻ em chưa có trên phần mềm (chưa cập nhật): 4 trẻ em"
    assert listed[5][0] == "B. Trẻ em có trên phần mềm, chưa làm sạch: 852 trẻ em"
    assert listed[1][5] == "Chưa có trên phần mềm; cần rà soát"
    assert len(listed) == 2 + 4 + 852


def test_three_level_shape_bold_district_rows(tree, tmp_path):
    report = weekly_report(db.session, tree["p"], WEEK, now=NOW)
    out = tmp_path / "tinh.xlsx"
    write_report(db.session, report, out, now=NOW)
    ws = load_workbook(out)["Báo cáo"]
    assert rows_of(ws, 10, 15) == [
        ["I", "Huyện Tuy Phước", 3158, 2594, None, 1734, 860, None],
        ["1", "Xã Phước Thắng", None, 11, None, 3, 8, None],
        ["2", "Xã Phước Hưng", 3158, 2583, 575, 1731, 852, 54.81],
        ["II", "Huyện Hai", None, 0, None, 0, 0, None],
        ["1", "Xã Cát Tiên", None, 0, None, 0, 0, None],
        [None, "Tổng cộng", 3158, 2594, None, 1734, 860, None],
    ]
    assert ws["B10"].font.b and ws["B13"].font.b and not ws["B11"].font.b
    assert ws["B11"].alignment.indent == 2


def test_text_cells_are_neutralised(tree, make, tmp_path):
    make.person(tree["thang"], full_name="=HYPERLINK(\"x\")", name_key="x", software_facts="{}",
                hamlet="+Thôn", status="in_review")  # fmt: skip
    report = weekly_report(db.session, tree["d"], WEEK, now=NOW)
    out = tmp_path / "tuan.xlsx"
    write_report(db.session, report, out, now=NOW)
    ws = load_workbook(out)["PL I - Xã Phước Thắng"]
    values = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert '\'=HYPERLINK("x")' in values and "'+Thôn" in values
    assert not any(v.startswith(("=", "+")) for v in values)


def test_pdf_text(tree, app, tmp_path):
    report = weekly_report(db.session, tree["d"], WEEK, now=NOW)
    out = tmp_path / "tuan.pdf"
    write_report(db.session, report, out, now=NOW)
    text = pdf_text(out.read_bytes(), tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, ARTIFACTS / "report-weekly-district.pdf")  # for a human to look at
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "ỦY BAN NHÂN DÂN HUYỆN TUY PHƯỚC", "Tuy Phước, ngày 04 tháng 12 năm 2026",
                     "Tuần 49 năm 2026 (từ 30/11 đến 06/12/2026)",
                     "Số liệu tính đến 12:00 04/12/2026",
                     "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "Phụ lục I", "Phụ lục II",
                     "Điều chỉnh số liệu tuần trước", "Lê Thị Ánh", "052215001234",
                     "Số định danh bị trùng", "09/02/2016"):  # fmt: skip
        assert expected in text, expected
    layout = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    lines = layout.splitlines()
    assert next(ln for ln in lines if "Xã Phước Hưng" in ln).split()[-6:] == [
        "3.158", "2.583", "575", "1.731", "852", "54,81"]  # fmt: skip
    # No reported total: (3), (5) and (8) blank, never 0.
    assert next(ln for ln in lines if "Xã Phước Thắng" in ln).split() == [
        "1", "Xã", "Phước", "Thắng", "11", "3", "8"]  # fmt: skip
    assert next(ln for ln in lines if ln.strip().startswith("Tổng cộng")).split()[2:] == [
        "3.158", "2.594", "1.734", "860"]  # fmt: skip
    restated = next(ln for ln in lines if "3.000" in ln)
    assert "Xã Phước Hưng" in restated and "3.158" in restated
    # Page numbers at the top from the second page; each appendix restarts at 1 (NĐ 30).
    heads = [page.strip().splitlines()[0].strip() for page in layout.split("\f")[:5]]
    assert heads[1:] == ["2", "Phụ lục I", "Phụ lục II", "2"]
    assert re.search(r"Số:\s{3,}/BC-UBND", layout)  # room for the number, written by hand
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "841.89 x 595.276 pts (A4)" in info


def test_document_leaves_out_long_attachments(tree):
    report = weekly_report(db.session, tree["d"], WEEK, now=NOW)
    doc = report_document(db.session, report, now=NOW, attachment_limit=100)
    assert doc.attachments == []
    assert doc.attachments_note.startswith("Danh sách kèm theo có 864 trẻ em")


def test_monthly_province_pdf_three_levels(tree, tmp_path):
    report = monthly_report(db.session, tree["p"], "2026-12", now=NOW)
    out = tmp_path / "thang.pdf"
    write_report(db.session, report, out, now=NOW)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, ARTIFACTS / "report-monthly-province.pdf")  # for a human to look at
    layout = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    # December is in progress at NOW (Friday 04/12): counted live through that day, not
    # labelled with its last week (52) still to come.
    assert "Tháng 12 năm 2026 (tính đến ngày 04/12/2026)" in layout and "tuần 52" not in layout
    lines = [ln.split() for ln in layout.splitlines()]
    assert ["I", "Huyện", "Tuy", "Phước", "3.158", "2.594", "1.734", "860"] in lines
    assert ["II", "Huyện", "Hai", "0", "0", "0"] in lines
    assert "Kính gửi" not in layout  # a province reports to no unit above it in treem


def test_pdf_chart_of_the_clean_rate(tree, tmp_path):
    """Under the table, the dashboard's SVG chart of the clean rate over the frozen weeks up to
    the report's (issue 14: "in the page and in the PDF"); its labels are text in the PDF."""
    reporter = db.session.scalars(db.select(User).where(User.role == "reporter")).first()
    enter_total(db.session, tree["thang"], "2026-11", 12, reporter, now=NOW - dt.timedelta(hours=1))
    for week in (shift_week(WEEK, -3), shift_week(WEEK, -2), WEEK):
        freeze_week(db.session, tree["p"], week, now=NOW)
    db.session.commit()
    report = weekly_report(db.session, tree["d"], WEEK, now=NOW)
    doc = report_document(db.session, report, now=NOW)
    assert [p.label for p in doc.chart.points] == [f"T{n}" for n in range(38, 50)]
    # W48 was frozen before Phước Thắng entered its total: no complete rate, a gap.
    assert [p.value is not None for p in doc.chart.points][-4:] == [True, True, False, True]
    assert doc.chart.points[-1].title.endswith("54,70 %")  # 1.734 / 3.170
    out = tmp_path / "tuan.pdf"
    write_report(db.session, report, out, now=NOW)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, ARTIFACTS / "report-weekly-chart.pdf")  # for a human to look at
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Tỷ lệ làm sạch (%) qua các tuần đã chốt" in text
    for label in ("T38", "T46", "T49", "0 %", "50 %", "100 %"):
        assert label in text, label
    layout = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    first_page = layout.split("\f")[0] + layout.split("\f")[1]
    assert "Tỷ lệ làm sạch (%) qua các tuần đã chốt" in first_page  # under the table


def test_pdf_without_frozen_weeks_has_no_chart(tree):
    # Phước Hưng's week 48 is frozen with a total: a chart of one point.
    report = weekly_report(db.session, tree["hung"], WEEK, now=NOW)
    assert report_document(db.session, report, now=NOW).chart is not None
    # The province's week 48 lacks the totals of Phước Thắng and Cát Tiên: no rate, no chart.
    report = weekly_report(db.session, tree["p"], WEEK, now=NOW)
    assert report_document(db.session, report, now=NOW).chart is None
