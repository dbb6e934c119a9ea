"""ID numbers: cleaning, the digit rules, explanations (reference/id_number_structure.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treem_app.domain.findings import Rule
from treem_app.domain.idnumber import (
    check_id,
    clean_id,
    decode_id,
    explain_id,
    make_id,
    province_codes,
)

VALID = "052315000123"  # Bình Định, girl, 2015


@pytest.mark.parametrize(
    ("raw", "value", "rules"),
    [
        (VALID, VALID, set()),
        (f" {VALID} ", VALID, set()),
        ("052 315 000 123", VALID, set()),
        ("052.315.000.123", VALID, set()),
        ("052-315-000-123", VALID, set()),
        ("'052315000123", VALID, set()),
        ("052\u00a0315000123", VALID, set()),
        (52315000123, VALID, {Rule.ID_LEADING_ZERO_RESTORED}),
        (1215000123, "001215000123", {Rule.ID_LEADING_ZERO_RESTORED}),
        (52315000123.0, VALID, {Rule.ID_LEADING_ZERO_RESTORED}),
        (79123456789.0, "079123456789", {Rule.ID_LEADING_ZERO_RESTORED}),
        ("79123456789.0", "079123456789", {Rule.ID_LEADING_ZERO_RESTORED}),
        (None, None, {Rule.ID_MISSING}),
        ("", None, {Rule.ID_MISSING}),
        ("   ", None, {Rule.ID_MISSING}),
        ("-", None, {Rule.ID_MISSING}),
        ("chưa có", None, {Rule.ID_MISSING}),
        (float("nan"), None, {Rule.ID_MISSING}),
        ("123456789", "123456789", {Rule.ID_FORMAT}),
        (123456789, "123456789", {Rule.ID_FORMAT}),
        ("7.9E+11", "7.9E+11", {Rule.ID_FORMAT}),
        ("7,91235E+11", "7,91235E+11", {Rule.ID_FORMAT}),
        (7.9e11, "790000000000", {Rule.ID_FORMAT}),
        (790000000000, "790000000000", {Rule.ID_FORMAT}),
        (79123456789.5, "79123456789.5", {Rule.ID_FORMAT}),
        ("05231500012", "05231500012", {Rule.ID_FORMAT}),
        ("0523150001234", "0523150001234", {Rule.ID_FORMAT}),
        ("05231500012A", "05231500012A", {Rule.ID_FORMAT}),
        ("CCCD052315000123", "CCCD052315000123", {Rule.ID_FORMAT}),
        ("０５２３１５０００１２３", "０５２３１５０００１２３", {Rule.ID_FORMAT}),
        (True, "True", {Rule.ID_FORMAT}),
        (-5, "-5", {Rule.ID_FORMAT}),
    ],
)
def test_clean_id(raw, value, rules):
    cleaned = clean_id(raw)
    assert cleaned.value == value
    assert {f.rule for f in cleaned.findings} == rules
    assert cleaned.ok == (
        value is not None
        and len(value) == 12
        and value.isdigit()
        and value.isascii()
        and Rule.ID_FORMAT not in rules
    )


def test_clean_id_marks_changes():
    assert not clean_id(VALID).changed
    assert clean_id("052 315 000 123").changed
    assert clean_id(52315000123).changed


@pytest.mark.parametrize(
    ("idn", "sex", "year", "rules"),
    [
        (VALID, "F", 2015, set()),
        (VALID, None, None, set()),
        (VALID, "M", 2015, {Rule.ID_SEX_MISMATCH}),
        (VALID, "F", 2014, {Rule.ID_YEAR_MISMATCH}),
        (VALID, "F", 1915, {Rule.ID_CENTURY_MISMATCH}),
        (VALID, "M", 1914, {Rule.ID_SEX_MISMATCH, Rule.ID_CENTURY_MISMATCH, Rule.ID_YEAR_MISMATCH}),
        ("052215000123", "M", 2015, set()),
        ("052015000123", "M", 1915, set()),
        ("052115000123", "F", 1915, set()),
        ("052015000123", "M", 2015, {Rule.ID_CENTURY_MISMATCH}),
        ("099315000123", "F", 2015, {Rule.ID_PROVINCE}),
        ("003315000123", "F", 2015, {Rule.ID_PROVINCE}),
        ("000315000123", "F", 2015, {Rule.ID_PROVINCE}),
        ("001215000123", "M", 2015, set()),
        ("096315000123", "F", 2015, set()),
        ("079320000001", "F", 2020, set()),
        ("079320000001", "F", 2021, {Rule.ID_YEAR_MISMATCH}),
        ("079420000001", "M", 2120, set()),
    ],
)
def test_check_id(idn, sex, year, rules):
    assert {f.rule for f in check_id(idn, sex, year)} == rules


def test_province_codes_are_the_63_reference_codes():
    codes = province_codes()
    assert len(codes) == 63
    assert codes["001"] == "Hà Nội" and codes["052"] == "Bình Định" and codes["096"] == "Cà Mau"
    assert "003" not in codes


@pytest.mark.parametrize(
    ("idn", "text"),
    [
        (VALID, "Nữ, sinh năm 2015, đăng ký khai sinh tại Bình Định"),
        ("001210000001", "Nam, sinh năm 2010, đăng ký khai sinh tại Hà Nội"),
        ("079098000001", "Nam, sinh năm 1998, đăng ký khai sinh tại Hồ Chí Minh"),
        (
            "052325000001",
            "Nữ, sinh năm 2025, đăng ký khai sinh tại Bình Định (theo danh mục mã "
            "tỉnh trước 01/07/2025)",
        ),
        (
            "123456789",
            "Số CMND cũ 9 chữ số: không đọc được nơi đăng ký khai sinh, giới tính hay năm sinh.",
        ),
        ("abc", "Không phải số định danh cá nhân 12 chữ số."),
    ],
)
def test_explain_id(idn, text):
    assert explain_id(idn) == text


def test_explain_unknown_prefix_mentions_country_codes():
    assert "099" in explain_id("099315000123")
    assert "quốc gia" in explain_id("099315000123")


def test_decode_id():
    parts = decode_id(VALID)
    assert parts is not None
    assert (parts.province_code, parts.province_name, parts.sex, parts.year) == (
        "052",
        "Bình Định",
        "F",
        2015,
    )
    assert decode_id("12345") is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("052", "F", 2015, 123), VALID),
        (("001", "M", 2010, 1), "001210000001"),
        (("079", "M", 1998, 999999), "079098999999"),
        (("079", "F", 1900, 0), "079100000000"),
        (("079", "M", 2100, 5), "079400000005"),
    ],
)
def test_make_id(args, expected):
    assert make_id(*args) == expected


@pytest.mark.parametrize(
    "args",
    [
        ("52", "F", 2015, 1),
        ("052", "X", 2015, 1),
        ("052", "F", 1899, 1),
        ("052", "F", 2015, 10**6),
        ("052", "F", 2015, -1),
        ("05a", "M", 2015, 1),
    ],
)
def test_make_id_rejects_bad_input(args):
    with pytest.raises(ValueError):
        make_id(*args)


# --------------------------------------------------------------------------- properties

provinces = st.sampled_from(sorted(province_codes()))
sexes = st.sampled_from(["M", "F"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2399, 12, 31))
serials = st.integers(min_value=0, max_value=999_999)


@settings(max_examples=200, deadline=None)
@given(provinces, sexes, births, serials)
def test_generated_id_passes(code, sex, dob, serial):
    idn = make_id(code, sex, dob.year, serial)
    cleaned = clean_id(idn)
    assert cleaned.ok and not cleaned.findings
    assert check_id(idn, sex, dob.year) == []
    parts = decode_id(idn)
    assert parts is not None and (parts.sex, parts.year) == (sex, dob.year)


@settings(max_examples=200, deadline=None)
@given(provinces, sexes, births, serials, st.sampled_from([3, 4, 5]), st.integers(1, 9))
def test_changing_digit_4_5_or_6_trips_the_right_rule(code, sex, dob, serial, pos, delta):
    idn = make_id(code, sex, dob.year, serial)
    digit = (int(idn[pos]) + delta) % 10
    changed = idn[:pos] + str(digit) + idn[pos + 1 :]
    rules = {f.rule for f in check_id(changed, sex, dob.year)}
    if pos == 3:  # century + sex digit
        old = int(idn[3])
        expected = set()
        if digit % 2 != old % 2:
            expected.add(Rule.ID_SEX_MISMATCH)
        if digit // 2 != old // 2:
            expected.add(Rule.ID_CENTURY_MISMATCH)
        assert rules == expected
    else:  # a year digit
        assert rules == {Rule.ID_YEAR_MISMATCH}
