"""The return sheet (.xlsx) the commune police fill in and hand back with the signed list.

The same rows as the PDF, each with its short row key; the facts are locked; only the ID number
(text, exactly 12 digits, validated), the result (a fixed list) and a note can be typed. The batch
id, its content hash and the row keys' record ids are stored in a very hidden, protected sheet
and in the workbook's custom properties, so that ingestion (step 3) can recognise the sheet and
refuse one from another batch or one whose rows were changed.

A list of beneficiaries (issue 17) shows their allowance category where a children's list shows
the parents ("Diện hưởng trợ giúp xã hội", as its PDF does): the same column, read back the
same way (``relation``: ``batch_pdf.DocRow.relation``).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from ..models.batch import POLICE_RESULTS
from .xlsx_write import safe_text

SHEET = "Kết quả xác thực"
META_SHEET = "_treem"
HEADER_ROW = 5
FIRST_ROW = HEADER_ROW + 1
COLUMNS = (
    # (heading, width, attribute of DocRow or None for a police cell)
    ("Mã dòng", 9, "row_key"),
    ("STT", 6, "position"),
    ("Họ và tên", 26, "full_name"),
    ("Ngày sinh", 12, "dob"),
    ("Giới tính", 9, "sex"),
    ("Dân tộc", 10, "ethnicity"),
    ("Cha, mẹ, người giám hộ", 36, "relation"),  # a beneficiaries' list: RELATION_HEADINGS
    ("Thôn, tổ dân phố", 18, "hamlet"),
    ("Số định danh hiện có", 16, "id_number"),
    ("Số định danh (Công an ghi)", 18, None),
    ("Kết quả xác thực", 22, None),
    ("Ghi chú", 30, None),
)
ID_COL, RESULT_COL, NOTE_COL = "J", "K", "L"
# The heading of the "relation" column by the kind of persons listed.
RELATION_HEADINGS = {"child": "Cha, mẹ, người giám hộ", "beneficiary": "Diện hưởng trợ giúp xã hội"}


def headings(kind: str) -> list[str]:
    """The sheet's column headings for a list of this kind of persons."""
    return [RELATION_HEADINGS.get(kind, h) if a == "relation" else h for h, _w, a in COLUMNS]


POLICE_FILL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def write_return_sheet(path: Path, batch, doc, *, password: str | None = None) -> None:
    """Write the return sheet of an issued batch (`doc` is its BatchDocument) to `path`."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    n = len(doc.rows)
    last = FIRST_ROW + n - 1

    ws["A1"] = (
        f"DANH SÁCH {doc.subject.upper()} ĐỀ NGHỊ CÔNG AN XÁC THỰC SỐ ĐỊNH DANH CÁ NHÂN "
        "- TỆP TRẢ KẾT QUẢ"
    )
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = safe_text(
        f"Danh sách số {doc.number} · {doc.unit_name} · {doc.place_date} · {n} {doc.total_noun}"
    )
    ws["A3"] = (
        "Công an ghi số định danh cá nhân (đúng 12 chữ số) vào cột J, chọn kết quả ở cột K "
        "(Đã xác thực / Không khớp thông tin / Không tìm thấy), ghi chú ở cột L. "
        "Không sửa các cột khác; không thêm, bớt hay sắp xếp lại dòng."
    )
    ws["A3"].font = Font(italic=True)
    ws["A4"] = f"Mã kiểm tra nội dung: {doc.content_hash}"
    ws["A4"].font = Font(size=9, color="555555")

    titles = headings(doc.kind)
    for i, ((_, width, _), heading) in enumerate(zip(COLUMNS, titles, strict=True), 1):
        cell = ws.cell(HEADER_ROW, i, heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
        ws.column_dimensions[cell.column_letter].width = width
    ws.row_dimensions[HEADER_ROW].height = 32

    unlocked = Protection(locked=False)
    wrap = Alignment(vertical="top", wrap_text=True)
    for r, row in enumerate(doc.rows, FIRST_ROW):
        for c, (_, _, attr) in enumerate(COLUMNS, 1):
            cell = ws.cell(r, c)
            cell.border = BOX
            cell.alignment = wrap
            if attr is None:
                cell.protection = unlocked
                cell.fill = POLICE_FILL
                cell.number_format = "@"  # text: a 12-digit number keeps its leading zero
                continue
            value = getattr(row, attr)
            if attr == "id_number" and value == "Chưa có":
                value = ""
            cell.value = value if attr == "position" else safe_text(value)
            if attr != "position":
                cell.number_format = "@"

    if n:
        id_range = f"{ID_COL}{FIRST_ROW}:{ID_COL}{last}"
        first = f"{ID_COL}{FIRST_ROW}"
        # Exactly 12 characters, every one a digit (works in Excel and LibreOffice).
        digits = DataValidation(
            type="custom",
            formula1=(
                f"AND(LEN({first})=12,SUMPRODUCT(--ISNUMBER(--MID({first},ROW($1:$12),1)))=12)"
            ),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Số định danh không hợp lệ",
            error="Số định danh cá nhân phải gồm đúng 12 chữ số.",
            showInputMessage=True,
            promptTitle="Số định danh cá nhân",
            prompt="Nhập đúng 12 chữ số.",
        )
        digits.add(id_range)
        results = DataValidation(
            type="list",
            formula1='"' + ",".join(POLICE_RESULTS) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Kết quả không hợp lệ",
            error="Chọn một trong: " + "; ".join(POLICE_RESULTS) + ".",
        )
        results.add(f"{RESULT_COL}{FIRST_ROW}:{RESULT_COL}{last}")
        notes = DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1="500",
            allow_blank=True,
            showErrorMessage=True,
            error="Ghi chú tối đa 500 ký tự.",
        )
        notes.add(f"{NOTE_COL}{FIRST_ROW}:{NOTE_COL}{last}")
        for dv in (digits, results, notes):
            ws.add_data_validation(dv)

    ws.freeze_panes = ws.cell(FIRST_ROW, 4)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _protect(ws, password)

    meta = wb.create_sheet(META_SHEET)
    meta.append(["batch_id", batch.id])
    meta.append(["content_hash", doc.content_hash])
    meta.append(["number", doc.number])
    meta.append(["unit", batch.unit.code])
    meta.append(["rows", n])
    meta.append(["first_row", FIRST_ROW])
    meta.append([])
    meta.append(["row_key", "person_id", "person_version", "position"])
    by_position = {r.position: r for r in batch.rows}
    for row in doc.rows:
        locked = by_position[row.position]
        meta.append([row.row_key, locked.person_id, locked.person_version, row.position])
    meta.sheet_state = "veryHidden"
    _protect(meta, password)

    wb.custom_doc_props.append(StringProperty(name="treem_batch_id", value=str(batch.id)))
    wb.custom_doc_props.append(StringProperty(name="treem_content_hash", value=doc.content_hash))
    wb.security = WorkbookProtection(lockStructure=True)
    if password:
        wb.security.workbookPassword = password
    wb.properties.title = f"Danh sách {doc.number} - {doc.unit_name}"
    wb.properties.creator = "treem"
    wb.save(path)


def _protect(ws, password: str | None) -> None:
    ws.protection.sheet = True
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
    ws.protection.formatColumns = False  # the police may widen columns to read
    ws.protection.formatRows = False
    if password:
        ws.protection.password = password
