import io
import zipfile

import pytest
from openpyxl import load_workbook

from treem_app.files.upload_checks import UploadError, check_upload
from treem_app.files.xlsx_write import safe_text

from .. import exports

MB = 1024 * 1024


def refused(data: bytes, name: str) -> str:
    with pytest.raises(UploadError) as exc:
        check_upload(data, name, max_bytes=25 * MB)
    return str(exc.value)


def test_a_real_workbook_is_an_xlsx():
    data = exports.simple_xlsx(exports.HEADER, [])
    assert check_upload(data, "x.xlsx", max_bytes=MB).kind == "xlsx"


def test_a_text_file_renamed_xlsx_is_refused():
    assert "không phải bảng tính Excel" in refused(b"Ho va ten, ngay sinh\nAn, 2015\n", "ds.xlsx")


def test_not_a_spreadsheet_is_refused():
    assert "không phải bảng tính" in refused(b"%PDF-1.7\n\x00\x01binary", "ds.pdf")


def test_a_word_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    assert "Word" in refused(buffer.getvalue(), "ds.xlsx")


def test_an_empty_file_is_refused():
    assert "rỗng" in refused(b"", "ds.xlsx")


def test_a_zip_bomb_is_refused_from_its_declared_size():
    assert "nghi là tệp nén độc hại" in refused(exports.zip_bomb(), "bom.xlsx")


def test_a_password_protected_workbook_is_refused():
    assert "đặt mật khẩu" in refused(exports.encrypted_workbook(), "ds.xlsx")


def test_macros_are_dropped_and_values_kept():
    checked = check_upload(exports.macro_workbook(), "ds.xlsm", max_bytes=MB)
    assert checked.macros_removed and checked.kind == "xlsx"
    names = zipfile.ZipFile(io.BytesIO(checked.data)).namelist()
    assert not any(n.endswith(".bin") for n in names)
    wb = load_workbook(io.BytesIO(checked.data), read_only=True)
    assert next(wb.active.iter_rows(min_row=2, values_only=True))[1] == "Nguyễn Văn An"
    wb.close()


def test_a_csv_is_accepted_by_its_name_and_content():
    assert check_upload("Họ và tên;Ngày sinh\n".encode(), "ds.csv", max_bytes=MB).kind == "csv"


def test_too_large():
    assert "giới hạn" in refused(b"x" * (25 * MB + 1), "ds.csv")


@pytest.mark.parametrize("text", ["=1+1", "+84", "-2", "@SUM(A1)", "\t=x"])
def test_formula_injection_is_neutralised(text):
    assert safe_text(text) == "'" + text
    assert safe_text("Nguyễn Văn An") == "Nguyễn Văn An"
