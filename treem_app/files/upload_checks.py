"""Checks on an uploaded spreadsheet before anything reads it (SPEC section 7: files are hostile).

The type is decided by the file's first bytes, never by its name: a ZIP container (.xlsx/.xlsm),
an OLE2 compound file (.xls, or an encrypted, i.e. password-protected, OOXML workbook), or plain
text (.csv; UTF-8, UTF-16 "Unicode Text" or the Windows-1258 that Excel writes on a Vietnamese
Windows, see :func:`decode_text`). Zip bombs are refused first from the sizes declared in the ZIP
central directory, then while every member is decompressed as a stream, counting the bytes it
really holds, whatever its headers say (:func:`_inflate_all`): nothing else reads the package
before it passed. An XML part declaring a DOCTYPE or entities (the "billion laughs") is refused
in the same pass. Macro-enabled books are accepted for their values: the VBA parts are dropped
from the copy that is kept, and nothing ever runs them.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zipfile
import zlib
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


DAMAGED = "Tệp Excel bị hỏng hoặc chưa tải lên đủ; không đọc được."
BOMB = "Tệp có dung lượng giải nén bất thường (nghi là tệp nén độc hại); không đọc tệp này."


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
    name = shown_name(filename)
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if _looks_like_html(data):
        raise UploadError(
            f"Tệp «{name}» là một trang web (HTML), không phải bảng tính Excel. Hãy mở tệp "
            "bằng Excel rồi lưu lại dạng «Sổ làm việc Excel (.xlsx)» và tải lên tệp đó."
        )
    if suffix in TEXT_SUFFIXES:
        decode_text(data)  # UploadError when the encoding cannot be told or it is not text
        return CheckedUpload(data, "csv")
    if suffix in ("xlsx", "xlsm", "xls"):
        raise UploadError(
            f"Tệp «{name}» có đuôi .{suffix} nhưng nội dung không phải bảng tính Excel "
            "(có thể là tệp văn bản đã đổi tên). Hãy chọn đúng tệp xuất từ phần mềm."
        )
    raise UploadError(
        f"Tệp «{name}» không phải bảng tính Excel (.xlsx, .xls) hay tệp .csv. "
        "Hãy chọn đúng tệp xuất từ phần mềm."
    )


def shown_name(filename: str) -> str:
    """The file's own name as a user may see it in a message: no folders (a name like
    ``../../etc/passwd.xlsx`` is only its last part), no control characters, at most 120
    characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:120] or "tệp tải lên"


def _check_zip(data: bytes) -> CheckedUpload:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, struct.error) as exc:
        raise UploadError(DAMAGED) from exc
    if len(infos) > MAX_MEMBERS:
        raise UploadError("Tệp có cấu trúc bất thường (quá nhiều thành phần); không đọc được.")
    declared = sum(i.file_size for i in infos)
    compressed = sum(i.compress_size for i in infos) or 1
    if declared > MAX_UNZIPPED or (
        declared > 20 * 1024 * 1024 and declared / compressed > MAX_RATIO
    ):
        raise UploadError(BOMB)
    _inflate_all(data, infos)
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        if "word/document.xml" in names or "ppt/presentation.xml" in names:
            raise UploadError("Tệp là văn bản Word/PowerPoint, không phải bảng tính Excel.")
        raise UploadError("Tệp không phải bảng tính Excel (.xlsx); không đọc được.")
    if "xl/workbook.bin" in names:
        raise UploadError("Tệp dạng .xlsb chưa được hỗ trợ; hãy lưu lại dưới dạng .xlsx.")
    macros = [n for n in names if n.lower().startswith("xl/") and n.lower().endswith(".bin")]
    try:
        content_types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, zlib.error) as exc:
        raise UploadError(DAMAGED) from exc
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


# --------------------------------------------------------------------------- streamed inflation

_LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # the 30 bytes before a member's name
_INFLATE_CHUNK = 1 << 20
_XML_DANGER = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _inflate_all(data: bytes, infos: list[zipfile.ZipInfo]) -> None:
    """Decompress every member as a stream, counting the bytes it really holds; UploadError as
    soon as a member grows past the size its headers declare or the package past
    ``MAX_UNZIPPED``, and for an XML part declaring a DOCTYPE or entities.

    The compressed bytes are read straight from the package (zipfile itself stops silently at
    the declared size), at most ``_INFLATE_CHUNK`` bytes of output at a time: memory stays
    bounded whatever the package claims or holds.
    """
    view = memoryview(data)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UploadError(
                "Tệp Excel được đặt mật khẩu. Hãy bỏ mật khẩu trong Excel rồi tải lên lại."
            )
        offset = info.header_offset
        try:
            head = _LOCAL_HEADER.unpack_from(data, offset)
        except struct.error as exc:
            raise UploadError(DAMAGED) from exc
        if head[0] != b"PK\x03\x04":
            raise UploadError(DAMAGED)
        start = offset + _LOCAL_HEADER.size + head[9] + head[10]
        raw = view[start : start + info.compress_size]
        if len(raw) < info.compress_size:
            raise UploadError(DAMAGED)
        xml = info.filename.lower().endswith((".xml", ".rels", ".vml"))
        real = 0
        tail = b""
        if info.compress_type == zipfile.ZIP_STORED:
            pieces = (raw[i : i + _INFLATE_CHUNK] for i in range(0, len(raw), _INFLATE_CHUNK))
            for piece in pieces:
                real += len(piece)
                if xml:
                    tail = _scan_xml(tail, bytes(piece))
            ok = True
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            pending = raw
            try:
                while True:
                    out = inflater.decompress(pending, _INFLATE_CHUNK)
                    pending = inflater.unconsumed_tail
                    real += len(out)
                    if real > info.file_size or total + real > MAX_UNZIPPED:
                        raise UploadError(BOMB)
                    if xml and out:
                        tail = _scan_xml(tail, out)
                    if inflater.eof or (not out and not pending):
                        break
            except zlib.error as exc:
                raise UploadError(DAMAGED) from exc
            ok = inflater.eof
        else:
            raise UploadError(
                "Tệp Excel được nén theo cách không thông dụng; hãy mở tệp trong Excel, lưu lại "
                "dạng .xlsx rồi tải lên lại."
            )
        if real > info.file_size or total + real > MAX_UNZIPPED:
            raise UploadError(BOMB)
        if not ok or real != info.file_size:
            raise UploadError(DAMAGED)
        total += real


def _scan_xml(tail: bytes, chunk: bytes) -> bytes:
    """Refuse a DOCTYPE or an entity declaration; return the bytes to carry to the next chunk."""
    buf = tail + chunk
    if _XML_DANGER.search(buf):
        raise UploadError(
            "Tệp có phần khai báo XML bất thường (DOCTYPE/ENTITY, có thể là tệp độc hại); "
            "không đọc tệp này."
        )
    if b"\x00" in chunk or b"_x0000_" in buf:  # a NUL, raw or as Excel's escape
        raise UploadError(CONTROL_CHARACTERS)
    return buf[-16:]


# --------------------------------------------------------------------------- text files

TEXT_SUFFIXES = ("csv", "txt", "tsv")
UNKNOWN_ENCODING = (
    "Không xác định được bảng mã chữ (cách mã hóa tiếng Việt) của tệp CSV. Hãy mở tệp trong "
    "Excel, chọn Lưu thành → «CSV UTF-8 (Comma delimited)» rồi tải lên lại."
)
# Valid UTF-8 for Vietnamese letters (precomposed with tone: E1 BA/BB xx; ă đ ơ ư and the
# Latin-1 vowels: C3/C4/C6 xx). Their bytes read as Windows-1258 give "á»", "Ä‘"...
CONTROL_CHARACTERS = (
    "Tệp có ký tự điều khiển hoặc byte 0 (không phải tệp văn bản hay bảng tính bình thường); "
    "không đọc được. Hãy chọn đúng tệp xuất từ phần mềm."
)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UTF8_VIETNAMESE = re.compile(rb"\xe1[\xba\xbb][\x80-\xbf]|[\xc3\xc4\xc6][\x80-\xbf]")
_VIETNAMESE_BASES = set("aăâeêioôơuưyđAĂÂEÊIOÔƠUƯYĐ")
_VIETNAMESE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323",
                     "\u0302", "\u0306", "\u031b"}  # fmt: skip
_PUNCTUATION_OK = set("–—‘’“”…•°«»€ªº±×·½¼¾§©®™¬¦¨")


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a text file: UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's
    "Unicode Text") or without one, or Windows-1258 (Excel's "CSV (Comma delimited)" on a
    Vietnamese Windows, tone marks as combining characters); the text is NFC-normalised.

    UploadError when the bytes are not text, or when the encoding cannot be told (bytes that are
    valid in no encoding above, UTF-8 mixed with Windows-1258, or letters that are not
    Vietnamese).
    """
    encoding = _utf16_without_bom(data)
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    if encoding is None and _CONTROL_BYTES.search(data[:65536]):
        raise UploadError(CONTROL_CHARACTERS)
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise UploadError(UNKNOWN_ENCODING) from exc
    else:
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            if len(_UTF8_VIETNAMESE.findall(data[: 1 << 20])) >= 2:
                raise UploadError(  # noqa: B904 - the mix is the message
                    "Tệp CSV trộn lẫn hai bảng mã chữ (một phần UTF-8, một phần Windows-1258) "
                    "nên không đọc đúng được tiếng Việt. Hãy mở tệp trong Excel, chọn Lưu thành "
                    "→ «CSV UTF-8 (Comma delimited)» rồi tải lên lại."
                )
            try:
                text = data.decode("cp1258")
            except UnicodeDecodeError as exc:
                raise UploadError(UNKNOWN_ENCODING) from exc
            encoding = "cp1258"
    text = unicodedata.normalize("NFC", text)
    if "\x00" in text or _controls(text[:65536]) > 0:
        raise UploadError(CONTROL_CHARACTERS)
    if encoding == "cp1258" and not _reads_as_vietnamese(text):
        raise UploadError(UNKNOWN_ENCODING)
    sample = text[:65536]
    if "," not in sample and ";" not in sample and "\t" not in sample:
        raise UploadError(
            "Tệp văn bản không có dấu phân cách cột (dấu phẩy, chấm phẩy hoặc tab) nên không "
            "phải tệp .csv. Hãy chọn đúng tệp xuất từ phần mềm."
        )
    return text.removeprefix("\ufeff"), encoding


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' for BOM-less UTF-16 text (every other byte 0 in ASCII)."""
    head = data[:4096]
    if len(head) < 8 or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.7 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.7 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _controls(text: str) -> int:
    return sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\r\n")


def _reads_as_vietnamese(text: str) -> bool:
    """Whether the letters beyond ASCII of a Windows-1258 reading are Vietnamese ones."""
    odd = 0
    seen = 0
    for c in text[: 1 << 20]:
        if c < "\x80":
            continue
        seen += 1
        if c in _PUNCTUATION_OK or c == "\xa0":
            continue
        parts = unicodedata.normalize("NFD", c)
        if parts[0] not in _VIETNAMESE_BASES or any(m not in _VIETNAMESE_MARKS for m in parts[1:]):
            odd += 1
    return odd <= max(2, seen // 20)


def _looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table")):
        return True
    return head.startswith(b"<?xml") and b"<html" in data[:65536].lower()
