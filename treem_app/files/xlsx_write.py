"""Writing spreadsheets: the annotated copy of an imported export.

Every text cell written goes through :func:`safe_text`: a leading ``= + - @`` (or a tab or
carriage return) is neutralised with an apostrophe so Excel never reads a value from a file as a
formula (OWASP "CSV injection"; Indico's spreadsheets.py does the same).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl.styles import PatternFill
from openpyxl.utils.datetime import to_excel

FILLS = {
    "error": PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE"),
    "warning": PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C"),
}
SEVERITY_LABELS = {"error": "Lỗi", "warning": "Cần xem", "info": "Đã tự sửa"}
# Findings about no single cell point at the cells they are about.
FIELD_GROUPS = {
    "guardians": ("father_name", "mother_name", "guardian_name"),
    "person": ("full_name",),
}
# A carriage return saved in a workbook reads back as a line feed: both are neutralised.
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_text(value: object) -> object:
    """Neutralise a text that a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def write_annotated(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    header_row: int,
    data_start: int,
    mapping: Mapping[int, str],
    findings_by_row: Mapping[int, Sequence],
    sheet_title: str = "Kết quả rà soát",
    by_rule: Mapping[str, int] | None = None,
    rule_labels: Mapping[str, str] | None = None,
) -> None:
    """Write the original rows with a findings column and the faulty cells highlighted.

    ``rows`` are the sheet's rows as read (index i = Excel row i + 1), so every row keeps its
    Excel row number; ``findings_by_row`` maps an Excel row number to its findings.

    The worksheet XML is written directly, row by row, into the package (openpyxl builds an
    element tree for every cell, which takes seconds per 10,000 rows); the few styles it uses
    are declared in a small styles part. Every text still goes through :func:`safe_text`.
    """
    width = max((len(r) for r in rows[: data_start + 50]), default=0)
    for r in rows:
        if len(r) > width:
            width = len(r)
    columns_of: dict[str, list[int]] = {}
    for col, fld in mapping.items():
        columns_of.setdefault(fld, []).append(col)
    for group, members in FIELD_GROUPS.items():
        columns_of[group] = [c for m in members for c in columns_of.get(m, [])]

    styles = _Styles()
    title = _sheet_title(sheet_title)
    sheets = [title]
    if by_rule is not None:
        sheets.append("Tổng hợp" if title != "Tổng hợp" else "Tổng hợp1")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            _write_rows(fh, rows, width, header_row, data_start, columns_of, findings_by_row,
                        styles)  # fmt: skip
        if by_rule is not None:
            # Officers read the label; the code stays, last and apart, for whoever supports them.
            summary: list[list[object]] = [["Loại lỗi", "Số lượng", "Mã tra cứu"]]
            for rule, n in by_rule.items():
                summary.append([(rule_labels or {}).get(rule) or rule, n, rule])
            summary.append([])
            summary.append([
                "Ô được tô nền đỏ: lỗi; ô được tô nền vàng: cần xem lại; "
                "cột cuối: kết quả rà soát."
            ])  # fmt: skip
            zf.writestr("xl/worksheets/sheet2.xml", _simple_sheet(summary, {1: 48, 2: 12, 3: 28}))
        zf.writestr("xl/styles.xml", styles.xml())
        zf.writestr("xl/workbook.xml", _workbook_xml(sheets))
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("[Content_Types].xml", _content_types(len(sheets)))


# --------------------------------------------------------------------------- the package

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ROOT_RELS = (
    _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
# Characters XML 1.0 cannot hold (openpyxl refuses them too): dropped from texts.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FILL_COLORS = {"error": "FFFFC7CE", "warning": "FFFFEB9C"}
_TIME_FORMAT = 21  # built-in h:mm:ss


def _content_types(n_sheets: int) -> str:
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    parts = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet}"/>'
        for i in range(1, n_sheets + 1)
    )
    return (
        _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{parts}</Types>"
    )


def _workbook_xml(names: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{_attr(name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    return (
        f'{_HEAD}<workbook xmlns="{_NS}" xmlns:r="{_R_NS}">'
        f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>"
    )


def _workbook_rels(n_sheets: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n_sheets + 1)
    )
    styles = f'<Relationship Id="rId{n_sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
    return (
        _HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships">{rels}{styles}</Relationships>'
    )


class _Styles:
    """The cell formats used, numbered as they are first asked for (0: the default)."""

    def __init__(self) -> None:
        self.formats: dict[tuple[int, int, int], int] = {(0, 0, 0): 0}

    def get(self, num_fmt: int = 0, font: int = 0, fill: int = 0) -> int:
        key = (num_fmt, font, fill)
        index = self.formats.get(key)
        if index is None:
            index = self.formats[key] = len(self.formats)
        return index

    def xml(self) -> str:
        xfs = "".join(
            f'<xf numFmtId="{n}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
            + (' applyNumberFormat="1"' if n else "")
            + (' applyFont="1"' if font else "")
            + (' applyFill="1"' if fill else "")
            + "/>"
            for (n, font, fill) in self.formats
        )
        fills = "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="{c}"/><bgColor rgb="{c}"/>'
            "</patternFill></fill>"
            for c in _FILL_COLORS.values()
        )
        return (
            f'{_HEAD}<styleSheet xmlns="{_NS}">'
            '<numFmts count="2"><numFmt numFmtId="164" formatCode="DD/MM/YYYY"/>'
            '<numFmt numFmtId="165" formatCode="[hh]:mm:ss"/></numFmts>'
            '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font>'
            '<font><color rgb="FF9C0006"/><sz val="11"/><name val="Calibri"/></font></fonts>'
            f'<fills count="4"><fill><patternFill patternType="none"/></fill>'
            f'<fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            f'</cellStyleXfs><cellXfs count="{len(self.formats)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>"
        )


_FILL_IDS = {"error": 2, "warning": 3}
_BOLD, _RED = 1, 2


def _attr(text: str) -> str:
    return _text(text).replace('"', "&quot;")


def _text(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _ILLEGAL.sub("", text)


def _cell(ref: str, value: object, style: int) -> str:
    """One <c> element (empty string for an empty, unstyled cell)."""
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>' if style else ""
    kind = value.__class__
    if kind is str:
        if not value:
            return f'<c r="{ref}"{s}/>' if style else ""
        space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
    if kind is bool:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if kind is int or kind is float:
        if value != value or value in (math.inf, -math.inf):  # NaN or infinite: as text
            return f'<c r="{ref}"{s} t="inlineStr"><is><t>{value}</t></is></c>'
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return f'<c r="{ref}"{s}><v>{to_excel(value)!r}</v></c>'
    if isinstance(value, int | float):
        return _cell(ref, float(value), style)
    return _cell(ref, str(value), style)


def _date_format(value: object) -> int:
    """The number format a date or time value is shown with (0 for anything else)."""
    if isinstance(value, dt.date):  # dates and date-times: Vietnamese day/month/year
        return 164
    if isinstance(value, dt.time):
        return _TIME_FORMAT
    if isinstance(value, dt.timedelta):
        return 165
    return 0


def _write_rows(fh, rows, width, header_row, data_start, columns_of, findings_by_row, styles):
    letters = [_letter(i) for i in range(width + 1)]
    note_letter = letters[width]
    pane = ""
    if data_start > 0:
        top = f"A{data_start + 1}"
        pane = (
            f'<pane ySplit="{data_start}" topLeftCell="{top}" activePane="bottomLeft" '
            f'state="frozen"/><selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/>'
        )
    head = (
        f'{_HEAD}<worksheet xmlns="{_NS}" xmlns:r="{_R_NS}">'
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f'<cols><col min="1" max="{width}" width="18" customWidth="1"/>' if width else "<cols>")
        + f'<col min="{width + 1}" max="{width + 1}" width="70" customWidth="1"/></cols>'
        "<sheetData>"
    )
    fh.write(head.encode())
    header_style = styles.get(font=_BOLD)
    error_note = styles.get(font=_RED)
    out: list[str] = []
    for i, row in enumerate(rows):
        excel_row = i + 1
        n = str(excel_row)
        found = findings_by_row.get(excel_row) if i >= data_start else None
        marks: dict[int, str] = {}
        if found:
            for f in found:
                sev = str(f.severity)
                if sev not in FILLS:
                    continue
                for col in columns_of.get(f.field, ()):
                    if marks.get(col) != "error":
                        marks[col] = sev
        cells = []
        for c in range(min(len(row), width)):
            value = row[c]
            if value == "" and c not in marks:
                continue
            if value.__class__ is str and value.startswith(_DANGEROUS):
                value = "'" + value
            num_fmt = 0 if value.__class__ in (str, int, float) else _date_format(value)
            fill = _FILL_IDS[marks[c]] if c in marks else 0
            style = styles.get(num_fmt, 0, fill) if num_fmt or fill else 0
            cells.append(_cell(letters[c] + n, None if value == "" else value, style))
        for c in marks:  # faulty cells past the end of a short row
            if c >= len(row) and c < width:
                cells.append(_cell(letters[c] + n, None, styles.get(0, 0, _FILL_IDS[marks[c]])))
        if i == header_row:
            cells.append(_cell(note_letter + n, "Kết quả rà soát (treem)", header_style))
        elif found:
            text = "; ".join(
                f"[{SEVERITY_LABELS.get(str(f.severity), '')}] {f.message}" for f in found
            )
            worst = any(str(f.severity) == "error" for f in found)
            cells.append(_cell(note_letter + n, safe_text(text), error_note if worst else 0))
        out.append(f'<row r="{n}">{"".join(cells)}</row>')
        if len(out) >= 2000:
            fh.write("".join(out).encode())
            out.clear()
    out.append("</sheetData></worksheet>")
    fh.write("".join(out).encode())


def _simple_sheet(rows: list[list[object]], widths: dict[int, int]) -> str:
    cols = "".join(
        f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>' for c, w in widths.items()
    )
    body = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{_letter(c)}{i}", safe_text(v), 0) for c, v in enumerate(row))
        body.append(f'<row r="{i}">{cells}</row>')
    return (
        f'{_HEAD}<worksheet xmlns="{_NS}" xmlns:r="{_R_NS}"><cols>{cols}</cols>'
        f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:31] or "Sheet1"


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
