"""The signed copy's checks: scans and photos kept, anything else refused (issue 12)."""

import io

import pytest
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from treem_app.files.signed_copy import SignedCopyError, check_signed_copy

MB = 1024 * 1024


def pdf_bytes(pages: int = 2, *, password: str | None = None, script: bool = False) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    if script:  # an action run on opening, as a hostile file would carry
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('x');"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = action
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def photo_bytes(*, orientation: int | None = None, gps: bool = False, fmt="JPEG") -> bytes:
    img = Image.new("RGB", (40, 20), (250, 250, 250))
    img.paste((200, 0, 0), (0, 0, 10, 20))  # a red band on the left
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (21.0, 1.0, 2.0), 3: "E", 4: (105.0, 50.0, 1.0)}
    out = io.BytesIO()
    img.save(out, fmt, exif=exif.tobytes()) if (orientation or gps) else img.save(out, fmt)
    return out.getvalue()


def test_a_scanned_pdf_is_kept_as_sent_with_its_pages():
    data = pdf_bytes(3)
    copy = check_signed_copy(data, "scan.pdf", max_bytes=MB)
    assert (copy.kind, copy.pages, copy.mimetype) == ("pdf", 3, "application/pdf")
    assert copy.data == data


def test_a_photo_is_turned_upright_and_loses_its_location():
    data = photo_bytes(orientation=6, gps=True)
    assert Image.open(io.BytesIO(data)).getexif().get(0x8825) is not None
    copy = check_signed_copy(data, "IMG_0001.JPG", max_bytes=MB)
    assert copy.kind == "jpeg" and copy.extension == "jpg"
    kept = Image.open(io.BytesIO(copy.data))
    assert kept.size == (20, 40)  # rotated by its EXIF orientation
    assert not kept.getexif()  # no GPS, no orientation left to misread
    assert kept.getpixel((10, 2))[0] > 150  # the red band is now on top
    png = check_signed_copy(photo_bytes(fmt="PNG"), "chup.png", max_bytes=MB)
    assert png.kind == "png" and (png.width, png.height) == (40, 20)


@pytest.mark.parametrize(
    "data, name, words",
    [
        (b"", "x.pdf", "Tệp rỗng"),
        (b"PK\x03\x04" + b"\x00" * 200, "ban-ky.pdf", "không phải tệp PDF, ảnh JPEG hay PNG"),
        (b"<html><body>hi</body></html>", "ban-ky.jpg", "không phải tệp PDF"),
        (b"%PDF-1.7\n garbage that is not a pdf", "hong.pdf", "Tệp PDF bị hỏng"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 50, "hong.jpg", "Ảnh bị hỏng"),
    ],
)
def test_what_is_not_a_scan_or_photo_is_refused_in_vietnamese(data, name, words):
    with pytest.raises(SignedCopyError, match=words):
        check_signed_copy(data, name, max_bytes=MB)


def test_active_encrypted_oversized_and_bomb_files_are_refused():
    with pytest.raises(SignedCopyError, match="mã lệnh"):
        check_signed_copy(pdf_bytes(script=True), "a.pdf", max_bytes=MB)
    with pytest.raises(SignedCopyError, match="mật khẩu"):
        check_signed_copy(pdf_bytes(password="x"), "a.pdf", max_bytes=MB)
    with pytest.raises(SignedCopyError, match="giới hạn 1 MB"):
        check_signed_copy(b"%PDF-" + b"0" * MB, "a.pdf", max_bytes=MB)
    # 8,000 x 8,000 pixels of one bit: a few kilobytes that would decode to 64 megapixels.
    big = io.BytesIO()
    Image.new("1", (8000, 8000)).save(big, "PNG")
    assert len(big.getvalue()) < 100_000
    with pytest.raises(SignedCopyError, match="Ảnh quá lớn"):
        check_signed_copy(big.getvalue(), "to.png", max_bytes=MB)
