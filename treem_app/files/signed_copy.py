"""Checks on the signed copy of a handover list: a scan (PDF) or a photo (JPEG, PNG) of the paper
the police signed and stamped (SPEC section 5, "Return").

Files are hostile (SPEC section 7). The kind is decided by the first bytes, never by the name. A PDF
is opened with pypdf: it must parse, must not be encrypted, must have between 1 and
``MAX_PDF_PAGES`` pages, and must carry no JavaScript, launch actions or embedded files (a scanner
never writes them). A photo is decoded with Pillow under a pixel limit (a decompression bomb is
refused before it is decoded), turned upright from its EXIF orientation and saved again without
its metadata: a phone's photo carries the place where it was taken, which is no business of
anyone who later downloads the copy.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

MAX_PDF_PAGES = 200
MAX_PIXELS = 60_000_000  # a 60-megapixel photo; a phone takes 12-50

_PDF_MAGIC = b"%PDF-"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Names whose presence anywhere in a PDF means it can act when opened.
_ACTIVE_PDF = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


class SignedCopyError(ValueError):
    """A file that cannot be kept as the signed copy; the message is Vietnamese, for the user."""


@dataclass(frozen=True)
class CheckedCopy:
    data: bytes  # what is kept: the PDF as sent, a photo re-encoded without metadata
    kind: str  # "pdf", "jpeg" or "png"
    extension: str
    mimetype: str
    pages: int  # pages of a PDF; 1 for a photo
    width: int | None = None
    height: int | None = None


def check_signed_copy(data: bytes, filename: str, *, max_bytes: int) -> CheckedCopy:
    """Decide what the file is and whether it can be kept; SignedCopyError with the reason."""
    if not data:
        raise SignedCopyError("Tệp rỗng (0 byte). Hãy chọn tệp quét hoặc ảnh chụp bản đã ký.")
    if len(data) > max_bytes:
        raise SignedCopyError(f"Tệp lớn hơn giới hạn {max_bytes // (1024 * 1024)} MB.")
    if data.startswith(_PDF_MAGIC) or data[:1024].find(_PDF_MAGIC) >= 0:
        return _check_pdf(data)
    if data.startswith(_JPEG_MAGIC):
        return _check_image(data, "jpeg")
    if data.startswith(_PNG_MAGIC):
        return _check_image(data, "png")
    from .upload_checks import shown_name

    raise SignedCopyError(
        f"Tệp «{shown_name(filename)}» không phải tệp PDF, ảnh JPEG hay PNG. Bản đã ký cần là "
        "tệp quét (PDF) hoặc ảnh chụp (JPEG, PNG) của danh sách có chữ ký và con dấu."
    )


def _check_pdf(data: bytes) -> CheckedCopy:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if _ACTIVE_PDF.search(data):
        raise SignedCopyError(
            "Tệp PDF có chứa mã lệnh, tệp đính kèm hoặc biểu mẫu động nên không được nhận. "
            "Hãy quét lại bản giấy thành PDF thường hoặc chụp ảnh."
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise SignedCopyError(
                "Tệp PDF được đặt mật khẩu. Hãy lưu lại bản không có mật khẩu rồi tải lên."
            )
        pages = len(reader.pages)
    except SignedCopyError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError, OSError) as exc:
        raise SignedCopyError("Tệp PDF bị hỏng, không mở được. Hãy quét lại bản giấy.") from exc
    if pages < 1:
        raise SignedCopyError("Tệp PDF không có trang nào.")
    if pages > MAX_PDF_PAGES:
        raise SignedCopyError(f"Tệp PDF có {pages} trang, quá giới hạn {MAX_PDF_PAGES} trang.")
    return CheckedCopy(data, "pdf", "pdf", "application/pdf", pages)


def _check_image(data: bytes, kind: str) -> CheckedCopy:
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise SignedCopyError(
                        f"Ảnh quá lớn ({width}×{height} điểm ảnh). Hãy chụp lại ở độ phân giải "
                        "thấp hơn."
                    )
                probe.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.load()
                upright = ImageOps.exif_transpose(img)
                out = io.BytesIO()
                if kind == "jpeg":
                    if upright.mode not in ("RGB", "L"):
                        upright = upright.convert("RGB")
                    upright.save(out, "JPEG", quality=92, optimize=True)
                else:
                    upright.save(out, "PNG", optimize=True)
                width, height = upright.size
    except SignedCopyError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise SignedCopyError("Ảnh bị hỏng, không mở được. Hãy chụp hoặc quét lại.") from exc
    mimetype = "image/jpeg" if kind == "jpeg" else "image/png"
    ext = "jpg" if kind == "jpeg" else "png"
    return CheckedCopy(out.getvalue(), kind, ext, mimetype, 1, width, height)
