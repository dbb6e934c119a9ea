"""Writing spreadsheets with openpyxl: the annotated copy of an imported export.

Every text cell written goes through :func:`safe_text`: a leading ``= + - @`` (or a tab or
carriage return) is neutralised with an apostrophe so Excel never reads a value from a file as a
formula (OWASP "CSV injection"; Indico's spreadsheets.py does the same).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

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
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


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

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet_title))
    ws.freeze_panes = f"A{data_start + 1}"
    for i in range(width):
        ws.column_dimensions[_letter(i)].width = 18
    ws.column_dimensions[_letter(width)].width = 70
    bold = Font(bold=True)
    date_format = "DD/MM/YYYY"
    for i, row in enumerate(rows):
        excel_row = i + 1
        out: list[object] = []
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
        for c in range(width):
            value = row[c] if c < len(row) else None
            if value == "":
                value = None
            value = safe_text(value)
            if c in marks or isinstance(value, dt.date):
                cell = WriteOnlyCell(ws, value)
                if isinstance(value, dt.date):
                    cell.number_format = date_format
                if c in marks:
                    cell.fill = FILLS[marks[c]]
                out.append(cell)
            else:
                out.append(value)
        if i == header_row:
            cell = WriteOnlyCell(ws, "Kết quả rà soát (treem)")
            cell.font = bold
            out.append(cell)
        elif found:
            text = "; ".join(
                f"[{SEVERITY_LABELS.get(str(f.severity), '')}] {f.message}" for f in found
            )
            cell = WriteOnlyCell(ws, safe_text(text))
            cell.alignment = Alignment(wrap_text=False)
            worst = "error" if any(str(f.severity) == "error" for f in found) else None
            if worst:
                cell.font = Font(color="9C0006")
            out.append(cell)
        ws.append(out)
    if by_rule is not None:
        summary = wb.create_sheet("Tổng hợp")
        summary.column_dimensions["A"].width = 30
        summary.column_dimensions["B"].width = 48
        summary.append(["Mã lỗi", "Nội dung", "Số lượng"])
        for rule, n in by_rule.items():
            summary.append([rule, (rule_labels or {}).get(rule, ""), n])
        summary.append([])
        summary.append(["Ô tô đỏ: lỗi; ô tô vàng: cần xem lại; cột cuối: kết quả rà soát."])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:31] or "Sheet1"


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
