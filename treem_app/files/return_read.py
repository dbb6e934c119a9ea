"""Read back the return sheet the police filled in (written by :mod:`.return_sheet`).

The sheet is recognised by its very hidden "_treem" sheet (batch id, content hash, row keys with
their record ids and versions); the fixed cells (row key, STT, facts) are returned as text so the
caller can compare them with the issued list, and the police's three cells as they are (a number
typed into the ID column of a re-saved sheet arrives as an int or a float).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .return_sheet import COLUMNS, FIRST_ROW, META_SHEET, SHEET
from .xlsx_read import sheet_matches

FIXED = tuple(attr for _, _, attr in COLUMNS if attr is not None)
FIXED_HEADINGS = {attr: heading for heading, _, attr in COLUMNS if attr is not None}
COLUMN_LETTERS = {attr: chr(ord("A") + i) for i, (_, _, attr) in enumerate(COLUMNS) if attr}
POLICE_COLUMNS = len(FIXED)  # 0-based index of the police's ID cell in a row


class ReturnSheetError(ValueError):
    """The file is not a readable return sheet; the message is Vietnamese."""


@dataclass(frozen=True, slots=True)
class SheetRow:
    excel_row: int
    fixed: dict[str, str]
    number: object
    result: object
    note: object


@dataclass
class ReturnedSheet:
    batch_id: int | None
    content_hash: str | None
    number: str | None
    keys: list[tuple[str, int, int | None, int]] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)


def cell_text(value: object) -> str:
    """A fixed cell as the text it showed (dates dd/mm/yyyy, whole floats without ".0")."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


UNREADABLE = "Không đọc được tệp: đây không phải tệp Excel (.xlsx) hoặc tệp đã bị hỏng."
# What openpyxl (and the XML parser and zlib under it) raise on a damaged or hostile package.
_READ_ERRORS = (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError,
                AttributeError, EOFError, zlib.error, SyntaxError, MemoryError, RecursionError,
                OverflowError)  # fmt: skip


NOT_A_RETURN_SHEET = (
    "Đây không phải tệp trả kết quả do treem tạo cho danh sách chuyển công an "
    f"(không có trang «{SHEET}» và phần nhận dạng của treem). Hãy tải lên tệp .xlsx "
    "đã tải xuống cùng danh sách, sau khi công an ghi kết quả."
)


def names_its_sheets(data: bytes) -> bool:
    """Whether a package (already checked, see :func:`.upload_checks.check_upload`) lists the
    return sheet's two sheets in its workbook part: a quick look at the upload, so that a file
    that is no return sheet is refused before anything is kept."""
    import html
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            workbook = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, zlib.error):
        return False
    names = {
        html.unescape(n) for n in re.findall(r'<(?:\w+:)?sheet\b[^>]*\bname="([^"]*)"', workbook)
    }
    return SHEET in names and META_SHEET in names


def read_return_sheet(path: Path) -> ReturnedSheet:
    """Read a returned sheet; ReturnSheetError when it is not one treem wrote (or cannot be
    read at all: every reader error becomes that one Vietnamese message).

    python-calamine reads it (a tenth of openpyxl's time for a 2,000-row sheet) when every cell
    is one openpyxl reads the same way: text, or a whole number (an int); a sheet with anything
    else (a date, a fraction, a true/false, an error cell, which calamine reads as empty) is
    read by openpyxl, as before."""
    try:
        fast = _read_plain(Path(path))
    except ReturnSheetError:
        raise
    except BaseException as exc:  # any surprise of the fast reader: openpyxl reads it
        # (a Rust panic inside calamine arrives as pyo3's PanicException, a BaseException)
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        fast = None
    return fast if fast is not None else _read_openpyxl(Path(path))


def _read_openpyxl(path: Path) -> ReturnedSheet:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except _READ_ERRORS as exc:
        raise ReturnSheetError(UNREADABLE) from exc
    try:
        return _read(
            wb.sheetnames,
            lambda name, min_row, max_col: wb[name].iter_rows(
                min_row=min_row, max_col=max_col, values_only=True
            ),
        )
    except ReturnSheetError:
        raise
    except _READ_ERRORS as exc:  # ParseError is a SyntaxError
        raise ReturnSheetError(UNREADABLE) from exc
    finally:
        wb.close()


class _NotPlain(Exception):
    """A cell the fast reader does not read as openpyxl would."""


# An error cell (#N/A, #REF!...): openpyxl reads its text, calamine an empty cell.
_ERROR_CELL = re.compile(rb"""<(?:\w+:)?c\b[^>]*?\bt\s*=\s*["']e["']""")


def _has_error_cells(path: Path) -> bool:
    return any(sheet_matches(path, s, _ERROR_CELL.search, overlap=256) for s in (SHEET, META_SHEET))


def _plain(value: object) -> object:
    """A cell as openpyxl gives it: None when empty, a whole number as an int; _NotPlain for
    any other kind of value."""
    if isinstance(value, str):
        return value if value != "" else None
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    raise _NotPlain


def _read_plain(path: Path) -> ReturnedSheet | None:
    """The sheet read by python-calamine; None when a cell needs openpyxl."""
    from python_calamine import CalamineWorkbook

    if _has_error_cells(path):
        return None
    wb = CalamineWorkbook.from_path(str(path))
    try:
        names = wb.sheet_names

        def rows_of(name: str, min_row: int, max_col: int | None):
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for row in rows[min_row - 1 :]:
                yield tuple(_plain(v) for v in (row[:max_col] if max_col else row))

        return _read(names, rows_of)
    except _NotPlain:
        return None
    finally:
        wb.close()


def _read(sheetnames: list[str], rows_of) -> ReturnedSheet:
    if META_SHEET not in sheetnames or SHEET not in sheetnames:
        raise ReturnSheetError(NOT_A_RETURN_SHEET)
    sheet = ReturnedSheet(None, None, None)
    meta = list(rows_of(META_SHEET, 1, None))
    info = {str(r[0]): r[1] for r in meta[:7] if r and r[0] is not None and len(r) > 1}
    try:
        sheet.batch_id = int(info.get("batch_id"))
    except (TypeError, ValueError):
        sheet.batch_id = None
    sheet.content_hash = cell_text(info.get("content_hash")) or None
    sheet.number = cell_text(info.get("number")) or None
    for r in meta[8:]:
        if not r or r[0] is None:
            continue
        try:
            version = int(r[2]) if r[2] is not None else None
            sheet.keys.append((cell_text(r[0]), int(r[1]), version, int(r[3])))
        except (TypeError, ValueError, IndexError) as exc:
            raise ReturnSheetError(
                "Phần nhận dạng của tệp đã bị sửa: không đọc được danh sách mã dòng."
            ) from exc
    for excel_row, values in enumerate(rows_of(SHEET, FIRST_ROW, len(COLUMNS)), start=FIRST_ROW):
        values = tuple(values) + (None,) * (len(COLUMNS) - len(values))
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        fixed = {attr: cell_text(values[i]) for i, attr in enumerate(FIXED)}
        sheet.rows.append(
            SheetRow(
                excel_row,
                fixed,
                values[POLICE_COLUMNS],
                values[POLICE_COLUMNS + 1],
                values[POLICE_COLUMNS + 2],
            )
        )
    return sheet


def annotate_return(source: Path, target, outcomes: dict[int, tuple[str, str]]) -> None:
    """A copy of a returned sheet with what treem did with each row (two columns after the
    police's): {Excel row: (outcome label, reason)}. ``target`` is a path or a binary stream."""
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font

    from .xlsx_write import safe_text

    wb = load_workbook(source)
    ws = wb[SHEET]
    # The police's own cells are re-saved too: a text that begins like a formula is neutralised
    # as every text treem writes, and a formula they typed becomes its text.
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f" or isinstance(cell.value, str):
                text = cell.value if isinstance(cell.value, str) else str(cell.value)
                cell.value = safe_text(text)
                cell.data_type = "s"
    first = len(COLUMNS) + 1
    header = FIRST_ROW - 1
    for offset, heading in enumerate(("Kết quả nhận vào treem", "Lý do")):
        cell = ws.cell(header, first + offset, heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    ws.column_dimensions[ws.cell(header, first).column_letter].width = 22
    ws.column_dimensions[ws.cell(header, first + 1).column_letter].width = 60
    for excel_row, (label, reason) in outcomes.items():
        ws.cell(excel_row, first, label)
        ws.cell(excel_row, first + 1, safe_text(reason)).alignment = Alignment(wrap_text=True)
    wb.save(target)
