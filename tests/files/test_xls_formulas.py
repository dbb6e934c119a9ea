"""Formula cells found in legacy .xls workbooks (BIFF8 written by xlwt)."""

from __future__ import annotations

from treem_app.files.xls_formulas import xls_sheet_has_formulas

from .. import exports
from ..exports import HEADER, row

ROWS = [row(1, "Nguyễn Văn An", "05/03/2015"), row(2, "Trần Thị Bình", "05/04/2016")]


def test_a_formula_in_the_chosen_sheet_is_found(tmp_path):
    path = exports.write(tmp_path, "a.xls", exports.simple_xls(HEADER, ROWS, formula_at=(1, 2)))
    assert xls_sheet_has_formulas(path, "Danh sách trẻ em") is True


def test_values_only_and_formulas_elsewhere(tmp_path):
    data = exports.simple_xls(HEADER, ROWS, sheets={"Tổng hợp": [["Tổng", "=1+1"]]})
    path = exports.write(tmp_path, "b.xls", data)
    assert xls_sheet_has_formulas(path, "Danh sách trẻ em") is False
    assert xls_sheet_has_formulas(path, "Tổng hợp") is True
    # A name the workbook's directory does not hold: the whole workbook answers.
    assert xls_sheet_has_formulas(path, "Không có") is True


def test_a_file_that_is_not_a_compound_document_cannot_tell(tmp_path):
    path = exports.write(tmp_path, "c.xls", b"not an OLE2 file at all")
    assert xls_sheet_has_formulas(path, "Danh sách trẻ em") is None
