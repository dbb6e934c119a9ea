"""The upload preview: the first rows of each sheet without parsing the whole sheet."""

import datetime as dt
import io
import zipfile
from unittest import mock

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from treem_app.files import xlsx_read
from treem_app.files.xlsx_read import choose_sheet, sheet_has_formulas
from treem_app.models import Unit

from .. import exports


def _full(path):
    """choose_sheet as it was: every sheet parsed whole by calamine."""
    with mock.patch.object(xlsx_read, "_preview_book", side_effect=xlsx_read._Unsupported("x")):
        return choose_sheet(path, "xlsx")


def _same(path):
    fast, full = choose_sheet(path, "xlsx"), _full(path)
    assert (fast.sheet, fast.header, fast.skipped, fast.height) == (
        full.sheet,
        full.header,
        full.skipped,
        full.height,
    )
    assert [r[: len(full.header.columns)] for r in fast.preview] == [
        r[: len(full.header.columns)] for r in full.preview
    ]
    assert fast.has_formulas is not None
    assert fast.has_formulas == sheet_has_formulas(path, fast.sheet)
    return fast


def _book(rows, *, title="Danh sách", styled_from=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    if styled_from:  # formatted but empty cells below the data
        for r in range(styled_from, styled_from + 30):
            ws.cell(r, 2).font = Font(bold=True)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_long_export_is_previewed_like_a_full_read(tmp_path):
    unit = Unit(code="21961", name="Xã A")
    path = exports.write(tmp_path, "e.xlsx", exports.export_bytes(unit, exports.child_rows(300)))
    choice = _same(path)
    assert choice.height > 300 and not choice.has_formulas


def test_shared_strings_styled_blank_rows_and_an_extra_sheet(tmp_path):
    rows = [["Danh sách trẻ em"], [], exports.HEADER]
    rows += [
        exports.row(i, f"Nguyễn Văn An {i % 7}", dt.date(2015, 1 + i % 12, 1 + i % 28))
        for i in range(400)
    ]
    path = exports.write(tmp_path, "s.xlsx", _book(rows, styled_from=420))
    choice = _same(path)
    assert choice.height == 403 and choice.header.header_row == 2
    data = exports.simple_xlsx(
        exports.HEADER,
        [exports.row(i, "Trần Thị Bình", "05/03/2015") for i in range(100)],
        sheets={"Hướng dẫn": [["Ghi chú"]]},
    )
    choice = _same(exports.write(tmp_path, "two.xlsx", data))
    assert choice.sheet == "Danh sách" and choice.skipped == ["Hướng dẫn"]


def _sst_book(rows: list[list[str]], prefix: str = "") -> bytes:
    """A workbook as Excel writes it: texts in the shared-string table (one as rich text),
    a merged title; ``prefix`` puts the sheet's elements in a prefixed namespace."""
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    strings: dict[str, int] = {}
    p = f"{prefix}:" if prefix else ""
    body = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, text in enumerate(row):
            index = strings.setdefault(text, len(strings))
            ref = f"{chr(65 + c)}{r}"
            cells.append(f'<{p}c r="{ref}" t="s"><{p}v>{index}</{p}v></{p}c>')
        body.append(f'<{p}row r="{r}" spans="1:9">{"".join(cells)}</{p}row>')
    xmlns = f'xmlns:{prefix}="{ns}"' if prefix else f'xmlns="{ns}"'
    sheet = (
        f'<?xml version="1.0"?><{p}worksheet {xmlns} xmlns:r="{rel}"><{p}sheetData>'
        f'{"".join(body)}</{p}sheetData><{p}mergeCells count="1">'
        f'<{p}mergeCell ref="A1:I1"/></{p}mergeCells></{p}worksheet>'
    )
    items = []
    for n, text in enumerate(strings):
        if n == 0:  # rich text: two runs
            items.append(
                f"<si><r><t>{text[:3]}</t></r><r><rPr><b/></rPr><t>{text[3:]}</t></r></si>"
            )
        else:
            items.append(f"<si><t>{text}</t></si>")
    sst = (
        f'<?xml version="1.0"?><sst xmlns="{ns}" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">{"".join(items)}</sst>'
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
            '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{ns}" xmlns:r="{rel}"><sheets>'
            '<sheet name="DS &amp; ghi chú" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
            f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": sst,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode())
    return out.getvalue()


@pytest.mark.parametrize("prefix", ["", "x"])
def test_shared_strings_are_kept_only_as_far_as_the_first_rows_use_them(tmp_path, prefix):
    rows = [["Danh sách trẻ em thôn An Hòa"], [], list(exports.HEADER)]
    rows += [[str(i), f"Nguyễn Văn Số {i}", f"{1 + i % 28:02d}/03/2015"] for i in range(500)]
    path = exports.write(tmp_path, "sst.xlsx", _sst_book(rows, prefix))
    choice = _same(path)
    assert choice.sheet == "DS & ghi chú" and choice.height == 503
    assert choice.preview[0][0] == "Danh sách trẻ em thôn An Hòa"  # the rich text, whole
    assert choice.preview[44][1] == "Nguyễn Văn Số 41"
    book, scans = xlsx_read._preview_book(path, 45)
    with zipfile.ZipFile(io.BytesIO(book)) as zf:
        assert zf.read("xl/sharedStrings.xml").count(b"<si>") < 150  # of 1,038: rows 1-45 only


@pytest.mark.parametrize("at", [3, 300])
def test_formulas_are_found_anywhere_in_the_sheet(tmp_path, at):
    rows = [exports.HEADER] + [exports.row(i, "Lê Văn Cường", "05/03/2015") for i in range(400)]
    rows[at] = [*rows[at][:2], "=DATE(2015,3,5)", *rows[at][3:]]
    path = exports.write(tmp_path, "f.xlsx", _book(rows))
    assert _same(path).has_formulas


def test_a_sheet_the_preview_cannot_cut_is_read_whole(tmp_path):
    rows = [exports.HEADER] + [exports.row(i, "Lê Văn Cường", "05/03/2015") for i in range(100)]
    src = zipfile.ZipFile(io.BytesIO(_book(rows)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":  # rows without their numbers
                body = body.replace(b'<row r="', b'<row x="')
            dst.writestr(info, body)
    path = exports.write(tmp_path, "norow.xlsx", out.getvalue())
    with pytest.raises(xlsx_read._Unsupported):
        xlsx_read._preview_book(path, 45)
    choice = choose_sheet(path, "xlsx")
    assert choice.height == 101 and choice.has_formulas is None
    assert choice.header.mapping == _full(path).header.mapping
