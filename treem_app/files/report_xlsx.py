"""The weekly or monthly report as a formatted, printable workbook (issue 14).

Sheets: "Báo cáo" (the administrative heading, SPEC section 1's table with its (1) … (8) row,
the total, the restatements), "Mẫu rút gọn" (the Cam Lộ letter's layout from the same
figures) and one "Phụ lục …" sheet per commune listing the children not yet updated and not
yet cleaned. Every sheet prints on A4 landscape, fitted to the page width, its table header
repeated on each page.

Numbers are stored as numbers, formatted ``#,##0`` (counts) and ``0.00`` (the rate). An .xlsx
format code does not fix the separators: Excel and LibreOffice draw them from the reader's
regional settings, so a Vietnamese machine shows 1.731 and 54,81, an English one 1,731 and
54.81. Forcing dots with literal characters (``#\\.##0``) would break negative values of (5)
and small numbers; the numbers stay numbers, sortable and summable. A blank cell is empty,
never 0. Every text cell goes through ``safe_text`` (no formula can be smuggled in a name).
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .report_doc import ATTACHMENT_COLUMNS, ReportDocument
from .xlsx_write import safe_text

NUMBER_FORMAT = "#,##0"
RATE_FORMAT = "0.00"
FONT = "Times New Roman"
THIN = Side(style="thin", color="000000")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
# Sheet "Báo cáo": where the table starts.
HEADER_ROW = 8
MAIN_WIDTHS = (6, 30, 17, 17, 17, 15, 17, 17)
SHORT_WIDTHS = (6, 32, 26, 26, 22)
ATTACHMENT_WIDTHS = (6, 28, 12, 22, 16, 48)
MM = 1 / 25.4  # inches


def _font(size=12, bold=False, italic=False) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic)


def _put(ws: Worksheet, row: int, col: int, value, *, font=None, align=None, fmt=None, grid=False):
    cell = ws.cell(row=row, column=col, value=safe_text(value))
    cell.font = font or _font()
    if align is not None:
        cell.alignment = align
    if fmt:
        cell.number_format = fmt
    if grid:
        cell.border = GRID
    return cell


def _line(ws: Worksheet, row: int, first: int, last: int, text: str, **style) -> None:
    """A text across columns first … last (merged)."""
    _put(ws, row, first, text, **style)
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def _page(ws: Worksheet, widths, title_rows: str) -> None:
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    m = ws.page_margins
    m.top, m.bottom, m.left, m.right = 20 * MM, 20 * MM, 30 * MM, 15 * MM
    m.header = m.footer = 8 * MM
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = FONT


def _heading(ws: Worksheet, doc: ReportDocument, last: int) -> None:
    """The national and agency lines, number and date (rows 1–3) and the title (rows 5–7)."""
    split = 3 if last >= 6 else 2
    _line(ws, 1, 1, split, doc.governing_agency or "", align=CENTER)
    _line(ws, 2, 1, split, doc.agency, font=_font(bold=True), align=CENTER)
    _line(ws, 3, 1, split, doc.number_line, font=_font(13), align=CENTER)
    _line(ws, 1, split + 1, last, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=_font(bold=True),
          align=CENTER)  # fmt: skip
    _line(ws, 2, split + 1, last, "Độc lập - Tự do - Hạnh phúc", font=_font(13, bold=True),
          align=CENTER)  # fmt: skip
    _line(ws, 3, split + 1, last, doc.place_date, font=_font(13, italic=True), align=CENTER)
    _line(ws, 5, 1, last, doc.heading, font=_font(14, bold=True), align=CENTER)
    _line(ws, 6, 1, last, doc.period_line, font=_font(13, bold=True), align=CENTER)
    _line(ws, 7, 1, last, doc.as_of_line, font=_font(12, italic=True), align=CENTER)
    ws.row_dimensions[2].height = 32


def _header(ws: Worksheet, row: int, headers, numbers, height: float) -> None:
    for col, text in enumerate(headers, 1):
        _put(ws, row, col, text, font=_font(12, bold=True), align=CENTER, grid=True)
    for col, text in enumerate(numbers, 1):
        _put(ws, row + 1, col, text, font=_font(11, italic=True), align=CENTER, grid=True)
    ws.row_dimensions[row].height = height


MAIN_FORMATS = (None, None, *([NUMBER_FORMAT] * 5), RATE_FORMAT)
SHORT_FORMATS = (None, None, NUMBER_FORMAT, NUMBER_FORMAT, None)
RIGHT = Alignment(horizontal="right", vertical="center")


def _values_row(ws: Worksheet, row: int, values, formats, *, bold: bool, indent: int = 0):
    """One table line: (1) centred, the name indented by depth, numbers right-aligned with
    their display format, any other column as left-aligned text."""
    font = _font(bold=bold)
    for col, (value, fmt) in enumerate(zip(values, formats, strict=True), 1):
        if col == 1:
            _put(ws, row, col, value, font=font, align=CENTER, grid=True)
        elif col == 2:
            align = Alignment(horizontal="left", vertical="center", wrap_text=True, indent=indent)
            _put(ws, row, col, value, font=font, align=align, grid=True)
        elif fmt:
            _put(ws, row, col, value, font=font, fmt=fmt, align=RIGHT, grid=True)
        else:
            _put(ws, row, col, value or None, font=font, align=LEFT, grid=True)


def _main_sheet(ws: Worksheet, doc: ReportDocument) -> None:
    ws.title = "Báo cáo"
    _page(ws, MAIN_WIDTHS, f"{HEADER_ROW}:{HEADER_ROW + 1}")
    _heading(ws, doc, 8)
    _header(ws, HEADER_ROW, doc.headers, doc.numbers, 64)
    row = HEADER_ROW + 2
    for line in doc.rows:
        _values_row(ws, row, line.values, MAIN_FORMATS, bold=line.is_group, indent=2 * line.depth)
        row += 1
    _values_row(ws, row, doc.total.values, MAIN_FORMATS, bold=True)
    row += 1
    if doc.missing_note:
        row += 1
        _line(ws, row, 1, 8, doc.missing_note, font=_font(11, italic=True), align=LEFT)
        ws.row_dimensions[row].height = 32
    if doc.restatements:
        row += 2
        _line(ws, row, 1, 8, doc.restatement_title, font=_font(bold=True), align=LEFT)
        row += 1
        heads = ("TT", "Địa phương", "Tuần", "Cột", "Đã báo cáo", "Số đúng", "Lý do")
        for col, text in enumerate(heads, 1):
            _put(ws, row, col, text, font=_font(bold=True), align=CENTER, grid=True)
        ws.merge_cells(start_row=row, start_column=7, end_row=row, end_column=8)
        for i, s in enumerate(doc.restatements, 1):
            row += 1
            cells = (i, s.unit_name, s.week_label, s.column_label)
            for col, value in enumerate(cells, 1):
                _put(ws, row, col, value, align=CENTER if col == 1 else LEFT, grid=True)
            for col, value in ((5, s.stored), (6, s.restated)):
                _put(ws, row, col, value, fmt=NUMBER_FORMAT, grid=True)
            _put(ws, row, 7, s.reason, align=LEFT, grid=True)
            _put(ws, row, 8, None, grid=True)
            ws.merge_cells(start_row=row, start_column=7, end_row=row, end_column=8)
            ws.row_dimensions[row].height = 32


def _short_sheet(ws: Worksheet, doc: ReportDocument) -> None:
    _page(ws, SHORT_WIDTHS, f"{HEADER_ROW}:{HEADER_ROW}")
    _heading(ws, doc, 5)
    for col, text in enumerate(doc.short_headers, 1):
        _put(ws, HEADER_ROW, col, text, font=_font(bold=True), align=CENTER, grid=True)
    ws.row_dimensions[HEADER_ROW].height = 48
    row = HEADER_ROW + 1
    for line in doc.rows:
        _values_row(
            ws, row, line.short_values(), SHORT_FORMATS, bold=line.is_group, indent=2 * line.depth
        )
        row += 1
    total = doc.total.short_values()
    total[1] = "TỔNG CỘNG"
    _values_row(ws, row, total, SHORT_FORMATS, bold=True)


def sheet_name(label: str, name: str, taken: set[str]) -> str:
    """An Excel sheet name (31 characters, none of []:*?/\\), unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", f"{label.replace('Phụ lục ', 'PL ')} - {name}")[:31]
    out, n = base, 2
    while out.lower() in taken:
        suffix = f" ({n})"
        out, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(out.lower())
    return out


def _attachment_sheet(ws: Worksheet, doc: ReportDocument, attachment) -> None:
    last = len(ATTACHMENT_COLUMNS)
    header = 7
    _page(ws, ATTACHMENT_WIDTHS, f"{header}:{header + 1}")
    _line(ws, 1, 1, last, attachment.number, font=_font(14, bold=True), align=CENTER)
    _line(ws, 2, 1, last, doc.attachment_title, font=_font(13, bold=True), align=CENTER)
    _line(ws, 3, 1, last, attachment.unit_name, font=_font(13, bold=True), align=CENTER)
    _line(ws, 4, 1, last, doc.reference_line, font=_font(12, italic=True), align=CENTER)
    _line(ws, 5, 1, last, doc.attachments_as_of, font=_font(11, italic=True), align=CENTER)
    _header(ws, header, ATTACHMENT_COLUMNS, [f"({n})" for n in range(1, last + 1)], 32)
    row = header + 2
    for letter, section in zip("AB", attachment.sections, strict=False):
        _line(ws, row, 1, last, f"{letter}. {section.title}: {len(section.rows)} {doc.noun}",
              font=_font(bold=True), align=LEFT, grid=True)  # fmt: skip
        for col in range(2, last + 1):
            ws.cell(row=row, column=col).border = GRID
        row += 1
        for r in section.rows:
            for col, value in enumerate(r.cells, 1):
                align = CENTER if col in (1, 3, 5) else LEFT
                cell = _put(ws, row, col, value, align=align, grid=True)
                if col == 5:
                    cell.number_format = "@"
            row += 1


def write_report_xlsx(doc: ReportDocument, path: Path) -> None:
    wb = Workbook()
    _main_sheet(wb.active, doc)
    _short_sheet(wb.create_sheet("Mẫu rút gọn"), doc)
    taken = {"báo cáo", "mẫu rút gọn"}
    for attachment in doc.attachments:
        ws = wb.create_sheet(sheet_name(attachment.number, attachment.unit_name, taken))
        _attachment_sheet(ws, doc, attachment)
    wb.save(path)
