"""Reading an uploaded export: python-calamine for .xlsx/.xls (fast, never evaluates anything),
the csv module for .csv; finding the sheet and the header row (see :mod:`.headers`).

Rows are returned as lists indexed from the first row of the sheet, so row index ``i`` is Excel
row ``i + 1`` (title rows and blank rows included): the row numbers users see in Excel.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetTypeEnum

from .headers import SCAN_ROWS, HeaderGuess, detect_header, fold
from .upload_checks import UploadError, decode_text

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
    # Whether the sheet holds formula cells, when the upload scan found out (None: not known).
    has_formulas: bool | None = None


_READ_ERRORS = (
    CalamineError, ValueError, OSError, KeyError, IndexError, TypeError, EOFError,
    zipfile.BadZipFile, zlib.error, OverflowError, MemoryError, RecursionError,
)  # fmt: skip


@contextmanager
def _reading():
    """Whatever a reader raises on a damaged or hostile file becomes one Vietnamese UploadError
    (calamine says, in English, e.g. "File is larger than its declared uncompressed size")."""
    try:
        yield
    except UploadError:
        raise
    except PasswordError as exc:
        raise UploadError(
            "Tệp Excel được đặt mật khẩu. Hãy bỏ mật khẩu trong Excel rồi tải lên lại."
        ) from exc
    except _READ_ERRORS as exc:
        raise UploadError("Tệp Excel bị hỏng hoặc không đọc được.") from exc
    except BaseException as exc:
        # A Rust panic inside calamine arrives as pyo3's PanicException (a BaseException).
        if type(exc).__name__ != "PanicException":
            raise
        raise UploadError("Tệp Excel bị hỏng hoặc không đọc được.") from exc


def _open(path: Path) -> CalamineWorkbook:
    with _reading():
        return CalamineWorkbook.from_path(str(path))


def read_csv(path: Path) -> list[list[object]]:
    """Every row of a CSV file (UTF-8, UTF-8 with BOM, UTF-16 or Windows-1258, NFC), as strings;
    UploadError when its encoding cannot be told (see :func:`.upload_checks.decode_text`)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UploadError("Không còn tệp đã tải lên trên máy chủ; hãy tải tệp lên lại.") from exc
    text, _encoding = decode_text(raw)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise UploadError("Tệp CSV bị hỏng (dòng không đọc được); hãy lưu lại từ Excel.") from exc


def choose_sheet(path: Path, kind: str) -> SheetChoice:
    """Find the sheet with the best-recognised header; raise UploadError when there is none.

    An .xlsx is not parsed whole here (the import reads it once, later): each worksheet's XML is
    streamed once, its first rows are cut out into a small in-memory workbook that calamine
    reads, and the same pass notes formula cells and the last row holding a value
    (:func:`_preview_book`). A package this cannot handle is read whole, as before.
    """
    if kind == "csv":
        rows = read_csv(path)
        if not any(any(str(c).strip() for c in r) for r in rows):
            raise UploadError("Tệp không có dữ liệu (trống).")
        guess = detect_header(rows[: SCAN_ROWS + 5])
        if guess is None:
            raise UploadError(HEADER_HELP)
        return SheetChoice("CSV", guess, rows[: SCAN_ROWS + 5], [], len(rows))
    scans: dict[str, _SheetScan] = {}
    if kind == "xlsx":
        try:
            preview_book, scans = _preview_book(path, SCAN_ROWS + 5)
        except Exception:  # any surprise: calamine reads the file whole instead
            scans = {}
        if scans:
            try:
                wb = CalamineWorkbook.from_filelike(io.BytesIO(preview_book))
            except (CalamineError, ValueError, OSError):
                scans = {}
            else:
                sheets = [m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
                if any(name not in scans for name in sheets):
                    wb.close()
                    scans = {}
    if not scans:
        wb = _open(path)
    with _reading():
        return _best_sheet(wb, scans)


def _best_sheet(wb: CalamineWorkbook, scans: dict[str, _SheetScan]) -> SheetChoice:
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
            scan = scans.get(meta.name)
            if any(any(c not in ("", None) for c in r) for r in preview):
                any_data = True
            guess = detect_header(preview, sheet.merged_cell_ranges or ())
            if guess is not None and (best is None or guess.score > best.header.score):
                end = sheet.end
                height = end[0] + 1 if end else 0
                if scan is not None and scan.cut:
                    height = max(height, scan.last_row)
                best = SheetChoice(meta.name, guess, preview, [], height)
                best.has_formulas = scan.has_formulas if scan is not None else None
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
        with _reading():
            return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    finally:
        wb.close()


def read_head(
    path: Path, kind: str, sheet: str, nrows: int
) -> tuple[list[list[object]], list[tuple[tuple[int, int], tuple[int, int]]]]:
    """The first ``nrows`` rows of the chosen sheet, as read, and the sheet's merged ranges
    ((row, col), (row, col), 0-based and inclusive; none for a CSV). Reads only those rows."""
    if kind == "csv":
        return read_csv(path)[:nrows], []
    wb = _open(path)
    try:
        with _reading():
            ws = wb.get_sheet_by_name(sheet)
            rows = ws.to_python(skip_empty_area=False, nrows=nrows) if nrows > 0 else []
            return rows[:nrows], list(ws.merged_cell_ranges or ())
    finally:
        wb.close()


def preview(path: Path, kind: str, sheet: str, data_start: int, n: int = 3) -> list[list[str]]:
    """The first `n` rows from `data_start` (0-based) as short text, for the mapping form.

    Reads only the rows it needs. Samples are a convenience: a file that cannot be read gives
    no rows (the import itself reports the real error).
    """
    if not path.exists():
        return []
    try:
        if kind == "csv":
            rows = read_csv(path)[data_start : data_start + n]
        else:
            wb = _open(path)
            try:
                rows = wb.get_sheet_by_name(sheet).to_python(
                    skip_empty_area=False, nrows=data_start + n
                )[data_start:]
            finally:
                wb.close()
    except Exception:
        return []
    return [[_sample_text(v) for v in row] for row in rows]


def _sample_text(value: object) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)[:40]


# What starts a row below a roster that is not a child: totals, signature blocks, notes, the
# place and date line (folded: lower case, no diacritics).
_FOOTER = re.compile(
    r"^(tong cong|tong so|cong:|cong so|nguoi lap|lap bieu|chu tich|pho chu tich|thu truong|"
    r"xac nhan|ghi chu|luu y|ubnd|uy ban nhan dan|can bo|truong thon|kt\.? ?chu tich|tm\.? ?ubnd|"
    r".{0,40}ngay \.* ?\d* ?\.* ?thang)"
)


def _not_a_record(row: list[object], header_cells: list[object]) -> bool:
    """A totals or signature row, a note, a repeated header or a lone number (an STT)."""
    filled = [c for c in row if c != "" and c is not None]
    if len(filled) > 3:
        return list(row[: len(header_cells)]) == header_cells  # the header printed again
    if len(filled) == 1 and isinstance(filled[0], int | float):
        return True
    first = next((c for c in filled if isinstance(c, str) and not c.strip().isdigit()), None)
    return first is not None and bool(_FOOTER.match(fold(first)))


def split_rows(
    rows: list[list[object]], header: HeaderGuess
) -> tuple[list[tuple[int, list[object]]], int]:
    """(Excel row number, cells) of every record below the header, and how many non-empty
    rows were not records (totals, signatures, notes, a repeated header, an STT alone)."""
    out = []
    skipped = 0
    header_cells = list(rows[header.header_row]) if header.header_row < len(rows) else []
    for i in range(header.data_start, len(rows)):
        row = rows[i]
        for c in row:
            if c != "" and c is not None:
                if _not_a_record(row, header_cells):
                    skipped += 1
                else:
                    out.append((i + 1, row))
                break
    return out, skipped


def data_rows(rows: list[list[object]], header: HeaderGuess) -> list[tuple[int, list[object]]]:
    """(Excel row number, cells) of every record below the header (see :func:`split_rows`)."""
    return split_rows(rows, header)[0]


_SHEET_RE = re.compile(rb"<sheet\b[^>]*?>")
_ATTR_RE = re.compile(rb'([\w:]+)="([^"]*)"')


def sheet_has_formulas(path: Path, sheet: str) -> bool:
    """True when the named worksheet of an .xlsx holds formula cells (``<f>`` elements)."""
    return sheet_matches(path, sheet, _has_formula, overlap=8)


def _has_formula(data: bytes) -> bool:
    return b"<f>" in data or b"<f " in data or b":f>" in data or b":f " in data


def sheet_matches(
    path: Path, sheet: str, found: Callable[[bytes], object], *, overlap: int
) -> bool:
    """True when `found` is true of the named worksheet's XML (False when there is no such
    sheet). Scanned as a byte stream, a megabyte at a time with the last `overlap` bytes of
    the one before: nothing is evaluated and the XML is never built in memory."""
    with zipfile.ZipFile(path) as zf:
        part = _sheet_part(zf, sheet)
        if part is None:
            return False
        tail = b""
        with zf.open(part) as fh:
            while chunk := fh.read(1 << 20):
                data = tail + chunk
                if found(data):
                    return True
                tail = data[-overlap:]
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


# --------------------------------------------------------------------------- upload preview

_CHUNK = 1 << 20
_OVERLAP = 1024  # bytes kept between chunks so no tag is missed at a chunk's edge
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_SHARED_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*\bt="s"[^>]*>\s*<(?:\w+:)?v>\s*(\d+)\s*<')
_SI_END = re.compile(rb"</(?:\w+:)?si>|<(?:\w+:)?si\s*/>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*?>")
_WORKSHEET_REL = b"/relationships/worksheet"
_SHARED_REL = b"/relationships/sharedStrings"


class _Unsupported(Exception):
    """A package the upload preview does not handle; the sheet is then read whole."""


@dataclass
class _SheetScan:
    """What one pass over a worksheet's XML found."""

    head: bytes  # the part with only its first rows (the whole part when it is short)
    cut: bool  # rows were left out of ``head``
    last_row: int  # Excel row number of the last row holding a value (0: none)
    has_formulas: bool
    max_shared: int  # highest shared-string index used in ``head`` (-1: none)


def _preview_book(path: Path, keep_rows: int) -> tuple[bytes, dict[str, _SheetScan]]:
    """A small workbook holding the first ``keep_rows`` rows of every worksheet, and each
    worksheet's scan (by sheet name). Every worksheet part is decompressed once, as a stream,
    never built in memory; shared strings are kept only as far as those rows use them."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        workbook = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
        targets: dict[bytes, tuple[bytes, str]] = {}
        shared_part = None
        for tag in _REL_TAG.findall(rels):
            attrs = dict(_ATTR_RE.findall(tag))
            part = _rel_target(attrs.get(b"Target", b"").decode("utf-8", "replace"))
            kind = attrs.get(b"Type", b"")
            if kind.endswith(_WORKSHEET_REL):
                targets[attrs.get(b"Id", b"")] = (kind, part)
            elif kind.endswith(_SHARED_REL):
                shared_part = part
        scans: dict[str, _SheetScan] = {}
        by_part: dict[str, _SheetScan] = {}
        for tag in _SHEET_RE.findall(workbook):
            attrs = {k.split(b":")[-1]: v for k, v in _ATTR_RE.findall(tag)}
            target = targets.get(attrs.get(b"id", b""))
            if target is None:
                continue  # a chart sheet or a dialog sheet: copied as it is
            part = target[1]
            if part not in names:
                raise _Unsupported(part)
            if part not in by_part:
                by_part[part] = _scan_sheet(zf, part, keep_rows)
            name = attrs.get(b"name", b"").decode("utf-8", "replace")
            scans[html.unescape(name)] = by_part[part]
        if not scans:
            raise _Unsupported("no worksheet")
        needed = max(s.max_shared for s in scans.values()) + 1
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
            for info in zf.infolist():
                name = info.filename
                if name in by_part:
                    dst.writestr(name, by_part[name].head)
                elif name == shared_part:
                    dst.writestr(name, _shared_head(zf, name, needed))
                elif name.endswith((".xml", ".rels")) and info.file_size <= 4 * _CHUNK:
                    dst.writestr(name, zf.read(info))
                # Anything else (pictures, printer settings, large unrelated parts) is not
                # needed to read the first rows' values.
        return out.getvalue(), scans


def _rel_target(target: str) -> str:
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _row_number(tag_attrs: bytes) -> int:
    m = _ROW_NUMBER.search(tag_attrs)
    if m is None:
        raise _Unsupported("row without its number")
    return int(m.group(1))


class _Marks:
    """The byte patterns of one worksheet part (whose tags may carry a namespace prefix)."""

    def __init__(self, head: bytes) -> None:
        m = re.search(rb"<(\w+:)?sheetData\b", head)
        if m is None:
            raise _Unsupported("sheetData")
        p = m.group(1) or b""
        if b"<" + p + b"row>" in head:
            raise _Unsupported("row without its number")
        self.row = b"<" + p + b"row "
        self.formula = b"<" + p + b"f"
        # A cell holding a value (or a formula) is closed by </c>; an empty one is <c .../>.
        self.cell_end = b"</" + p + b"c>"

    def has_formula(self, buf: bytes) -> bool:
        at = buf.find(self.formula)
        n = len(self.formula)
        while at >= 0:
            if buf[at + n : at + n + 1] in (b" ", b">", b"/", b"\t", b"\n", b"\r"):
                return True
            at = buf.find(self.formula, at + n)
        return False

    def row_at(self, buf: bytes, end: int) -> tuple[int, int | None]:
        """(start, number) of the last row tag starting before ``end``: start -1 when there is
        none, number None when the tag is cut by the end of ``buf``."""
        start = buf.rfind(self.row, 0, end)
        if start < 0:
            return -1, None
        close = buf.find(b">", start)
        return start, (_row_number(buf[start:close]) if close >= 0 else None)

    def last_value_row(self, buf: bytes, before: int) -> int | None:
        """Number of the last row of ``buf`` with a value; ``before`` when the row tag is in an
        earlier buffer; None when ``buf`` holds no value."""
        value_at = buf.rfind(self.cell_end)
        if value_at < 0:
            return None
        start, number = self.row_at(buf, value_at)
        if start < 0:
            return before
        if number is None:
            raise _Unsupported("row tag")
        return number


def _scan_sheet(zf: zipfile.ZipFile, part: str, keep_rows: int) -> _SheetScan:
    with zf.open(part) as fh:
        # 1. The head: everything before the first row numbered beyond keep_rows.
        buf = b""
        cut_at = -1
        searched = 0
        while True:
            chunk = fh.read(_CHUNK if buf else 1 << 16)
            eof = not chunk
            buf += chunk
            for m in _ROW_TAG.finditer(buf, searched):
                if _row_number(m.group(1)) > keep_rows:
                    cut_at = m.start()
                    break
            if cut_at >= 0 or eof:
                break
            searched = max(0, len(buf) - _OVERLAP)
        marks = _Marks(buf)
        if cut_at < 0:  # a short sheet: the preview is the whole sheet
            last = marks.last_value_row(buf, 0) or 0
            return _SheetScan(buf, False, last, marks.has_formula(buf), _max_shared(buf))
        head = buf[:cut_at]
        has_formulas = marks.has_formula(head)
        last_value = marks.last_value_row(head, 0) or 0
        # 2. The rest, streamed: formulas, the last row holding a value, the part's tail.
        rest = buf[cut_at:]
        row = 0  # number of the last complete row tag before the current buffer's overlap
        tail = None
        while True:
            close = rest.find(b"sheetData>")
            if close >= 0:
                start = rest.rfind(b"</", 0, close)
                if start < 0:
                    raise _Unsupported("sheetData")
                body, tail = rest[:start], rest[start:]
            else:
                body = rest
            if not has_formulas:
                has_formulas = marks.has_formula(body)
            number = marks.last_value_row(body, row)
            if number is not None:
                last_value = max(last_value, number)
            if tail is not None:
                break
            chunk = fh.read(_CHUNK)
            if not chunk:
                raise _Unsupported("unterminated sheetData")
            # Row tags starting in the overlap are seen again with the next buffer.
            start, number = marks.row_at(body, len(body) - _OVERLAP)
            if number is not None:
                row = number
            rest = rest[-_OVERLAP:] + chunk
        tail += fh.read()
        return _SheetScan(head + tail, True, last_value, has_formulas, _max_shared(head))


def _max_shared(head: bytes) -> int:
    return max((int(m) for m in _SHARED_CELL.findall(head)), default=-1)


def _shared_head(zf: zipfile.ZipFile, part: str, needed: int) -> bytes:
    """The shared-string table with only its first ``needed`` strings."""
    if needed <= 0:
        with zf.open(part) as fh:
            start = fh.read(1 << 16)
        m = re.search(rb"<(?:\w+:)?sst\b[^>]*>", start)
        if m is None:
            raise _Unsupported("sst")
        if m.group(0).endswith(b"/>"):
            return start[: m.end()]
        prefix = m.group(0)[1 : m.group(0).index(b"sst")]
        return start[: m.end()] + b"</" + prefix + b"sst>"
    with zf.open(part) as fh:
        buf = b""
        count = 0
        searched = 0
        while True:
            chunk = fh.read(_CHUNK)
            buf += chunk
            for m in _SI_END.finditer(buf, searched):
                count += 1
                if count == needed:
                    tag = re.search(rb"<(?:\w+:)?sst\b", buf)
                    if tag is None:
                        raise _Unsupported("sst")
                    prefix = tag.group(0)[1:-3]
                    return buf[: m.end()] + b"</" + prefix + b"sst>"
                searched = m.end()
            if not chunk:
                return buf  # fewer strings than used: calamine reports the damage
