"""The cleaned export's workbook: the imported file's header rows, treem's facts as text."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from treem_app.files.cleaned_export import read_layout, write_cleaned
from treem_app.files.xlsx_read import choose_sheet, read_head

from .. import exports

RECORDS = [
    {
        "national_key": "TE0001000000",
        "full_name": "Nguyễn Văn An",
        "dob": "05/03/2015",
        "sex": "M",
        "ethnicity": "01",
        "id_number": "052215000123",
        "father_name": "Nguyễn Văn Bình",
        "mother_name": None,
        "guardian_name": None,
        "hamlet": "Thôn An Hòa",
    },
    {
        "national_key": None,  # a child added in treem
        "full_name": '=HYPERLINK("http://x")',
        "dob": "2016",
        "sex": "F",
        "ethnicity": "02",
        "id_number": "001316000045",
        "father_name": "+Trần Văn C",
        "mother_name": "-Lê Thị D",
        "guardian_name": "@Phạm E",
        "hamlet": "\tThôn Phú Mỹ",
    },
]


def layout_of(path: Path, kind: str):
    choice = choose_sheet(path, kind)
    h = choice.header
    return choice, read_layout(
        path, kind, choice.sheet, header_row=h.header_row, data_start=h.data_start,
        mapping=h.mapping,
    )  # fmt: skip


@pytest.fixture
def national_export(tmp_path):
    unit = SimpleNamespace(name="Xã Thử Nghiệm", code="C0001")
    return exports.write(tmp_path, "xuat.xlsx", exports.export_bytes(unit, exports.child_rows(5)))


def test_header_rows_identical_and_facts_as_text(national_export, tmp_path):
    choice, layout = layout_of(national_export, "xlsx")
    assert (layout.header_row, layout.data_start, layout.width) == (4, 7, 12)
    out = tmp_path / "sach.xlsx"
    assert write_cleaned(out, layout, RECORDS) == 2

    # Read back with the import's own reader: the rows above the data are the same, cell by cell,
    # and the export is recognised with the same header and mapping.
    source_head, source_merged = read_head(national_export, "xlsx", choice.sheet, 7)
    copy_head, copy_merged = read_head(out, "xlsx", choice.sheet, 7)
    assert copy_head == [r[:12] for r in source_head]
    assert sorted(copy_merged) == sorted(source_merged)
    again = choose_sheet(out, "xlsx")
    assert again.sheet == choice.sheet == "Danh sách trẻ em"
    assert again.header.mapping == choice.header.mapping
    assert (again.header.header_row, again.header.data_start) == (4, 7)

    ws = load_workbook(out).active
    assert ws.freeze_panes == "A8"
    assert ws.max_column == 12
    first = [c.value for c in ws[8]]
    assert first == [1, "TE0001000000", "Nguyễn Văn An", "05/03/2015", "Nam", "Kinh",
                     "052215000123", "Nguyễn Văn Bình", None, None, "Thôn An Hòa",
                     None]  # fmt: skip
    second = [c.value for c in ws[9]]
    assert second[0] == 2 and second[1] is None
    assert second[3:7] == ["2016", "Nữ", "Tày", "001316000045"]
    for row in (8, 9):
        ident, dob = ws.cell(row, 7), ws.cell(row, 4)
        assert ident.data_type == "s" and ident.number_format == "@" and len(ident.value) == 12
        assert dob.data_type == "s" and dob.number_format == "@"
    # Every text that a spreadsheet would take for a formula is neutralised.
    assert second[2] == '\'=HYPERLINK("http://x")'
    assert second[7:11] == ["'+Trần Văn C", "'-Lê Thị D", "'@Phạm E", "'\tThôn Phú Mỹ"]
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_csv_and_an_xls_layout(tmp_path):
    header = exports.HEADER
    data = [exports.row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123")]
    csv_text = "\n".join(
        [";".join("" if v is None else str(v) for v in r) for r in [header, *data]]
    )
    sources = {
        "csv": exports.write(tmp_path, "ds.csv", csv_text.encode("utf-8-sig")),
        "xls": exports.write(tmp_path, "ds.xls", exports.simple_xls(header, data)),
    }
    for kind, path in sources.items():
        _, layout = layout_of(path, kind)
        out = tmp_path / f"{kind}.xlsx"
        write_cleaned(out, layout, RECORDS[:1])
        ws = load_workbook(out).active
        assert [c.value for c in ws[1]] == header, kind
        assert [c.value for c in ws[2]] == [1, "Nguyễn Văn An", "05/03/2015", "Nam", "Kinh",
                                            "052215000123", "Nguyễn Văn Bình", None,
                                            "Thôn An Hòa"], kind  # fmt: skip
        assert ws.title == ("Danh sách trẻ em")


def test_no_records_writes_the_header_only(national_export, tmp_path):
    _, layout = layout_of(national_export, "xlsx")
    out = tmp_path / "rong.xlsx"
    assert write_cleaned(out, layout, []) == 0
    ws = load_workbook(out).active
    assert ws.max_row == 7 and ws["A5"].value == "STT"


def test_the_imported_sheets_column_widths_are_kept(national_export, tmp_path):
    from treem_app.files.xlsx_cols import column_widths

    source = load_workbook(national_export)["Danh sách trẻ em"]
    expected = {c: source.column_dimensions[chr(65 + c)].width for c in range(12)}
    assert expected[2] == 26 and expected[0] == 5  # the sample export sets them
    assert column_widths(national_export, "Danh sách trẻ em") == expected
    _, layout = layout_of(national_export, "xlsx")
    out = tmp_path / "sach.xlsx"
    write_cleaned(out, layout, RECORDS)
    copy = load_workbook(out).active
    assert {c: copy.column_dimensions[chr(65 + c)].width for c in range(12)} == expected
    # A sheet that sets no width, a missing sheet and a broken file: widths from the headers.
    plain = exports.write(tmp_path, "plain.xlsx", exports.simple_xlsx(exports.HEADER, []))
    assert column_widths(plain, "Danh sách") == {}
    assert column_widths(national_export, "Không có") == {}
    broken = exports.write(tmp_path, "broken.xlsx", b"PK\x03\x04 not a zip")
    assert column_widths(broken, "Danh sách") == {}
