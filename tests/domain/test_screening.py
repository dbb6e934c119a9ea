"""screen_rows: every SPEC section 4 rule, positive and negative, on single rows and on sets."""

from __future__ import annotations

import datetime as dt

import pytest

from treem_app.domain.findings import (
    FIX_NOTES,
    RULE_LABELS,
    SEVERITY,
    Finding,
    Rule,
    Severity,
    event_note,
    rule_label,
)
from treem_app.domain.idnumber import make_id, province_codes
from treem_app.domain.legacy_text import to_tcvn3, to_vni
from treem_app.domain.screening import (
    SEX_LABELS,
    Fix,
    ScreenedRecord,
    screen_one,
    screen_rows,
)

TODAY = dt.date(2026, 6, 18)
D = dt.date
ID = "052315000123"  # Bình Định, girl, 2015
BASE = {
    "national_key": "TE0000000001",
    "full_name": "Nguyễn Thị An",
    "dob": D(2015, 3, 5),
    "sex": "Nữ",
    "ethnicity": "Kinh",
    "id_number": ID,
    "father_name": "Nguyễn Văn Bình",
    "mother_name": "Trần Thị Cúc",
    "guardian_name": None,
    "hamlet": "Thôn 1",
}
GAPS = [f"{i:03d}" for i in range(0, 100) if f"{i:03d}" not in province_codes()]


def rules_of(**overrides: object) -> set[Rule]:
    return {f.rule for f in screen_one({**BASE, **overrides}, TODAY).findings}


def test_base_row_is_clean():
    rec = screen_one(BASE, TODAY)
    assert rec.findings == []
    assert rec.fixes == []
    assert rec.facts == {
        "national_key": "TE0000000001",
        "full_name": "Nguyễn Thị An",
        "name_key": "nguyen thi an",
        "dob": D(2015, 3, 5),
        "dob_precision": "day",
        "sex": "F",
        "ethnicity": "01",
        "id_number": ID,
        "father_name": "Nguyễn Văn Bình",
        "mother_name": "Trần Thị Cúc",
        "guardian_name": None,
        "hamlet": "Thôn 1",
    }


P, N = True, False  # the rule fires / does not fire
CASES: list[tuple[Rule, dict, bool]] = [
    # ID_MISSING
    *[
        (Rule.ID_MISSING, {"id_number": v}, P)
        for v in (None, "", "  ", "-", "chưa có", "Không có", float("nan"), "null")
    ],
    *[
        (Rule.ID_MISSING, {"id_number": v}, N)
        for v in (ID, 52315000123, "123456789", "7.9E+11", "052 315 000 123", "abc")
    ],
    # ID_FORMAT
    *[
        (Rule.ID_FORMAT, {"id_number": v}, P)
        for v in (
            "123456789",
            123456789,
            "7.9E+11",
            7.9e11,
            "05231500012",
            "0523150001234",
            "05231500012A",
            "CCCD052315000123",
            79123456789.5,
            "abc",
            "052/315/000/123",
        )
    ],
    *[
        (Rule.ID_FORMAT, {"id_number": v}, N)
        for v in (
            ID,
            "052 315 000 123",
            "052.315.000.123",
            "052-315-000-123",
            52315000123,
            52315000123.0,
            None,
        )
    ],
    # ID_LEADING_ZERO_RESTORED
    *[
        (Rule.ID_LEADING_ZERO_RESTORED, {"id_number": v}, P)
        for v in (
            52315000123,
            52315000123.0,
            "52315000123.0",
            int(make_id("001", "F", 2015, 7)),
            float(make_id("004", "F", 2015, 99)),
            int(make_id("096", "F", 2015, 5)),
        )
    ],
    *[
        (Rule.ID_LEADING_ZERO_RESTORED, {"id_number": v}, N)
        for v in (ID, "52315000123", "05231500012", 123456789, None, "052 315 000 123")
    ],
    # ID_PROVINCE
    *[(Rule.ID_PROVINCE, {"id_number": g + ID[3:]}, P) for g in GAPS[:12]],
    *[
        (Rule.ID_PROVINCE, {"id_number": c + ID[3:]}, N)
        for c in ("001", "002", "004", "052", "079", "096", "046", "048")
    ],
    *[(Rule.ID_PROVINCE, {"id_number": v}, N) for v in ("123456789", None, "99931500012")],
    # ID_SEX_MISMATCH
    *[(Rule.ID_SEX_MISMATCH, {"sex": v}, P) for v in ("Nam", "nam", "M", "Trai", "NAM", "male")],
    *[
        (Rule.ID_SEX_MISMATCH, {"sex": v, "id_number": make_id("052", "M", 2015, 1)}, P)
        for v in ("Nữ", "nu", "F", "Gái", "NỮ", "female")
    ],
    *[(Rule.ID_SEX_MISMATCH, {"sex": v}, N) for v in ("Nữ", "F", "nu", None, "", "?")],
    *[
        (Rule.ID_SEX_MISMATCH, {"sex": "Nam", "id_number": v}, N)
        for v in (make_id("052", "M", 2015, 1), None, "123456789")
    ],
    # ID_CENTURY_MISMATCH
    *[(Rule.ID_CENTURY_MISMATCH, {"id_number": ID[:3] + d + ID[4:]}, P) for d in "14579"],
    *[
        (Rule.ID_CENTURY_MISMATCH, {"dob": v}, P)
        for v in (D(1915, 3, 5), "05/03/1915", "năm 1915", D(1915, 1, 1))
    ],
    *[
        (Rule.ID_CENTURY_MISMATCH, {"sex": "Nam", "id_number": ID[:3] + d + ID[4:]}, P)
        for d in "0468"
    ],
    *[
        (Rule.ID_CENTURY_MISMATCH, {"dob": v}, N)
        for v in (D(2015, 3, 5), "năm 2015", "03/2015", D(2015, 12, 31), None, "31/02/2015")
    ],
    *[(Rule.ID_CENTURY_MISMATCH, {"sex": "Nam", "id_number": ID[:3] + "2" + ID[4:]}, N)],
    # ID_YEAR_MISMATCH
    *[
        (Rule.ID_YEAR_MISMATCH, {"id_number": ID[:4] + yy + ID[6:]}, P)
        for yy in ("14", "16", "05", "51", "00", "99")
    ],
    *[
        (Rule.ID_YEAR_MISMATCH, {"dob": v}, P)
        for v in (D(2014, 3, 5), "năm 2016", "03/2013", 42000, "05/03/2010", D(2025, 1, 1))
    ],
    *[
        (Rule.ID_YEAR_MISMATCH, {"dob": v}, N)
        for v in (D(2015, 3, 5), "năm 2015", "03/2015", "2015-03-05", 42068, None, "abc")
    ],
    # NAME_MISSING
    *[(Rule.NAME_MISSING, {"full_name": v}, P) for v in (None, "", "   ", "\u00a0", "\t")],
    *[
        (Rule.NAME_MISSING, {"full_name": v}, N)
        for v in (
            "Nguyễn Thị An",
            "An",
            "nguyễn thị an",
            "123",
            "NguyÔn ThÞ An",
            "X Y",
            "?",
            "Lê Văn Tám",
        )
    ],
    # NAME_INVALID
    *[
        (Rule.NAME_INVALID, {"full_name": v}, P)
        for v in (
            "An",
            "Nguyễn",
            "Nguyễn Thị An 2",
            "Nguyễn Thị An1",
            "12345",
            12345,
            "Nguyễn@Thị An",
            "Nguyễn Thị An.",
            "Nguyễn (An)",
            "Trần #Bình",
            "Ng\u00b8\u00b8\u00b8 \u00b6\u00b6\u00b6\u00b6",
            "Nguyễn Hoàà",
            "Nguyễn \ufffdn",
        )
    ],
    *[
        (Rule.NAME_INVALID, {"full_name": v}, N)
        for v in (
            "Nguyễn Thị An",
            "nguyễn thị an",
            "NguyÔn ThÞ An",
            "Nguyeãn Thò An",
            "Y Bing Niê",
            "H'Hen Niê",
            "Nguyễn  Thị  An",
            "NGUYỄN THỊ AN",
            "Lê Thị Thuý",
            "Nguyễn Văn A",
            None,
            "",
        )
    ],
    # NAME_NORMALIZED
    *[
        (Rule.NAME_NORMALIZED, {"full_name": v}, P)
        for v in (
            "nguyễn thị an",
            "NGUYỄN THỊ AN",
            "  Nguyễn Thị An",
            "Nguyễn  Thị An",
            "Nguye\u0302\u0303n Thị An",
            to_tcvn3("Nguyễn Thị An"),
            to_vni("Nguyễn Thị An"),
            "Nguyễn Thị Thuý",
            "NguyÔn Thị An",
            "Nguyễn Thị Hoà",
            "Nguyá»…n Thá»‹ An",
        )
    ],
    *[
        (Rule.NAME_NORMALIZED, {"father_name": v}, P)
        for v in ("nguyễn văn bình", to_tcvn3("Nguyễn Văn Bình"))
    ],
    *[
        (Rule.NAME_NORMALIZED, {"full_name": v}, N)
        for v in (
            "Nguyễn Thị An",
            "Lê Thị Thúy",
            "Nguyễn Thị Hòa",
            "Y Bing Niê",
            "H'Hen Niê",
            "Huỳnh Thị Thủy",
            "Nguyễn Quý An",
            None,
            "",
        )
    ],
    *[(Rule.NAME_NORMALIZED, {"father_name": v}, N) for v in ("Nguyễn Văn Bình", None)],
    # DOB_MISSING
    *[
        (Rule.DOB_MISSING, {"dob": v}, P)
        for v in (None, "", " ", "-", "--", "không rõ", float("nan"))
    ],
    *[
        (Rule.DOB_MISSING, {"dob": v}, N)
        for v in (D(2015, 3, 5), "05/03/2015", "abc", "31/02/2015", "năm 2015", 42068, 0)
    ],
    # DOB_INVALID
    *[
        (Rule.DOB_INVALID, {"dob": v}, P)
        for v in (
            "31/02/2015",
            "30/02/2016",
            "29/02/2015",
            "32/01/2015",
            "00/03/2015",
            "05/13/2015",
            "abc",
            "13/2015",
            "05/03/1850",
            60,
            True,
            "2015-02-30",
        )
    ],
    *[
        (Rule.DOB_INVALID, {"dob": v}, N)
        for v in (
            D(2015, 3, 5),
            "29/02/2016",
            "05/03/2015",
            "năm 2015",
            "03/2015",
            42068,
            "ngày 5 tháng 3 năm 2015",
            None,
            "2015-03-05",
        )
    ],
    # DOB_FUTURE
    *[
        (Rule.DOB_FUTURE, {"dob": v}, P)
        for v in (
            D(2026, 6, 19),
            D(2027, 1, 1),
            "19/06/2026",
            "07/2026",
            "năm 2027",
            "2030",
            "01/01/2099",
            dt.datetime(2026, 12, 1),
            47000,
            "2026-06-30",
            "12/2026",
            "31/12/2026",
        )
    ],
    *[
        (Rule.DOB_FUTURE, {"dob": v}, N)
        for v in (D(2026, 6, 18), D(2015, 3, 5), "06/2026", "năm 2026", "18/06/2026", None, "abc")
    ],
    # DOB_PARTIAL
    *[
        (Rule.DOB_PARTIAL, {"dob": v}, P)
        for v in (
            "năm 2015",
            "Năm 2015",
            "2015",
            2015,
            "03/2015",
            "3/2015",
            "tháng 3 năm 2015",
            "2015-03",
            "3-2015",
            2015.0,
            "nam 2015",
            "tháng 3/2015",
        )
    ],
    *[
        (Rule.DOB_PARTIAL, {"dob": v}, N)
        for v in (
            D(2015, 3, 5),
            "05/03/2015",
            42068,
            "ngày 5 tháng 3 năm 2015",
            None,
            "abc",
            "31/02/2015",
        )
    ],
    # AGE_OUT_OF_SCOPE
    *[
        (Rule.AGE_OUT_OF_SCOPE, {"dob": v}, P)
        for v in (
            D(2010, 6, 18),
            D(2010, 6, 17),
            D(2009, 1, 1),
            D(2000, 1, 1),
            "18/06/2010",
            "năm 2009",
            "05/2010",
            "2008",
            D(1990, 5, 5),
            dt.datetime(2010, 6, 18),
            "01/01/2005",
            36000,
        )
    ],
    *[
        (Rule.AGE_OUT_OF_SCOPE, {"dob": v}, N)
        for v in (
            D(2010, 6, 19),
            D(2015, 3, 5),
            "năm 2010",
            "06/2010",
            "19/06/2010",
            D(2026, 6, 18),
            None,
            "abc",
        )
    ],
    # ALLOWANCE_CATEGORY_UNKNOWN (a beneficiary's category outside the shipped list)
    *[
        (Rule.ALLOWANCE_CATEGORY_UNKNOWN, {"_kind": "beneficiary", "allowance_category": v}, P)
        for v in (
            "Người cao tuổi",
            "Diện khác",
            "x",
            "Trợ cấp một lần",
            "Hộ nghèo",
            "12",
            12,
        )
    ],
    *[
        (Rule.ALLOWANCE_CATEGORY_UNKNOWN, {"_kind": "beneficiary", "allowance_category": v}, N)
        for v in (
            "Đối tượng hưởng trợ cấp bảo trợ xã hội hàng tháng",
            "đối tượng hưởng trợ cấp bảo trợ xã hội hàng tháng",
            "Trợ cấp xã hội hàng tháng",
            "Đối tượng hưởng hỗ trợ kinh phí chăm sóc, nuôi dưỡng hàng tháng",
            "Kinh phí chăm sóc, nuôi dưỡng",
            "  TRỢ CẤP BẢO TRỢ XÃ HỘI  HÀNG THÁNG ",
            None,
            "",
        )
    ],
    # a child's row never carries a category finding, whatever the column says
    (Rule.ALLOWANCE_CATEGORY_UNKNOWN, {"_kind": "child", "allowance_category": "Diện khác"}, N),
    # SEX_MISSING / SEX_INVALID
    *[(Rule.SEX_MISSING, {"sex": v}, P) for v in (None, "", " ", "\t", "\u00a0")],
    *[(Rule.SEX_MISSING, {"sex": v}, N) for v in ("Nữ", "nu", "F", "x", "1", 1, "Nam")],
    *[
        (Rule.SEX_INVALID, {"sex": v}, P)
        for v in ("x", "1", "0", 1, "N", "?", "Nam/Nữ", "khác", "Không rõ", "fem", "nữ?", "bd")
    ],
    *[
        (Rule.SEX_INVALID, {"sex": v}, N)
        for v in (
            "Nữ",
            "nữ",
            "NỮ",
            "Nu",
            "nu",
            "F",
            "f",
            "Gái",
            "female",
            "n\u00f7",
            "nöõ",
            None,
            "",
        )
    ],
    # ETHNICITY_MISSING / ETHNICITY_UNKNOWN
    *[
        (Rule.ETHNICITY_MISSING, {"ethnicity": v}, P)
        for v in (None, "", "   ", "\u00a0", "\t", " \u00a0 ")
    ],
    *[
        (Rule.ETHNICITY_MISSING, {"ethnicity": v}, N)
        for v in ("Kinh", "kinh", "Việt", "Ba Na", "Bana", "Chăm", "abc", "01")
    ],
    *[
        (Rule.ETHNICITY_UNKNOWN, {"ethnicity": v}, P)
        for v in (
            "Không rõ",
            "Khác",
            "01",
            1,
            "Kinh Hoa",
            "Ba",
            "?",
            "Jrai",
            "Người nước ngoài",
            "DT khác",
            "Thổ Đà Bắc",
            "abc",
        )
    ],
    *[
        (Rule.ETHNICITY_UNKNOWN, {"ethnicity": v}, N)
        for v in (
            "Kinh",
            "kinh",
            "KINH",
            "Việt",
            "Kinh (Việt)",
            "Ba Na",
            "Bana",
            "Chăm",
            "Chàm",
            "Hrê",
            "H'Mông",
            "Khmer",
            "Khơ-me",
            "Ê Đê",
            None,
        )
    ],
    # GUARDIAN_MISSING
    *[
        (Rule.GUARDIAN_MISSING, parents, P)
        for parents in (
            {"father_name": None, "mother_name": None, "guardian_name": None},
            {"father_name": "", "mother_name": "", "guardian_name": ""},
            {"father_name": " ", "mother_name": None, "guardian_name": "\u00a0"},
            {"father_name": None, "mother_name": "  ", "guardian_name": None},
            {"father_name": "", "mother_name": None, "guardian_name": None},
            {"father_name": None, "mother_name": "", "guardian_name": " "},
        )
    ],
    *[
        (Rule.GUARDIAN_MISSING, parents, N)
        for parents in (
            {},
            {"father_name": None},
            {"mother_name": None},
            {"father_name": None, "mother_name": None, "guardian_name": "Lê Văn Tư"},
            {"father_name": "Nguyễn Văn Bình", "mother_name": None},
            {"father_name": None, "mother_name": "Trần Thị Cúc"},
            {"father_name": "An", "mother_name": None, "guardian_name": None},
            {"father_name": to_tcvn3("Nguyễn Văn Bình"), "mother_name": None},
        )
    ],
]


@pytest.mark.parametrize(
    ("rule", "overrides", "fires"),
    CASES,
    ids=[f"{c[0]}-{'pos' if c[2] else 'neg'}-{i}" for i, c in enumerate(CASES)],
)
def test_rule(rule, overrides, fires):
    assert (rule in rules_of(**overrides)) is fires


def test_every_single_row_rule_has_a_dozen_cases_each_way():
    # The police's answers and the software's state are not screened from a row's facts
    # (tests/domain/test_police_returns, tests/domain/test_software_sync).
    police = {Rule.POLICE_MISMATCH, Rule.POLICE_NOT_FOUND, Rule.POLICE_ID_INVALID}
    police |= {Rule.SOFTWARE_NOT_UPDATED}
    single_row_rules = set(Rule) - {Rule.ID_DUPLICATE, Rule.DUPLICATE_PERSON} - police
    for rule in single_row_rules:
        pos = sum(1 for r, _o, f in CASES if r is rule and f)
        neg = sum(1 for r, _o, f in CASES if r is rule and not f)
        assert pos >= 5 and neg >= 5 and pos + neg >= 12, rule


def test_children_flag_controls_age_scope():
    row = {**BASE, "dob": D(2000, 1, 1), "id_number": make_id("052", "F", 2000, 1)}
    assert Rule.AGE_OUT_OF_SCOPE in {f.rule for f in screen_one(row, TODAY).findings}
    adults = screen_one(row, TODAY, children=False)
    assert Rule.AGE_OUT_OF_SCOPE not in {f.rule for f in adults.findings}


# --------------------------------------------------------------------------- sets of rows


def child(i: int, **overrides: object) -> dict:
    sex = "F" if i % 2 else "M"
    row = {
        **BASE,
        "national_key": f"TE{i:010d}",
        "full_name": f"Nguyễn Văn {GIVEN[i]}",
        "sex": "Nữ" if sex == "F" else "Nam",
        "id_number": make_id("052", sex, 2015, 1000 + i),
        "father_name": f"Nguyễn Văn {FATHERS[i]}",
        "mother_name": f"Trần Thị {MOTHERS[i]}",
    }
    row.update(overrides)
    return row


GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Khang",
    "Lâm",
    "Minh",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tú",
    "Vinh",
]
FATHERS = [
    "Tư",
    "Năm",
    "Sáu",
    "Bảy",
    "Tám",
    "Chín",
    "Mười",
    "Hai",
    "Ba",
    "Một",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
]
MOTHERS = [
    "Lan",
    "Huệ",
    "Cúc",
    "Mai",
    "Đào",
    "Hồng",
    "Sen",
    "Súng",
    "Trúc",
    "Thu",
    "Hạ",
    "Xuân",
    "Đông",
    "Tuyết",
]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([child(0), child(1)], {}),
        ([child(0), child(1, id_number=child(0)["id_number"])], {0: 1, 1: 0}),
        ([child(0), child(1), child(2, id_number=child(0)["id_number"])], {0: 2, 2: 0}),
        ([child(0), child(1, id_number=int(child(0)["id_number"]))], {0: 1, 1: 0}),
        ([child(0), child(1, id_number="052 215 001 000")], {0: 1, 1: 0}),
        ([child(0, id_number=None), child(1, id_number=None)], {}),
        ([child(0, id_number="123456789"), child(1, id_number="123456789")], {}),
        ([child(0, id_number=""), child(1, id_number="")], {}),
        ([child(i, id_number=ID) for i in range(3)], {0: 1, 1: 0, 2: 0}),
        ([child(0), child(1), child(2)], {}),
        ([child(3), child(3, national_key="TE9")], {0: 1, 1: 0}),
        ([child(5, id_number="999315000123"), child(6, id_number="999315000123")], {0: 1, 1: 0}),
    ],
)
def test_id_duplicate_within_the_set(rows, expected):
    result = screen_rows(rows, TODAY, detect_duplicates=False)
    got = {
        r.index: f.related
        for r in result.records
        for f in r.findings
        if f.rule is Rule.ID_DUPLICATE
    }
    assert got == expected


@pytest.mark.parametrize(
    ("registry", "row", "fires"),
    [
        ({ID: "TE-OTHER"}, {}, True),
        ({ID: "TE0000000001"}, {}, False),
        ({ID: "P-17"}, {"_owner": "P-17"}, False),
        ({ID: "P-17"}, {"_owner": "P-18"}, True),
        ({"052315000999": "TE-OTHER"}, {}, False),
        ({}, {}, False),
        ({ID: "TE-OTHER"}, {"id_number": 52315000123}, True),
        ({ID: "TE-OTHER"}, {"id_number": "052 315 000 123"}, True),
        ({ID: "TE-OTHER"}, {"id_number": None}, False),
        ({ID: 42}, {"_owner": 42}, False),
        ({ID: 42}, {"_owner": 43}, True),
        ({ID: "TE-OTHER"}, {"national_key": "TE-OTHER"}, False),
    ],
)
def test_id_duplicate_against_the_registry(registry, row, fires):
    rec = screen_rows([{**BASE, **row}], TODAY, registry_ids=registry).records[0]
    assert (Rule.ID_DUPLICATE in {f.rule for f in rec.findings}) is fires


def test_registry_owner_inside_the_set_is_not_double_counted():
    a = child(0)
    b = child(1, id_number=a["id_number"])
    registry = {a["id_number"]: a["national_key"]}
    result = screen_rows([a, b], TODAY, registry_ids=registry)
    assert [
        len([f for f in r.findings if f.rule is Rule.ID_DUPLICATE]) for r in result.records
    ] == [1, 1]


def dup_pair(**second: object) -> list[dict]:
    first = child(0)
    return [first, {**first, "national_key": "TE7777", "id_number": None, **second}]


@pytest.mark.parametrize(
    ("rows", "fires"),
    [
        (dup_pair(), True),
        (dup_pair(full_name="Nguyễn  Văn  An"), True),
        (dup_pair(full_name="nguyễn văn an"), True),
        (dup_pair(full_name=to_tcvn3("Nguyễn Văn An")), True),
        (dup_pair(full_name="Nguyễn An"), True),
        (dup_pair(father_name=None), True),
        (dup_pair(mother_name=None), True),
        (dup_pair(father_name="nguyen van tu"), True),
        (dup_pair(dob="05/03/2015"), True),
        (dup_pair(mother_name=None, father_name=None, guardian_name="Nguyễn Văn Tư"), True),
        (dup_pair(national_key="TE0000000000"), True),
        (dup_pair(dob=D(2015, 3, 6)), False),
        (dup_pair(dob="năm 2015"), False),
        (dup_pair(full_name="Nguyễn Văn Anh"), False),
        (dup_pair(full_name="Trần Văn An"), False),
        (dup_pair(father_name="Lê Văn Hùng", mother_name="Phạm Thị Hoa"), False),
        (dup_pair(father_name=None, mother_name=None), False),
        (dup_pair(sex="Nữ"), False),
        (dup_pair(full_name="Nguyễn Văn Khang"), False),
        ([child(0), child(1)], False),
        ([child(i) for i in range(10)], False),
        (dup_pair(dob=None), False),
    ],
)
def test_duplicate_person(rows, fires):
    result = screen_rows(rows, TODAY)
    flagged = {
        r.index: f.related
        for r in result.records
        for f in r.findings
        if f.rule is Rule.DUPLICATE_PERSON
    }
    assert bool(flagged) is fires
    if fires:
        assert flagged == {0: 1, 1: 0}


def test_detect_duplicates_can_be_turned_off():
    result = screen_rows(dup_pair(), TODAY, detect_duplicates=False)
    assert "DUPLICATE_PERSON" not in result.by_rule()


def test_fixes_and_findings_shape():
    row = {
        **BASE,
        "full_name": "nguyễn  thị an",
        "id_number": 52315000123,
        "father_name": to_vni("Nguyễn Văn Bình"),
        "hamlet": "Th«n 1",
    }
    rec = screen_one(row, TODAY)
    assert isinstance(rec, ScreenedRecord) and rec.index == 0
    assert rec.facts["full_name"] == "Nguyễn Thị An"
    assert rec.facts["id_number"] == ID
    assert rec.facts["father_name"] == "Nguyễn Văn Bình"
    assert rec.facts["hamlet"] == "Thôn 1"
    assert Fix("full_name", "nguyễn  thị an", "Nguyễn Thị An", Rule.NAME_NORMALIZED) in rec.fixes
    assert Fix("id_number", 52315000123, ID, Rule.ID_LEADING_ZERO_RESTORED) in rec.fixes
    assert {f.field for f in rec.findings} == {"full_name", "id_number", "father_name"}
    for f in rec.findings:
        assert isinstance(f, Finding)
        assert f.severity is SEVERITY[f.rule]
        assert f.message and f.message[0].isupper()
    assert all(f.severity is Severity.INFO for f in rec.findings)


def test_fields_of_findings():
    rec = screen_one(
        {
            **BASE,
            "father_name": None,
            "mother_name": None,
            "full_name": None,
            "dob": None,
            "sex": None,
            "ethnicity": None,
            "id_number": None,
        },
        TODAY,
    )
    assert {(str(f.rule), f.field) for f in rec.findings} == {
        ("NAME_MISSING", "full_name"),
        ("DOB_MISSING", "dob"),
        ("SEX_MISSING", "sex"),
        ("ETHNICITY_MISSING", "ethnicity"),
        ("ID_MISSING", "id_number"),
        ("GUARDIAN_MISSING", "guardians"),
    }
    assert rec.has_errors


def test_by_rule_and_labels():
    result = screen_rows([child(0), child(1, sex="?", id_number=None)], TODAY)
    assert result.by_rule() == {"ID_MISSING": 1, "SEX_INVALID": 1}
    assert sorted((i, str(f.rule)) for i, f in result.findings()) == [
        (1, "ID_MISSING"),
        (1, "SEX_INVALID"),
    ]
    assert set(RULE_LABELS) == set(Rule) == set(SEVERITY)
    assert RULE_LABELS[Rule.ID_MISSING] == "Thiếu số định danh"
    assert SEX_LABELS["F"] == "Nữ"


def test_codes_read_in_words_and_free_text_stays():
    assert rule_label("ID_MISSING") == "Thiếu số định danh"
    assert rule_label("Gộp từ hồ sơ #3") == "Gộp từ hồ sơ #3" and rule_label(None) == ""
    # A history note: what the automatic fix did, never the finding's code.
    assert event_note("NAME_NORMALIZED") == FIX_NOTES[Rule.NAME_NORMALIZED]
    assert "chuẩn hóa" in event_note("NAME_NORMALIZED")
    assert event_note("ID_FORMAT") != RULE_LABELS[Rule.ID_FORMAT]  # repaired, not wrong
    assert event_note("ID_MISSING") == "Thiếu số định danh"
    assert event_note("Danh sách số 3, dòng 7") == "Danh sách số 3, dòng 7"
    assert event_note(None) == ""
    # Every rule a fix can carry has its note.
    rec = screen_one(
        {**BASE, "full_name": "  nguyễn   thị AN ", "id_number": " 0523 1500 0123"}, TODAY
    )
    assert {f.rule for f in rec.fixes} <= set(FIX_NOTES)


def test_national_key_and_unusual_cells():
    rec = screen_one(
        {**BASE, "national_key": 12345.0, "hamlet": 3, "full_name": ["Nguyễn", "An"]}, TODAY
    )
    assert rec.facts["national_key"] == "12345"
    assert rec.facts["hamlet"] == "3"
    assert rec.facts["full_name"] is not None  # an odd cell is screened as its text
    missing = screen_one({"full_name": "Nguyễn Văn An"}, TODAY)
    assert missing.facts["id_number"] is None
    assert {
        "ID_MISSING",
        "DOB_MISSING",
        "SEX_MISSING",
        "ETHNICITY_MISSING",
        "GUARDIAN_MISSING",
    } <= missing.rules()


def test_messages_are_vietnamese_and_carry_no_names():
    rec = screen_one(
        {**BASE, "full_name": "nguyễn văn 2", "dob": "31/02/2015", "sex": "Nam"}, TODAY
    )
    for f in rec.findings:
        assert "nguyễn" not in f.message.lower()
    assert any("31/02/2015" in f.message for f in rec.findings)


@pytest.mark.parametrize(
    "dob,advice",
    [
        ("06/2020", "Ngày sinh chỉ có tháng và năm (06/2020); cần bổ sung ngày."),
        ("năm 2020", "Ngày sinh chỉ có năm (2020); cần bổ sung ngày, tháng."),
    ],
)
def test_a_partial_date_asks_for_exactly_what_is_missing(dob, advice):
    found = screen_one({"full_name": "Nguyễn Văn An", "dob": dob}, dt.date(2026, 6, 18)).findings
    assert [f.message for f in found if f.rule == Rule.DOB_PARTIAL] == [advice]
