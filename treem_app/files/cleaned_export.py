"""Step 4: the cleaned records as an .xlsx in the layout of the commune's last imported export.

The rows above the data (title rows, the header, a sub-header, a numbering row) are copied as
the import read them, with the same column order and count and the header's merged ranges; then
one row per record, each mapped column filled with treem's fact as text: dates dd/mm/yyyy, the
ID number as 12 characters (a text cell formatted "@", so no leading zero is lost), sex as
"Nam"/"Nữ" and the ethnicity by its name, the words the software's exports use. Columns no field
is mapped to stay empty, except an STT column, numbered again. The imported sheet's column
widths are kept (an .xlsx that sets them); other columns get a width from their header.

Every text goes through :func:`treem_app.files.xlsx_write.safe_text` (a leading ``= + - @``, tab
or carriage return is neutralised) and is written as a string cell. No Flask, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..domain.ethnicity import ethnicity_name
from ..domain.sex import sex_label
from .headers import fold
from .xlsx_cols import column_widths
from .xlsx_read import read_head
from .xlsx_write import safe_text

Merged = tuple[tuple[int, int], tuple[int, int]]

# Header texts of a running-number column (folded), numbered again in the export.
_NUMBER_HEADERS = {"stt", "tt", "so tt", "so thu tu"}
_TEXT = "@"
_DATE = "DD/MM/YYYY"
_BOLD = Font(bold=True)
_HEAD_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass
class Layout:
    """What the export copies from the imported file: the rows above the data and the columns.

    ``head`` holds the sheet's rows 0 .. data_start - 1 as read (index i is Excel row i + 1);
    ``mapping`` column index -> field, as confirmed for that import.
    """

    sheet: str
    head: list[list[object]]
    header_row: int
    mapping: dict[int, str]
    merged: list[Merged] = field(default_factory=list)
    # The imported sheet's own column widths (an .xlsx that sets them), kept in the export.
    widths: dict[int, float] = field(default_factory=dict)

    @property
    def data_start(self) -> int:
        return len(self.head)

    @property
    def width(self) -> int:
        """Columns up to the last one with a header text or a mapped field."""
        last = max(self.mapping, default=-1)
        for row in self.head:
            for c in range(len(row) - 1, last, -1):
                if _blank(row[c]):
                    continue
                last = c
                break
        return last + 1

    def number_columns(self) -> list[int]:
        """Unmapped columns headed "STT" (or alike): numbered 1, 2, 3 … in the export."""
        if self.header_row >= len(self.head):
            return []
        top = self.head[self.header_row]
        return [
            c
            for c in range(min(len(top), self.width))
            if c not in self.mapping and fold(top[c]) in _NUMBER_HEADERS
        ]


def read_layout(
    path: Path, kind: str, sheet: str, *, header_row: int, data_start: int, mapping: Mapping
) -> Layout:
    """The layout of a stored import (raises UploadError when it cannot be read)."""
    head, merged = read_head(path, kind, sheet, data_start)
    head = [list(r) for r in head]
    while len(head) < data_start:  # blank rows calamine did not return
        head.append([])
    inside = [m for m in merged if m[1][0] < data_start]
    label = "Danh sách trẻ em" if kind == "csv" else sheet
    widths = column_widths(path, sheet) if kind == "xlsx" else {}
    return Layout(label, head, header_row, {int(k): v for k, v in mapping.items()}, inside, widths)


def export_text(field_name: str, value: str | None) -> str | None:
    """A fact (as treem writes it in the history) in the words the software's exports use."""
    if value is None or value == "":
        return None
    if field_name == "sex":
        return sex_label(value) or value
    if field_name == "ethnicity":
        return ethnicity_name(value) or value
    return value


def write_cleaned(
    out: Path | BinaryIO, layout: Layout, records: Sequence[Mapping[str, str | None]]
) -> int:
    """Write the header rows of ``layout`` and one row per record to a path or a binary
    stream; return the rows written.

    ``records`` map fields to text in treem's history form (dob "05/03/2015", sex "M"/"F",
    ethnicity "01"); fields no column is mapped to are left out.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(layout.sheet)
    width = layout.width
    header_rows = range(layout.header_row, layout.data_start)
    for r, row in enumerate(layout.head, start=1):
        for c in range(min(len(row), width)):
            value = row[c]
            if _blank(value):
                continue
            cell = ws.cell(r, c + 1)
            _put(cell, value)
            if r - 1 in header_rows:
                cell.font = _BOLD
                cell.alignment = _HEAD_ALIGN
    for (r0, c0), (r1, c1) in layout.merged:
        if c0 < width and (r0, c0) != (r1, c1):
            ws.merge_cells(
                start_row=r0 + 1,
                start_column=c0 + 1,
                end_row=r1 + 1,
                end_column=min(c1, width - 1) + 1,
            )
    columns = sorted(layout.mapping.items())
    numbered = layout.number_columns()
    r = layout.data_start
    for n, record in enumerate(records, start=1):
        r += 1
        for c in numbered:
            ws.cell(r, c + 1, n)
        for c, field_name in columns:
            cell = ws.cell(r, c + 1)
            cell.number_format = _TEXT  # an empty cell too: a number typed there stays text
            text = export_text(field_name, record.get(field_name))
            if text is not None:
                _put(cell, text)
    for c in range(width):
        width_of = layout.widths.get(c) or _width(layout, c)
        ws.column_dimensions[get_column_letter(c + 1)].width = width_of
    if layout.data_start:
        ws.freeze_panes = ws.cell(layout.data_start + 1, 1)
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return len(records)


def _put(cell, value: object) -> None:
    """A value as read from the imported file, or a text: strings always as safe strings."""
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", safe_text(value))
        cell.data_type = "s"
    elif isinstance(value, bool):
        cell.value = value
    elif isinstance(value, float) and value.is_integer():
        cell.value = int(value)
    elif isinstance(value, int | float):
        cell.value = value
    elif isinstance(value, dt.date):  # date-times too
        cell.value = value
        cell.number_format = _DATE
    elif isinstance(value, dt.time | dt.timedelta):
        cell.value = value
    else:
        _put(cell, str(value))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _width(layout: Layout, c: int) -> float:
    longest = max(
        (len(str(row[c])) for row in layout.head[layout.header_row :] if c < len(row)),
        default=0,
    )
    if layout.mapping.get(c) in ("full_name", "father_name", "mother_name", "guardian_name"):
        longest = max(longest, 24)
    elif c in layout.mapping:
        longest = max(longest, 12)
    return float(min(max(longest, 5) + 2, 40))


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return cleaned[:31] or "Sheet1"
