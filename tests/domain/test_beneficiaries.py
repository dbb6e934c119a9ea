"""Screening by kind (issue 17): a beneficiary row against the children's rules."""

from __future__ import annotations

import datetime as dt

import pytest

from treem_app.domain.beneficiaries import (
    allowance_categories,
    amount_value,
    beneficiary_weak_keys,
    category_outcome,
    link_keys,
    needs_guardian,
)
from treem_app.domain.idnumber import make_id
from treem_app.domain.screening import screen_rows

TODAY = dt.date(2026, 6, 18)


def adult(year: int, sex: str = "Nữ", **overrides) -> dict:
    row = {
        "_kind": "beneficiary",
        "full_name": "Nguyễn Thị Lành",
        "dob": dt.date(year, 4, 12),
        "sex": sex,
        "ethnicity": "Kinh",
        "id_number": make_id("052", "F" if sex == "Nữ" else "M", year, 7),
        "allowance_category": allowance_categories()[0],
    }
    return {**row, **overrides}


def rules(row) -> set[str]:
    return {str(f.rule) for f in screen_rows([row], TODAY).records[0].findings}


@pytest.mark.parametrize("year", [1930, 1935, 1949, 1952, 1968, 1977, 1989, 1999])
def test_adults_of_every_decade_pass_with_19xx_century_digits(year):
    assert rules(adult(year)) == set()
    assert rules(adult(year, "Nam")) == set()
    # The same row as a child's: out of scope and without a guardian.
    child = {k: v for k, v in adult(year).items() if k != "_kind"}
    assert {"AGE_OUT_OF_SCOPE", "GUARDIAN_MISSING"} <= rules(child)


@pytest.mark.parametrize("d4", ["2", "3", "4", "5"])
def test_a_1950s_birth_with_a_later_century_digit_is_refused(d4):
    number = f"052{d4}55000007"
    sex = "Nữ" if int(d4) % 2 else "Nam"
    found = rules(adult(1955, sex, id_number=number))
    assert "ID_CENTURY_MISMATCH" in found and "ID_SEX_MISMATCH" not in found


def test_children_on_allowances_keep_the_guardian_rule():
    kid = adult(2016, id_number=make_id("052", "F", 2016, 9))
    assert rules(kid) == {"GUARDIAN_MISSING"}
    assert rules({**kid, "guardian_name": "Nguyễn Văn Bình"}) == set()
    assert rules({**kid, "dob": dt.date(2010, 6, 18), "id_number": None}) == {"ID_MISSING"}
    assert not needs_guardian("beneficiary", None, None, TODAY)
    assert needs_guardian("child", None, None, TODAY)


def test_mixed_sets_screen_each_row_by_its_kind():
    child = {k: v for k, v in adult(1950).items() if k != "_kind"}
    child["id_number"] = make_id("052", "F", 1950, 8)
    result = screen_rows([adult(1950), child], TODAY)
    first, second = ({str(f.rule) for f in r.findings} for r in result.records)
    assert first == set() and {"AGE_OUT_OF_SCOPE", "GUARDIAN_MISSING"} <= second
    assert "allowance_category" in result.records[0].facts
    assert "allowance_category" not in result.records[1].facts


def test_one_persons_two_records_are_not_duplicates_of_each_other():
    a = {**adult(2015), "_owner": 7, "guardian_name": "Nguyễn Văn Bình"}
    b = {**a, "_kind": "child", "_owner": 7}
    found = [{str(f.rule) for f in r.findings} for r in screen_rows([a, b], TODAY).records]
    assert found == [set(), set()]
    c = {**b, "_owner": 8}  # another person with the same number and facts
    found = [{str(f.rule) for f in r.findings} for r in screen_rows([a, c], TODAY).records]
    assert all({"ID_DUPLICATE", "DUPLICATE_PERSON"} <= f for f in found)


@pytest.mark.parametrize(
    ("raw", "value"),
    [(540000, 540000), (540000.0, 540000), ("540.000", 540000), ("1.080.000 đ", 1080000),
     ("1,080,000", 1080000), ("360000", 360000), ("abc", None), ("", None), (None, None),
     (-5, None), (12.5, None)],
)  # fmt: skip
def test_amounts(raw, value):
    assert amount_value(raw) == value


def test_categories_come_from_the_shipped_list_only():
    assert len(allowance_categories()) == 2  # the Cao Đức plan's two groups, no invented codes
    assert category_outcome("trợ cấp xã hội hàng tháng")[0] == allowance_categories()[0]
    value, found = category_outcome("Người cao tuổi")
    assert value == "Người cao tuổi" and [str(f.rule) for f in found] == [
        "ALLOWANCE_CATEGORY_UNKNOWN"
    ]


def test_link_and_reimport_keys():
    facts = {"name_key": "pham thi hoa", "dob": dt.date(2015, 3, 5), "id_number": "052315000555",
             "national_key": "DT1", "guardian_name": "Phạm Văn Sơn"}  # fmt: skip
    keys = link_keys(facts)
    assert keys[0] == ("id_number", "052315000555")
    assert all(k[0] != "national_key" for k in keys)  # another software's key space
    assert ("name_dob", ("pham thi hoa", dt.date(2015, 3, 5))) in beneficiary_weak_keys(facts)
