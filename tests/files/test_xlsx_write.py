"""The annotated copy, written straight as worksheet XML."""

import datetime as dt

from openpyxl import load_workbook

from treem_app.domain.findings import Rule, finding
from treem_app.files.xlsx_write import write_annotated


def test_values_styles_and_the_findings_column(tmp_path):
    rows = [
        ["Danh sách"],
        ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Ghi chú"],
        [1, "Nguyễn Văn An", dt.date(2015, 3, 5), "Nam", '=HYPERLINK("x")'],
        [2.0, "  Lê\x01 Thị <B> & C ", dt.datetime(2016, 2, 1, 10, 30), "", True],
        [3, "Trần Văn Dũng", dt.time(8, 15), "Nữ", dt.timedelta(hours=30)],
        [4, "Phạm Thị E"],  # a short row whose empty cells are faulty
    ]
    found = {
        4: [finding(Rule.SEX_MISSING, "sex", "Chưa có giới tính."),
            finding(Rule.NAME_NORMALIZED, "full_name", "Họ và tên đã được sửa tự động.")],
        6: [finding(Rule.GUARDIAN_MISSING, "guardians", "Chưa có họ tên cha, mẹ."),
            finding(Rule.SEX_MISSING, "sex", "Chưa có giới tính.")],
    }  # fmt: skip
    path = tmp_path / "out" / "a.xlsx"
    write_annotated(
        path,
        rows,
        header_row=1,
        data_start=2,
        mapping={1: "full_name", 2: "dob", 3: "sex"},
        findings_by_row=found,
        sheet_title="Danh/sách?",
        by_rule={"SEX_MISSING": 1},
        rule_labels={"SEX_MISSING": "Thiếu giới tính"},
    )
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    assert wb.sheetnames == ["Danhsách", "Tổng hợp"]
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["A"].width == 18 and ws.column_dimensions["F"].width == 70
    assert ws["A1"].value == "Danh sách" and ws["F1"].value is None
    assert ws["F2"].value == "Kết quả rà soát (treem)" and ws["F2"].font.b
    assert ws["A3"].value == 1 and ws["C3"].value == dt.datetime(2015, 3, 5)
    assert ws["C3"].number_format == "DD/MM/YYYY" and ws["C3"].fill.fill_type is None
    assert ws["E3"].value == '\'=HYPERLINK("x")'  # never a formula
    assert ws["F3"].value is None  # a clean row
    assert ws["B4"].value == "  Lê Thị <B> & C "  # spaces kept, control character dropped
    assert ws["C4"].value == dt.datetime(2016, 2, 1, 10, 30)
    assert ws["D4"].value is None and ws["D4"].fill.start_color.rgb.endswith("FFC7CE")
    assert ws["B4"].fill.fill_type is None  # an automatic fix is not highlighted
    assert ws["E4"].value is True
    assert "[Lỗi] Chưa có giới tính." in ws["F4"].value
    assert ws["F4"].font.color.rgb.endswith("9C0006")
    assert ws["C5"].value == dt.time(8, 15) and ws["C5"].number_format == "h:mm:ss"
    assert ws["E5"].value == dt.timedelta(hours=30)
    assert ws["B6"].value == "Phạm Thị E" and ws["B6"].fill.fill_type is None
    assert ws["C6"].value is None and ws["C6"].fill.fill_type is None
    assert ws["D6"].value is None and ws["D6"].fill.start_color.rgb.endswith("FFC7CE")
    summary = wb["Tổng hợp"]
    assert [c.value for c in summary[1]] == ["Loại lỗi", "Số lượng", "Mã tra cứu"]
    # The label is what an officer reads; the code is a last-column hint only.
    assert [c.value for c in summary[2]] == ["Thiếu giới tính", 1, "SEX_MISSING"]
    assert summary.column_dimensions["A"].width == 48
    assert "Ô được tô nền đỏ" in summary["A4"].value
    wb.close()


def test_an_empty_sheet_and_no_summary(tmp_path):
    path = tmp_path / "b.xlsx"
    write_annotated(path, [], header_row=0, data_start=0, mapping={}, findings_by_row={})
    wb = load_workbook(path)
    assert wb.sheetnames == ["Kết quả rà soát"]
    assert wb.worksheets[0].max_row == 1 and wb.worksheets[0]["A1"].value is None
