"""The 12-digit personal identification number (số định danh cá nhân, CCCD).

Layout (``reference/id_number_structure.md`` section 1, Điều 13 NĐ 137/2015, Điều 7 TT 07/2016):
digits 1-3 are the province where the birth was registered (``province_codes.csv``), digit 4 is
century + sex (even = male, odd = female; 0/1 = 1900s, 2/3 = 2000s, ...), digits 5-6 are the last
two digits of the year of birth, digits 7-12 are random. There is no check digit, so a well-formed
number cannot be verified offline.

SPEC section 4 makes an unknown province prefix an error (``ID_PROVINCE``); the reference notes
that prefixes outside the 63-code list could in principle be country codes of births registered
abroad (list not published), so the message says so instead of calling the number fake.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

from treem_app.domain._reference import read_csv
from treem_app.domain.findings import Finding, Rule, finding

ID_LENGTH = 12
_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015_]+")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_FLOAT_TEXT = re.compile(r"^(\d{1,12})[.,]0+$")
_PLACEHOLDERS = frozenset(
    {
        "không",
        "không có",
        "chưa có",
        "chưa",
        "khong",
        "khong co",
        "chua co",
        "chua",
        "n/a",
        "na",
        "null",
        "none",
        "x",
        "0",
    }
)


@functools.cache
def province_codes() -> dict[str, str]:
    """The 63 birth-registration province codes (3 digits) and their names (pre-2025 list)."""
    return {row["id_code_3digit"]: row["province_name"] for row in read_csv("province_codes.csv")}


@functools.cache
def _province_set() -> frozenset[str]:
    return frozenset(province_codes())


@dataclass(frozen=True, slots=True)
class CleanedId:
    """The outcome of cleaning one raw ID cell.

    ``value`` is the 12-digit number when cleanable, else the cleaned raw text (nothing is lost),
    None when the cell is empty; ``ok`` says it is exactly 12 ASCII digits; ``findings`` holds
    ID_MISSING / ID_FORMAT / ID_LEADING_ZERO_RESTORED; ``changed`` says ``value`` differs from the
    raw text (separators removed, zeros restored).
    """

    value: str | None
    ok: bool
    findings: tuple[Finding, ...]
    changed: bool


_MISSING = CleanedId(
    None, False, (finding(Rule.ID_MISSING, "id_number", "Chưa có số định danh cá nhân."),), False
)


def _format_error(value: str, message: str) -> CleanedId:
    return CleanedId(value, False, (finding(Rule.ID_FORMAT, "id_number", message),), False)


def _from_number(digits: str, shown: str) -> CleanedId:
    """A numeric cell: Excel dropped the leading zeros (every province code starts with 0)."""
    if len(digits) >= 10 and len(digits.rstrip("0")) <= 6:
        return _format_error(
            shown,
            f"Số định danh '{shown}' đã bị Excel làm tròn "
            "(dạng 7,9E+11), các chữ số cuối đã mất; cần nhập lại.",
        )
    if len(digits) in (10, 11):
        value = digits.zfill(ID_LENGTH)
        added = ID_LENGTH - len(digits)
        return CleanedId(
            value,
            True,
            (
                finding(
                    Rule.ID_LEADING_ZERO_RESTORED,
                    "id_number",
                    f"Ô số định danh ở dạng số nên mất {added} số 0 ở đầu; "
                    f"đã bổ sung thành {value}.",
                ),
            ),
            True,
        )
    if len(digits) == ID_LENGTH:
        return CleanedId(digits, True, (), False)
    return _length_error(digits)


def _length_error(digits: str) -> CleanedId:
    if len(digits) == 9:
        return _format_error(
            digits,
            f"Số '{digits}' có 9 chữ số (CMND cũ), không phải số định danh cá nhân 12 chữ số.",
        )
    return _format_error(
        digits, f"Số định danh '{digits}' có {len(digits)} chữ số; cần đúng 12 chữ số."
    )


def clean_id(raw: object) -> CleanedId:
    """Clean a raw ID cell: separators, leading zeros of numeric cells, Excel-rounded numbers."""
    if raw is None:
        return _MISSING
    if isinstance(raw, bool):
        return _format_error(str(raw), f"Số định danh '{raw}' không phải dãy chữ số.")
    if isinstance(raw, int):
        if raw < 0:
            return _format_error(str(raw), f"Số định danh '{raw}' không phải dãy chữ số.")
        return _from_number(str(raw), str(raw))
    if isinstance(raw, float):
        if math.isnan(raw):
            return _MISSING
        if not raw.is_integer() or raw < 0 or raw >= 10**ID_LENGTH:
            return _format_error(
                repr(raw),
                f"Số định danh '{raw}' bị lưu dạng số thập phân, không phải dãy 12 chữ số.",
            )
        return _from_number(str(int(raw)), f"{raw:.12g}")
    text = str(raw).strip().lstrip("'").strip()
    if text.isascii() and len(text) == ID_LENGTH and text.isdigit():
        return CleanedId(text, True, (), text != raw)
    if not text or text.lower() in _PLACEHOLDERS:
        return _MISSING
    if _SCIENTIFIC.match(text):
        return _format_error(
            text,
            f"Số định danh '{text}' đã bị Excel làm tròn (dạng khoa học), "
            "các chữ số cuối đã mất; cần nhập lại.",
        )
    m = _FLOAT_TEXT.match(text)
    if m:  # "79123456789.0": a number written out by a CSV export
        result = _from_number(m.group(1), text)
        return CleanedId(result.value, result.ok, result.findings, result.value != raw)
    cleaned = _SEPARATORS.sub("", text)
    if not cleaned:
        return _MISSING
    if cleaned.isascii() and cleaned.isdigit():
        if len(cleaned) == ID_LENGTH:
            return CleanedId(cleaned, True, (), cleaned != raw)
        return _length_error(cleaned)
    return _format_error(
        cleaned, f"Số định danh '{cleaned}' có ký tự không phải chữ số (chỉ được gồm 12 chữ số)."
    )


@dataclass(frozen=True, slots=True)
class IdParts:
    """What digits 1-6 of a well-formed number say."""

    province_code: str
    province_name: str | None
    sex: str  # "M" | "F"
    year: int


def decode_id(id_number: str) -> IdParts | None:
    """Read province, sex and year of birth from a 12-digit number, or None if malformed."""
    if not (len(id_number) == ID_LENGTH and id_number.isascii() and id_number.isdigit()):
        return None
    d4 = int(id_number[3])
    year = 1900 + 100 * (d4 // 2) + int(id_number[4:6])
    code = id_number[:3]
    return IdParts(code, province_codes().get(code), "F" if d4 % 2 else "M", year)


class IdPrefixes(dict):
    """(known province?, female?, year of birth) per 6-digit prefix, computed on first use.

    Screening asks this cache first and calls :func:`check_id` only when a number disagrees.
    """

    __slots__ = ("provinces",)

    def __init__(self) -> None:
        super().__init__()
        self.provinces = _province_set()

    def __missing__(self, prefix: str) -> tuple[bool, bool, int]:
        d4 = ord(prefix[3]) - 48
        out = self[prefix] = (
            prefix[:3] in self.provinces,
            bool(d4 & 1),
            1900 + 100 * (d4 >> 1) + int(prefix[4:6]),
        )
        return out


def check_id(id_number: str, sex: str | None, birth_year: int | None) -> list[Finding]:
    """Check a 12-digit number's province, sex digit, century digit and year digits."""
    out: list[Finding] = []
    code = id_number[:3]
    if code not in _province_set():
        out.append(
            finding(
                Rule.ID_PROVINCE,
                "id_number",
                f"Ba chữ số đầu '{code}' không phải mã tỉnh nơi đăng ký khai sinh "
                "(danh mục 63 mã, TT 07/2016/TT-BCA).",
            )
        )
    d4 = ord(id_number[3]) - 48
    if sex is not None and (d4 & 1) != (sex == "F"):
        out.append(
            finding(
                Rule.ID_SEX_MISMATCH,
                "id_number",
                f"Chữ số thứ 4 ('{d4}') ứng với giới tính {'Nữ' if d4 & 1 else 'Nam'} "
                f"nhưng hồ sơ ghi {'Nữ' if sex == 'F' else 'Nam'}.",
            )
        )
    if birth_year is not None:
        start = 1900 + 100 * (d4 // 2)
        if not start <= birth_year < start + 100:
            out.append(
                finding(
                    Rule.ID_CENTURY_MISMATCH,
                    "id_number",
                    f"Chữ số thứ 4 ('{d4}') ứng với người sinh {start}–{start + 99} "
                    f"nhưng năm sinh ghi là {birth_year}.",
                )
            )
        if int(id_number[4:6]) != birth_year % 100:
            out.append(
                finding(
                    Rule.ID_YEAR_MISMATCH,
                    "id_number",
                    f"Chữ số thứ 5–6 ('{id_number[4:6]}') không khớp năm sinh {birth_year}.",
                )
            )
    return out


def make_id(province_code3: str, sex: str, year: int, serial: int) -> str:
    """Build a well-formed 12-digit number (for synthetic data and tests)."""
    if not (len(province_code3) == 3 and province_code3.isdigit()):
        raise ValueError("province_code3 must be 3 digits")
    if sex not in ("M", "F"):
        raise ValueError('sex must be "M" or "F"')
    if not 1900 <= year <= 2399:
        raise ValueError("year must be within 1900-2399")
    if not 0 <= serial < 10**6:
        raise ValueError("serial must be within 0-999999")
    d4 = 2 * ((year - 1900) // 100) + (1 if sex == "F" else 0)
    return f"{province_code3}{d4}{year % 100:02d}{serial:06d}"


def explain_id(id_number: str) -> str:
    """Explain a number in Vietnamese ("Nữ, sinh năm 2015, đăng ký khai sinh tại Bình Định")."""
    cleaned = clean_id(id_number)
    value = cleaned.value or ""
    if not cleaned.ok:
        if value.isdigit() and len(value) == 9:
            return (
                "Số CMND cũ 9 chữ số: không đọc được nơi đăng ký khai sinh, giới tính hay năm sinh."
            )
        return "Không phải số định danh cá nhân 12 chữ số."
    parts = decode_id(value)
    assert parts is not None
    sex = "Nữ" if parts.sex == "F" else "Nam"
    if parts.province_name is None:
        place = (
            f"mã nơi đăng ký khai sinh {parts.province_code} không có trong danh mục "
            "63 tỉnh (có thể là mã quốc gia khi khai sinh ở nước ngoài)"
        )
    else:
        place = f"đăng ký khai sinh tại {parts.province_name}"
        if parts.year >= 2025:
            # Which table applies to births registered after 2025-07-01 is unverified
            # (id_number_structure.md, "2025 province merger").
            place += " (theo danh mục mã tỉnh trước 01/07/2025)"
    return f"{sex}, sinh năm {parts.year}, {place}"


def looks_like_id(value: object) -> bool:
    """Whether a stored value has the shape of a personal ID number (12 digits)."""
    return isinstance(value, str) and len(value) == ID_LENGTH and value.isdigit()
