"""A corpus of hostile (and a few legitimate but awkward) uploads, generated in code (issue 16).

Every entry is run through every upload path (the import, on the web and on the console; the
returned sheet; the signed copy) by tests/files/test_hostile_uploads.py and
tests/web/test_hostile_uploads.py. Nothing here is a real person: the names are made up.

Bombs are small on disk but lie: the lying bomb declares 8 MB in its local header and in the
central directory while its sheet inflates to 200 MB of blanks (about 200 KB compressed).
"""

from __future__ import annotations

import functools
import io
import random
import struct
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from . import exports
from .exports import HEADER, row

MB = 1024 * 1024

# What a path answers for a file it refuses: fragments of the Vietnamese message.
NOT_A_WORKBOOK = "không phải bảng tính Excel"
DAMAGED = "bị hỏng"
BOMB = "nghi là tệp nén độc hại"
XML_DANGER = "DOCTYPE/ENTITY"
PASSWORD = "đặt mật khẩu"
TOO_BIG = "giới hạn"
FORMULAS = "công thức"
ROW_LIMIT = "vượt giới hạn"
UNKNOWN_ENCODING = "Không xác định được bảng mã"
MIXED_ENCODING = "trộn lẫn hai bảng mã"
CONTROL = "ký tự điều khiển"
HTML = "trang web (HTML)"
NOT_A_SCAN = "không phải tệp PDF, ảnh JPEG hay PNG"


@dataclass(frozen=True)
class Hostile:
    key: str
    filename: str
    make: Callable[[], bytes]
    says: str = ""  # what the import answers; "" for a file that is imported
    rows: int = 0  # rows a legitimate file imports
    at_check: bool = True  # refused by the first check (so the returned-sheet upload says it too)
    signed_says: str = NOT_A_SCAN  # what the signed-copy upload answers
    names: tuple[str, ...] = ()  # names a legitimate file must import exactly

    @property
    def legitimate(self) -> bool:
        return not self.says

    @functools.cached_property
    def data(self) -> bytes:
        return self.make()


# --------------------------------------------------------------------------- building blocks

NAMES = ("Nguyễn Thị Ánh Hồng", "Trần Văn Đức", "Lê Ngọc Ưng", "Phạm Thị Kiều Oanh")


def rows(n: int = 3) -> list[list]:
    return [
        row(i + 1, NAMES[i % len(NAMES)], f"0{i % 9 + 1}/03/2016", sex="Nữ" if i % 2 else "Nam")
        for i in range(n)
    ]


@functools.cache
def good_xlsx() -> bytes:
    return exports.simple_xlsx(HEADER, rows())


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def pack(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    return out.getvalue()


def edit(data: bytes, **changes: Callable[[bytes], bytes]) -> bytes:
    """The package with some members' bodies changed (``sheet`` is xl/worksheets/sheet1.xml,
    ``workbook``, ``rels``, ``types``: the workbook, its relationships, the content types)."""
    where = {
        "sheet": "xl/worksheets/sheet1.xml",
        "workbook": "xl/workbook.xml",
        "rels": "xl/_rels/workbook.xml.rels",
        "types": "[Content_Types].xml",
    }
    parts = members(data)
    for key, change in changes.items():
        parts[where[key]] = change(parts[where[key]])
    return pack(parts)


def sheet_xml(cells: str, dimension: str = "A1:I4") -> bytes:
    """A worksheet of inline strings: ``cells`` is the <sheetData> body."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{cells}</sheetData></worksheet>'
    ).encode()


def inline_row(r: int, values: list) -> str:
    cells = []
    for c, v in enumerate(values):
        ref = f"{chr(65 + c)}{r}"
        if v is None:
            continue
        if isinstance(v, int | float):
            cells.append(f'<c r="{ref}"><v>{v}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>')
    return f'<row r="{r}">{"".join(cells)}</row>'


def table_rows(body_rows: list[list], start: int = 2) -> str:
    head = inline_row(1, HEADER)
    return head + "".join(inline_row(start + i, r) for i, r in enumerate(body_rows))


# --------------------------------------------------------------------------- bombs


def _streamed_member(zf: zipfile.ZipFile, name: str, start: bytes, fill: int, end: bytes):
    """Write a member of ``fill`` blank bytes between ``start`` and ``end``, 1 MB at a time."""
    blank = b" " * MB
    with zf.open(name, "w", force_zip64=False) as fh:
        fh.write(start)
        for _ in range(fill // MB):
            fh.write(blank)
        fh.write(end)


@functools.cache
def bomb(real: int, declared: int | None, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A workbook whose ``member`` holds ``real`` bytes; with ``declared``, both its local header
    and its central-directory entry claim that size instead (a lying bomb)."""
    parts = members(good_xlsx())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            if name != member:
                zf.writestr(name, body)
                continue
            cut = body.index(b"</sheetData>") if b"</sheetData>" in body else len(body) - 6
            _streamed_member(zf, name, body[:cut], real, body[cut:])
    data = bytearray(out.getvalue())
    if declared is not None:
        target = member.encode()
        local = data.find(b"PK\x03\x04" + b"\x00" * 0)
        while local >= 0:  # the local header naming the member
            n = struct.unpack_from("<H", data, local + 26)[0]
            if bytes(data[local + 30 : local + 30 + n]) == target:
                struct.pack_into("<I", data, local + 22, declared)
                break
            local = data.find(b"PK\x03\x04", local + 4)
        central = data.find(b"PK\x01\x02")
        while central >= 0:
            n = struct.unpack_from("<H", data, central + 28)[0]
            if bytes(data[central + 46 : central + 46 + n]) == target:
                struct.pack_into("<I", data, central + 24, declared)
            central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def many_members() -> bytes:
    parts = members(good_xlsx())
    parts.update({f"xl/media/p{i}.xml": b"<a/>" for i in range(10_001)})
    return pack(parts, zipfile.ZIP_STORED)


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
    + "]>"
)


def billion_laughs_sheet() -> bytes:
    body = sheet_xml(table_rows([row(1, "&lol9;", "05/03/2016")]))
    return edit(good_xlsx(), sheet=lambda _: LAUGHS.encode() + body.split(b"?>", 1)[1])


def billion_laughs_strings() -> bytes:
    parts = members(good_xlsx())
    sst = (
        LAUGHS + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    ).encode()
    parts["xl/sharedStrings.xml"] = sst
    return pack(parts)


def external_entity() -> bytes:
    doctype = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    body = sheet_xml(table_rows([row(1, "&xxe;", "05/03/2016")]))
    return edit(good_xlsx(), sheet=lambda _: doctype + body.split(b"?>", 1)[1])


# --------------------------------------------------------------------------- odd packages


def renamed_docx() -> bytes:
    return pack({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


def renamed_pptx() -> bytes:
    return pack({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p:pres/>"})


def plain_zip() -> bytes:
    return pack({"ds.csv": "Họ và tên,Ngày sinh\nAn,2016\n".encode()})


def xlsb() -> bytes:
    parts = members(good_xlsx())
    parts["xl/workbook.bin"] = parts.pop("xl/workbook.xml")
    return pack(parts)


def encrypted_member() -> bytes:
    """A package whose members carry the ZIP "encrypted" flag (traditional zip encryption)."""
    data = bytearray(good_xlsx())
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.find(sig)
        while pos >= 0:
            flags = struct.unpack_from("<H", data, pos + at)[0]
            struct.pack_into("<H", data, pos + at, flags | 1)
            pos = data.find(sig, pos + 4)
    return bytes(data)


def truncated() -> bytes:
    data = good_xlsx()
    return data[: len(data) // 2]


def damaged_deflate() -> bytes:
    """The sheet's compressed bytes overwritten in the middle (headers intact)."""
    data = bytearray(good_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    n, m = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + n + m
    for i in range(start + 2, start + info.compress_size - 2):
        data[i] = 0xFF
    return bytes(data)


def huge_dimension() -> bytes:
    """A sheet declaring A1:XFD1048576 that holds a header and three rows."""
    body = sheet_xml(table_rows(rows()), dimension="A1:XFD1048576")
    return edit(good_xlsx(), sheet=lambda _: body)


def far_last_cell() -> bytes:
    """Three rows and one more cell at row 1,048,575: the sheet really has that many rows."""
    cells = table_rows(rows()) + inline_row(1_048_575, ["x"])
    body = sheet_xml(cells, dimension="A1:I1048575")
    return edit(good_xlsx(), sheet=lambda _: body)


def with_formula(cached: bool) -> bytes:
    value = "<v>42434</v>" if cached else ""
    cells = table_rows(rows()).replace(
        '<c r="C2" t="inlineStr"><is><t>01/03/2016</t></is></c>',
        f'<c r="C2"><f>DATE(2016,3,1)</f>{value}</c>',
    )
    assert "<f>" in cells
    return edit(good_xlsx(), sheet=lambda _: sheet_xml(cells))


def macro_book() -> bytes:
    return _macro(good_xlsx())


def _macro(data: bytes) -> bytes:
    parts = members(data)
    parts["[Content_Types].xml"] = (
        parts["[Content_Types].xml"]
        .replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )
        .replace(
            b"</Types>",
            b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            b"</Types>",
        )
    )
    parts["xl/vbaProject.bin"] = b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nEnd Sub'
    return pack(parts)


_EXT_REL = (
    b'<Relationship Id="rIdX1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>'
)
_EXT_LINK = (
    b'<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org'
    b'/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships"><externalBook r:id="rId1"><sheetNames><sheetName val="S"/></sheetNames>'
    b"</externalBook></externalLink>"
)
_EXT_LINK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
    b'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
    b'.org/officeDocument/2006/relationships/externalLinkPath" '
    b'Target="file:///\\\\may-chu\\chia-se\\so-lieu.xlsx" TargetMode="External"/></Relationships>'
)


def external_link(formula: bool) -> bytes:
    """A workbook linked to another one on a network share; with ``formula`` a cell reads it."""
    base = with_formula(cached=True) if formula else good_xlsx()
    parts = members(base)
    if formula:
        sheet = parts["xl/worksheets/sheet1.xml"]
        parts["xl/worksheets/sheet1.xml"] = sheet.replace(
            b"<f>DATE(2016,3,1)</f>", b"<f>[1]S!A1</f>"
        )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", _EXT_REL
    )
    parts["xl/externalLinks/externalLink1.xml"] = _EXT_LINK
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = _EXT_LINK_RELS
    return pack(parts)


def nul_in_cell() -> bytes:
    cells = table_rows(rows()).replace("Trần Văn Đức", "Trần\x00Văn Đức")
    return edit(good_xlsx(), sheet=lambda _: sheet_xml(cells))


def nul_escaped_in_cell() -> bytes:
    cells = table_rows(rows()).replace("Trần Văn Đức", "Trần_x0000_Văn Đức")
    return edit(good_xlsx(), sheet=lambda _: sheet_xml(cells))


def ole2_junk() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(3).randbytes(4096)


def legacy_xls() -> bytes:
    return exports.simple_xls(HEADER, rows())


def spreadsheet_2003_xml() -> bytes:
    return (
        b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
        b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="A">'
        b'<Table><Row><Cell><Data ss:Type="String">STT</Data></Cell></Row></Table>'
        b"</Worksheet></Workbook>"
    )


# --------------------------------------------------------------------------- text


def csv_text(sep: str = ",", n: int = 3) -> str:
    lines = [sep.join(HEADER)]
    for r in rows(n):
        lines.append(sep.join("" if v is None else str(v) for v in r))
    return "\r\n".join(lines) + "\r\n"


def to_cp1258(text: str) -> bytes:
    """Text as Excel writes it on a Vietnamese Windows: Windows-1258, the tone marks (grave,
    acute, tilde, hook, dot below) as combining characters after the letter."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in tones))
        out += base.encode("cp1258")
        out += "".join(p for p in parts if p in tones).encode("cp1258")
    return bytes(out)


def cp1258_csv() -> bytes:
    data = to_cp1258(csv_text())
    assert b"\xcc" in data or b"\xec" in data or b"\xf2" in data or b"\xde" in data  # combining
    return data


def utf16_unicode_text() -> bytes:
    """Excel's "Unicode Text": UTF-16 LE with a BOM, tab-separated, saved as .txt."""
    return b"\xff\xfe" + csv_text("\t").encode("utf-16-le")


def utf16_no_bom() -> bytes:
    return csv_text("\t").encode("utf-16-le")


def mixed_csv() -> bytes:
    text = csv_text()
    half = len(text) // 2
    return text[:half].encode("utf-8") + to_cp1258(text[half:])


def unknown_encoding_csv() -> bytes:
    """Shift-JIS-like bytes (0x81, 0x8D...: undefined in Windows-1258) between commas."""
    return csv_text().encode("ascii", "ignore") + b"\x81\x8d\x90\x9d,\x8f\x81\r\n"


def latin_garbage_csv() -> bytes:
    """Bytes that decode in Windows-1258 but read as no Vietnamese at all."""
    return (csv_text().encode("ascii", "ignore")).replace(b"Kinh", bytes(range(0xA1, 0xC0)))


def nul_csv() -> bytes:
    return csv_text().encode().replace(b"Kinh", b"Ki\x00nh")


def huge_field_csv() -> bytes:
    return csv_text().encode() + b'1,"' + b"a" * 200_000 + b'",x\r\n'


def html_table() -> bytes:
    return (
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>Họ và tên</td>"
        "<td>Ngày sinh</td></tr><tr><td>Trần Văn Đức</td><td>01/03/2016</td></tr></table>"
        "</body></html>"
    ).encode()


def random_bytes(n: int = 65536, seed: int = 1) -> bytes:
    return random.Random(seed).randbytes(n)


def over_limit() -> bytes:
    """30 MB (the limit is 25 MB): a workbook's start followed by blanks."""
    return good_xlsx() + b"\x00" * (30 * MB - len(good_xlsx()))


# --------------------------------------------------------------------------- scans and photos


def pdf_with_javascript() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def broken_pdf() -> bytes:
    return b"%PDF-1.7\n" + random_bytes(2048, seed=5)


def png_bomb() -> bytes:
    """A PNG header declaring 100,000 × 100,000 pixels (a decompression bomb)."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def truncated_jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random_bytes(512, seed=9)


# --------------------------------------------------------------------------- the corpus

PDF_BROKEN = "PDF bị hỏng"
PDF_ACTIVE = "mã lệnh"
IMAGE_BAD = "Ảnh"
EMPTY = "rỗng"

CORPUS: tuple[Hostile, ...] = (
    Hostile("empty-xlsx", "ds.xlsx", lambda: b"", EMPTY, signed_says=EMPTY),
    Hostile("empty-csv", "ds.csv", lambda: b"", EMPTY, signed_says=EMPTY),
    Hostile("random-xlsx", "ds.xlsx", random_bytes, NOT_A_WORKBOOK),
    Hostile("random-csv", "ds.csv", lambda: random_bytes(seed=2), CONTROL),
    Hostile("random-noext", "ds", lambda: random_bytes(seed=4), NOT_A_WORKBOOK),
    Hostile("text-as-xlsx", "ds.xlsx", lambda: csv_text().encode(), NOT_A_WORKBOOK),
    Hostile("text-as-xls", "ds.xls", lambda: csv_text().encode(), NOT_A_WORKBOOK),
    Hostile("docx-as-xlsx", "ds.xlsx", renamed_docx, "Word/PowerPoint"),
    Hostile("pptx-as-xlsx", "ds.xlsx", renamed_pptx, "Word/PowerPoint"),
    Hostile("zip-as-xlsx", "ds.xlsx", plain_zip, NOT_A_WORKBOOK),
    Hostile("html-as-xls", "ds.xls", html_table, HTML),
    Hostile("html-as-xlsx", "ds.xlsx", html_table, HTML),
    Hostile("html-as-csv", "ds.csv", html_table, HTML),
    Hostile("xml2003-as-xls", "ds.xls", spreadsheet_2003_xml, NOT_A_WORKBOOK),
    Hostile("pdf-as-xlsx", "ds.xlsx", pdf_with_javascript, NOT_A_WORKBOOK, signed_says=PDF_ACTIVE),
    Hostile("broken-pdf", "quet.pdf", broken_pdf, NOT_A_WORKBOOK, signed_says=PDF_BROKEN),
    Hostile("png-bomb", "anh.png", png_bomb, NOT_A_WORKBOOK, signed_says=IMAGE_BAD),
    Hostile("jpeg-truncated", "anh.jpg", truncated_jpeg, NOT_A_WORKBOOK, signed_says=IMAGE_BAD),
    Hostile("encrypted-ooxml", "ds.xlsx", exports.encrypted_workbook, PASSWORD),
    Hostile("encrypted-members", "ds.xlsx", encrypted_member, PASSWORD),
    Hostile("ole2-junk", "ds.xls", ole2_junk, DAMAGED, at_check=False),
    Hostile("honest-bomb", "bom.xlsx", lambda: bomb(200 * MB, None), BOMB),
    Hostile("lying-bomb", "bom.xlsx", lambda: bomb(200 * MB, 8 * MB), BOMB),
    Hostile(
        "lying-bomb-strings", "bom.xlsx", lambda: bomb(200 * MB, 8 * MB, "xl/styles.xml"), BOMB
    ),  # fmt: skip
    Hostile("declared-4gb", "bom.xlsx", exports.zip_bomb, BOMB),
    Hostile("many-members", "ds.xlsx", many_members, "quá nhiều thành phần"),
    Hostile("billion-laughs-sheet", "ds.xlsx", billion_laughs_sheet, XML_DANGER),
    Hostile("billion-laughs-strings", "ds.xlsx", billion_laughs_strings, XML_DANGER),
    Hostile("external-entity", "ds.xlsx", external_entity, XML_DANGER),
    Hostile("xlsb", "ds.xlsb", xlsb, ".xlsb"),
    Hostile("truncated-xlsx", "ds.xlsx", truncated, DAMAGED),
    Hostile("damaged-deflate", "ds.xlsx", damaged_deflate, DAMAGED),
    Hostile("huge-dimension", "ds.xlsx", huge_dimension, rows=3, names=NAMES[:3]),
    Hostile("far-last-cell", "ds.xlsx", far_last_cell, ROW_LIMIT, at_check=False),
    Hostile("formula-no-cache", "ds.xlsx", lambda: with_formula(False), FORMULAS, at_check=False),
    Hostile("formula-cached", "ds.xlsx", lambda: with_formula(True), FORMULAS, at_check=False),
    Hostile("macros", "ds.xlsm", macro_book, rows=3, names=NAMES[:3]),
    Hostile("external-link", "ds.xlsx", lambda: external_link(False), rows=3),
    Hostile(
        "external-link-formula", "ds.xlsx", lambda: external_link(True), FORMULAS, at_check=False
    ),  # fmt: skip
    Hostile("nul-in-cell", "ds.xlsx", nul_in_cell, CONTROL),
    Hostile("nul-escaped-in-cell", "ds.xlsx", nul_escaped_in_cell, CONTROL),
    Hostile("nul-csv", "ds.csv", nul_csv, CONTROL),
    Hostile("legacy-xls", "ds.xls", legacy_xls, rows=3, names=NAMES[:3]),
    Hostile("cp1258-csv", "ds.csv", cp1258_csv, rows=3, names=NAMES[:3]),
    Hostile("utf16-unicode-text", "ds.txt", utf16_unicode_text, rows=3, names=NAMES[:3]),
    Hostile("utf16-no-bom-csv", "ds.csv", utf16_no_bom, rows=3, names=NAMES[:3]),
    Hostile("mixed-encoding-csv", "ds.csv", mixed_csv, MIXED_ENCODING),
    Hostile("unknown-encoding-csv", "ds.csv", unknown_encoding_csv, UNKNOWN_ENCODING),
    Hostile("latin-garbage-csv", "ds.csv", latin_garbage_csv, UNKNOWN_ENCODING),
    Hostile("huge-field-csv", "ds.csv", huge_field_csv, "bị hỏng", at_check=False),
    Hostile("over-limit", "ds.xlsx", over_limit, TOO_BIG, signed_says=TOO_BIG),
    Hostile("traversal-name", "../../etc/passwd.xlsx", good_xlsx, rows=3, names=NAMES[:3]),
    Hostile("traversal-hostile", "../../etc/passwd.xlsx", lambda: b"root:x:0:0", NOT_A_WORKBOOK),
    Hostile("control-chars-name", "ds\x1b[31m\x07\r\nX: 1.xlsx", lambda: b"<%=1%>", NOT_A_WORKBOOK),
    Hostile("control-chars-legit", "ds\x1b[31m\t\r\n.csv", lambda: csv_text().encode(), rows=3),
)

BY_KEY = {h.key: h for h in CORPUS}
assert len(BY_KEY) == len(CORPUS) >= 40


# --------------------------------------------------------------------------- what was written


def snapshot(files_dir) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Row counts of every table and every file under the files folder (with its size)."""
    from pathlib import Path

    from sqlalchemy import func, select

    from treem_app.extensions import db

    db.session.expire_all()
    counts = {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
    }
    root = Path(files_dir)
    files = sorted(
        (str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*") if p.is_file()
    ) if root.exists() else []  # fmt: skip
    return counts, files


class Hang(Exception):
    """A test of one upload ran past its alarm."""


def alarm(seconds: int):
    """A context manager failing the block (instead of hanging the suite) after ``seconds``."""
    import contextlib
    import signal

    @contextlib.contextmanager
    def guard():
        def ring(signum, frame):
            raise Hang(f"still running after {seconds} s")

        old = signal.signal(signal.SIGALRM, ring)
        signal.alarm(seconds)
        try:
            yield
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)

    return guard()
