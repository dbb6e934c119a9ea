"""Reading an uploaded export: python-calamine for .xlsx/.xls (fast, never evaluates anything),
the csv module for .csv; finding the sheet and the header row (see :mod:`.headers`).

Rows are returned as lists indexed from the first row of the sheet, so row index ``i`` is Excel
row ``i + 1`` (title rows and blank rows included): the row numbers users see in Excel.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum

from .headers import SCAN_ROWS, HeaderGuess, detect_header
from .upload_checks import UploadError

HEADER_HELP = (
    "Không tìm thấy dòng tiêu đề cột (ví dụ «Họ và tên», «Ngày sinh», «Số định danh cá nhân») "
    "trong tệp. Hãy dùng đúng tệp xuất danh sách trẻ em từ phần mềm."
)


@dataclass
class SheetChoice:
    """The sheet holding the children's list, its header, and every sheet name seen."""

    sheet: str
    header: HeaderGuess
    preview: list[list[object]]
    skipped: list[str]
    height: int = 0  # rows in the sheet (index of the last used row + 1)


def _open(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:
        raise UploadError(
            "Tệp Excel được đặt mật khẩu. Hãy bỏ mật khẩu trong Excel rồi tải lên lại."
        ) from exc
    except (CalamineError, ValueError, OSError) as exc:
        raise UploadError("Tệp Excel bị hỏng hoặc không đọc được.") from exc


def read_csv(path: Path) -> list[list[object]]:
    """Every row of a CSV file (UTF-8, UTF-8 with BOM, UTF-16 or Windows-1258), as strings."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "utf-16", "cp1258"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeError:
            continue
    else:  # pragma: no cover - cp1258 decodes nearly anything
        raise UploadError("Không đọc được bảng mã của tệp CSV; hãy lưu lại dạng UTF-8.")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def choose_sheet(path: Path, kind: str) -> SheetChoice:
    """Find the sheet with the best-recognised header; raise UploadError when there is none."""
    if kind == "csv":
        rows = read_csv(path)
        if not any(any(str(c).strip() for c in r) for r in rows):
            raise UploadError("Tệp không có dữ liệu (trống).")
        guess = detect_header(rows[: SCAN_ROWS + 5])
        if guess is None:
            raise UploadError(HEADER_HELP)
        return SheetChoice("CSV", guess, rows[: SCAN_ROWS + 5], [], len(rows))
    wb = _open(path)
    try:
        best: SheetChoice | None = None
        names: list[str] = []
        any_data = False
        for meta in wb.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            names.append(meta.name)
            sheet = wb.get_sheet_by_name(meta.name)
            preview = sheet.to_python(skip_empty_area=False, nrows=SCAN_ROWS + 5)
            if any(any(c not in ("", None) for c in r) for r in preview):
                any_data = True
            guess = detect_header(preview, sheet.merged_cell_ranges or ())
            if guess is not None and (best is None or guess.score > best.header.score):
                end = sheet.end
                best = SheetChoice(meta.name, guess, preview, [], end[0] + 1 if end else 0)
    finally:
        wb.close()
    if not any_data:
        raise UploadError("Tệp Excel không có dữ liệu (các trang tính đều trống).")
    if best is None:
        raise UploadError(HEADER_HELP)
    best.skipped = [n for n in names if n != best.sheet]
    return best


def read_rows(path: Path, kind: str, sheet: str) -> list[list[object]]:
    """Every row of the chosen sheet (row index i is Excel row i + 1)."""
    if kind == "csv":
        return read_csv(path)
    wb = _open(path)
    try:
        return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()


def data_rows(rows: list[list[object]], header: HeaderGuess) -> list[tuple[int, list[object]]]:
    """(Excel row number, cells) of every non-empty row below the header."""
    out = []
    for i in range(header.data_start, len(rows)):
        row = rows[i]
        for c in row:
            if c != "" and c is not None:
                out.append((i + 1, row))
                break
    return out


_SHEET_RE = re.compile(rb"<sheet\b[^>]*?>")
_ATTR_RE = re.compile(rb'([\w:]+)="([^"]*)"')


def sheet_has_formulas(path: Path, sheet: str) -> bool:
    """True when the named worksheet of an .xlsx holds formula cells (``<f>`` elements).

    Scanned as a byte stream: nothing is evaluated and the XML is never built in memory.
    """
    with zipfile.ZipFile(path) as zf:
        part = _sheet_part(zf, sheet)
        if part is None:
            return False
        tail = b""
        with zf.open(part) as fh:
            while chunk := fh.read(1 << 20):
                data = tail + chunk
                if b"<f>" in data or b"<f " in data or b":f>" in data or b":f " in data:
                    return True
                tail = data[-8:]
    return False


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    workbook = zf.read("xl/workbook.xml")
    rels = zf.read("xl/_rels/workbook.xml.rels")
    rid = None
    for tag in _SHEET_RE.findall(workbook):
        attrs = {k.split(b":")[-1]: v for k, v in _ATTR_RE.findall(tag)}
        name = attrs.get(b"name", b"").decode("utf-8", "replace")
        name = name.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
        if name == sheet:
            rid = attrs.get(b"id")
            break
    if rid is None:
        return None
    for tag in re.findall(rb"<Relationship\b[^>]*?>", rels):
        attrs = dict(_ATTR_RE.findall(tag))
        if attrs.get(b"Id") == rid:
            target = attrs.get(b"Target", b"").decode()
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None
