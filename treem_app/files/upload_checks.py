"""Checks on an uploaded spreadsheet before anything reads it (SPEC section 7: files are hostile).

The type is decided by the file's first bytes, never by its name: a ZIP container (.xlsx/.xlsm),
an OLE2 compound file (.xls, or an encrypted, i.e. password-protected, OOXML workbook), or plain
UTF-8/UTF-16 text (.csv). Zip bombs are refused from the sizes declared in the ZIP central
directory, before anything is decompressed. Macro-enabled books are accepted for their values:
the VBA parts are dropped from the copy that is kept, and nothing ever runs them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Declared uncompressed size of the whole package, and the compression ratio, beyond which a ZIP
# is treated as a bomb. A 200,000-row export is about 60 MB of XML at a ratio of about 10.
MAX_UNZIPPED = 400 * 1024 * 1024
MAX_RATIO = 150
MAX_MEMBERS = 10_000

_MACRO_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_PLAIN_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


class UploadError(ValueError):
    """A file that cannot be imported; the message is Vietnamese, for the user."""


@dataclass
class CheckedUpload:
    """The bytes to keep (macros removed), their real kind and what was done to them."""

    data: bytes
    kind: str  # "xlsx", "xls" or "csv"
    macros_removed: bool = False


def check_upload(data: bytes, filename: str, *, max_bytes: int) -> CheckedUpload:
    """Decide the kind of an uploaded file and refuse what must not be read.

    Raises UploadError for an empty or oversized file, an unknown type, a password-protected
    workbook, a zip bomb or a damaged package.
    """
    if not data:
        raise UploadError("Tệp rỗng (0 byte). Hãy chọn đúng tệp xuất từ phần mềm.")
    if len(data) > max_bytes:
        mb = max_bytes // (1024 * 1024)
        raise UploadError(f"Tệp lớn hơn giới hạn {mb} MB.")
    if data.startswith(ZIP_MAGIC):
        return _check_zip(data)
    if data.startswith(CFB_MAGIC):
        if _is_encrypted_ooxml(data):
            raise UploadError(
                "Tệp Excel được đặt mật khẩu. Hãy mở tệp trong Excel, bỏ mật khẩu "
                "(Tệp → Thông tin → Bảo vệ sổ làm việc) rồi tải lên lại."
            )
        return CheckedUpload(data, "xls")
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "csv" and _looks_like_text(data):
        return CheckedUpload(data, "csv")
    if suffix in ("xlsx", "xlsm", "xls"):
        raise UploadError(
            f"Tệp «{filename}» có đuôi .{suffix} nhưng nội dung không phải bảng tính Excel "
            "(có thể là tệp văn bản đã đổi tên). Hãy chọn đúng tệp xuất từ phần mềm."
        )
    raise UploadError(
        f"Tệp «{filename}» không phải bảng tính Excel (.xlsx, .xls) hay tệp .csv. "
        "Hãy chọn đúng tệp xuất từ phần mềm."
    )


def _check_zip(data: bytes) -> CheckedUpload:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UploadError("Tệp Excel bị hỏng hoặc chưa tải lên đủ; không đọc được.") from exc
    if len(infos) > MAX_MEMBERS:
        raise UploadError("Tệp có cấu trúc bất thường (quá nhiều thành phần); không đọc được.")
    declared = sum(i.file_size for i in infos)
    compressed = sum(i.compress_size for i in infos) or 1
    if declared > MAX_UNZIPPED or (
        declared > 20 * 1024 * 1024 and declared / compressed > MAX_RATIO
    ):
        raise UploadError(
            "Tệp có dung lượng giải nén bất thường (nghi là tệp nén độc hại); không đọc tệp này."
        )
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        if "word/document.xml" in names or "ppt/presentation.xml" in names:
            raise UploadError("Tệp là văn bản Word/PowerPoint, không phải bảng tính Excel.")
        raise UploadError("Tệp không phải bảng tính Excel (.xlsx); không đọc được.")
    if "xl/workbook.bin" in names:
        raise UploadError("Tệp dạng .xlsb chưa được hỗ trợ; hãy lưu lại dưới dạng .xlsx.")
    macros = [n for n in names if n.lower().startswith("xl/") and n.lower().endswith(".bin")]
    content_types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    if macros or _MACRO_MAIN in content_types:
        return CheckedUpload(_strip_macros(zf, infos), "xlsx", macros_removed=True)
    return CheckedUpload(data, "xlsx")


def _strip_macros(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> bytes:
    """Rewrite a macro-enabled package as a plain .xlsx: VBA parts and their references gone."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in infos:
            name = info.filename
            lower = name.lower()
            if lower.startswith("xl/") and lower.endswith(".bin"):
                continue  # vbaProject.bin, vbaProjectSignature.bin, ActiveX binaries
            body = zf.read(info)
            if name == "[Content_Types].xml":
                body = body.replace(_MACRO_MAIN, _PLAIN_MAIN)
                body = re.sub(rb"<Override[^>]*\.bin\"[^>]*/>", b"", body)
                body = re.sub(rb"<Default[^>]*Extension=\"bin\"[^>]*/>", b"", body)
            elif lower.endswith(".rels"):
                body = re.sub(rb"<Relationship[^>]*Target=\"[^\"]*\.bin\"[^>]*/>", b"", body)
            dst.writestr(info.filename, body)
    return out.getvalue()


def _is_encrypted_ooxml(data: bytes) -> bool:
    """An OLE2 file holding EncryptionInfo/EncryptedPackage streams is a password-protected
    .xlsx (MS-OFFCRYPTO); directory entry names are UTF-16LE."""
    return "EncryptionInfo".encode("utf-16-le") in data or (
        "EncryptedPackage".encode("utf-16-le") in data
    )


def _looks_like_text(data: bytes) -> bool:
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the edge of the sample
            return False
    return b"," in head or b";" in head or b"\t" in head
