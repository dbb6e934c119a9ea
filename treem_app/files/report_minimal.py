"""A plain .xlsx of a weekly or monthly table (header, the column numbers, the rows, the total),
written until the formatted report writer exists. Reads the report by duck typing (files sit
below services): ``rows`` with ``number``, ``unit.name``, ``is_group``, ``figures``; ``total``."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from ..domain.reports import COLUMNS, row_values
from .xlsx_write import safe_text

NUMBER_FORMAT = "#,##0"
RATE_FORMAT = "0.00"


def write_minimal_xlsx(report, title: str, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws.append([safe_text(title)])
    ws.append([COLUMNS[n] for n in range(1, 9)])
    ws.append([f"({n})" for n in range(1, 9)])
    for row in report.rows:
        ws.append([safe_text(v) for v in row_values(row.number, row.unit.name, row.figures)])
    ws.append(row_values("", "Tổng cộng", report.total))
    for cells in ws.iter_rows(min_row=4, min_col=3, max_col=8):
        for cell in cells:
            cell.number_format = RATE_FORMAT if cell.column == 8 else NUMBER_FORMAT
    wb.save(path)
