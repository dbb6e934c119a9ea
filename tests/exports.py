"""Export files for import tests, written for real (synthetic children only)."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

from openpyxl import Workbook

from treem_app.demo import write_sample_export
from treem_app.synthetic import generate_children

DAY = dt.date(2026, 6, 18)


def child_rows(n: int = 40, *, code: str = "C0001", seed: int = 7, defect_rate: float = 0.25):
    return generate_children(
        n,
        commune_code=code,
        province_id_code="052",
        hamlets=["Thôn An Hòa", "Thôn Phú Mỹ"],
        seed=seed,
        screening_date=DAY,
        defect_rate=defect_rate,
    )


def export_bytes(unit, rows) -> bytes:
    """An export like the national software's (title rows, merged two-row header)."""
    buffer = io.BytesIO()
    write_sample_export(unit, rows, buffer, exported_on=DAY)
    return buffer.getvalue()


def simple_xlsx(header: list, rows: list[list], *, sheets: dict | None = None) -> bytes:
    """A one-header-row workbook; `sheets` adds sheets (name -> rows) before it."""
    wb = Workbook()
    first = True
    for name, extra in (sheets or {}).items():
        ws = wb.active if first else wb.create_sheet(name)
        ws.title = name
        first = False
        for r in extra:
            ws.append(r)
    ws = wb.active if first else wb.create_sheet("Danh sách")
    if first:
        ws.title = "Danh sách"
    ws.append(header)
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số định danh cá nhân",
          "Họ tên cha", "Họ tên mẹ", "Thôn"]  # fmt: skip


def row(n, name, dob, sex="Nam", eth="Kinh", idn=None, father="Nguyễn Văn Bình", mother=None):
    return [n, name, dob, sex, eth, idn, father, mother, "Thôn Một"]


def zip_bomb() -> bytes:
    """A small .xlsx whose central directory declares a 4 GB member (nothing huge on disk)."""
    good = simple_xlsx(HEADER, [row(1, "Nguyễn Văn An", "05/03/2015")])
    data = bytearray(good)
    # Patch the uncompressed size of the first central-directory entry.
    pos = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, pos + 24, 0xFFFFFFF0)
    return bytes(data)


def encrypted_workbook() -> bytes:
    """The start of an OLE2 compound file holding an EncryptionInfo stream (MS-OFFCRYPTO),
    which is what Excel writes for a password-protected .xlsx (crafted: no real encryption)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entry = "EncryptionInfo".encode("utf-16-le").ljust(64, b"\x00")
    package = "EncryptedPackage".encode("utf-16-le").ljust(64, b"\x00")
    return header + entry + package + b"\x00" * 1024


def macro_workbook() -> bytes:
    """A macro-enabled (.xlsm-style) package: a VBA project part and the macro content type."""
    good = simple_xlsx(HEADER, [row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123")])
    src = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                ).replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                    b"</Types>",
                )
            dst.writestr(info, body)
        dst.writestr("xl/vbaProject.bin", b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nEnd Sub')
    return out.getvalue()


def formula_workbook() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append([1, "Nguyễn Văn An", "=DATE(2015,3,5)", "Nam", "Kinh", "=A1", "Nguyễn Văn Bình"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def simple_xls(header: list, rows: list[list], *, formula_at: tuple[int, int] | None = None,
               sheets: dict | None = None) -> bytes:  # fmt: skip
    """A legacy .xls (BIFF8, written by xlwt) with one header row; ``formula_at`` (row, column
    of the data) puts a formula there; ``sheets`` adds sheets (name -> rows) before it, where a
    text beginning with "=" is written as a formula."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for name, extra in (sheets or {}).items():
        ws = wb.add_sheet(name)
        for r, values in enumerate(extra):
            for c, value in enumerate(values):
                is_formula = isinstance(value, str) and value.startswith("=")
                ws.write(r, c, xlwt.Formula(value[1:]) if is_formula else value)
    ws = wb.add_sheet("Danh sách trẻ em")
    for c, value in enumerate(header):
        ws.write(0, c, value)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if value is None or (r - 1, c) == formula_at:
                continue
            if isinstance(value, dt.date):
                ws.write(r, c, value, xlwt.easyxf(num_format_str="DD/MM/YYYY"))
            else:
                ws.write(r, c, value)
    if formula_at is not None:
        ws.write(formula_at[0] + 1, formula_at[1], xlwt.Formula('"Nguyễn "&"An"'))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path
