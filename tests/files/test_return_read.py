"""A returned sheet is read by python-calamine when every cell is one openpyxl reads the same way
(text, whole numbers), and by openpyxl otherwise: both read the same sheet the same way."""

from __future__ import annotations

import datetime as dt

from openpyxl import load_workbook

from treem_app.files.return_read import _read_openpyxl, _read_plain, read_return_sheet
from treem_app.files.return_sheet import FIRST_ROW, SHEET

from ..returns import fill, issued_batch, right_id


def _answers(children):
    return {
        1: (right_id(children[0], 11), "Đã xác thực", None),
        2: (int(right_id(children[1], 12)), "Đã xác thực", "  gõ   dạng số "),  # a typed number
        3: (None, "Không khớp thông tin", "Sai ngày sinh"),
        5: ("0522 1500 0123", " đã xác thực ", None),  # spaces, another case
    }


def test_a_plain_sheet_is_read_fast_and_as_openpyxl_reads_it(app, make, tmp_path):
    batch, children, sheet = issued_batch(app, make, make.tree()["a"], 6, tmp_path)
    path = fill(sheet, tmp_path / "back.xlsx", _answers(children))
    fast = _read_plain(path)
    assert fast is not None and fast == _read_openpyxl(path)
    assert fast.batch_id == batch.id and len(fast.rows) == len(fast.keys) == 6
    assert isinstance(fast.rows[1].number, int) and fast.rows[3].number is None
    assert fast.rows[1].fixed["position"] == "2" and fast.rows[1].note == "  gõ   dạng số "


def test_an_error_cell_or_a_date_is_read_by_openpyxl(app, make, tmp_path):
    _batch, children, sheet = issued_batch(app, make, make.tree()["a"], 3, tmp_path)

    def error_cell(ws):
        ws[f"L{FIRST_ROW}"] = "#N/A"
        ws[f"L{FIRST_ROW}"].data_type = "e"  # calamine reads an error cell as empty

    path = fill(sheet, tmp_path / "e.xlsx", _answers(children), edit=error_cell)
    assert _read_plain(path) is None
    assert read_return_sheet(path).rows[0].note == "#N/A"

    def a_date(ws):
        ws[f"J{FIRST_ROW + 2}"] = dt.date(2015, 3, 5)

    path = fill(sheet, tmp_path / "d.xlsx", _answers(children), edit=a_date)
    assert _read_plain(path) is None
    read = read_return_sheet(path)
    assert read == _read_openpyxl(path) and read.rows[2].number == dt.datetime(2015, 3, 5)
    assert load_workbook(path)[SHEET][f"J{FIRST_ROW + 2}"].is_date
