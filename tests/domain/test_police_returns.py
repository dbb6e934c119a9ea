"""Judging one row the police returned (pure domain, issue 12)."""

import pytest

from treem_app.domain.idnumber import make_id
from treem_app.domain.police_returns import (
    Answer,
    RecordNow,
    answer_findings,
    clean_number,
    facts_digest,
    judge,
    read_result,
)

GIRL_2016 = RecordNow(person_id=1, sex="F", birth_year=2016, id_number=None, id_verified=False)
GOOD = make_id("052", "F", 2016, 4321)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Đã xác thực", "verified"),
        ("  đã   XÁC thực ", "verified"),
        ("da xac thuc", "verified"),
        ("Không khớp thông tin", "mismatch"),
        ("khong khop", "mismatch"),
        ("Không tìm thấy", "not_found"),
        ("KHONG TIM THAY", "not_found"),
        ("", None),
        (None, None),
        ("???", "unknown"),
    ],
)
def test_the_result_cell_is_read_leniently(text, expected):
    assert read_result(text) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (GOOD, (GOOD, True)),
        (int(GOOD), (GOOD, True)),  # a number cell lost the leading zero
        (float(GOOD), (GOOD, True)),
        (f"{GOOD[:3]} {GOOD[3:6]} {GOOD[6:]}", (GOOD, True)),
        (f"{GOOD[:3]}.{GOOD[3:6]}.{GOOD[6:]}", (GOOD, True)),
        ("05221", ("05221", False)),
        ("", (None, False)),
        (None, (None, False)),
        ("không", (None, False)),
    ],
)
def test_numbers_are_cleaned(raw, expected):
    assert clean_number(raw) == expected


def outcome(number, result=None, note=None, record=GIRL_2016, **kw):
    return judge(Answer(number, result, note), record, **kw)


def test_a_number_that_agrees_with_the_record_is_verified():
    o = outcome(GOOD, "Đã xác thực")
    assert (o.status, o.reason, o.number) == ("verified", None, GOOD)
    assert outcome(GOOD).status == "verified"  # the result left empty: the number speaks


def test_the_polices_negative_answers_are_rejections_with_their_note():
    o = outcome(None, "Không khớp thông tin", "Sai năm sinh")
    assert (o.status, o.reason) == ("rejected", "POLICE_MISMATCH") and "Sai năm sinh" in o.message
    assert outcome(None, "Không tìm thấy").reason == "POLICE_NOT_FOUND"
    assert outcome(GOOD, "Không tìm thấy").status == "rejected"  # their answer wins


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("12345", "ID_FORMAT"),
        ("999316004321", "ID_PROVINCE"),
        (make_id("052", "M", 2016, 1), "ID_SEX_MISMATCH"),
        (make_id("052", "F", 2015, 1), "ID_YEAR_MISMATCH"),
        ("052" + "1" + GOOD[4:], "ID_CENTURY_MISMATCH"),
    ],
)
def test_numbers_the_screening_core_refuses_are_rejected(number, reason):
    o = outcome(number, "Đã xác thực")
    assert (o.status, o.reason) == ("rejected", reason)


def test_empty_rows_stay_open_and_odd_answers_are_rejected():
    assert outcome(None).status == "empty"
    assert outcome(None, "Đã xác thực").reason == "ID_MISSING"
    assert outcome(None, "??").reason == "RESULT_UNKNOWN"


def test_conflicts():
    assert outcome(GOOD, holder=7).reason == "ID_HELD_BY_OTHER"
    assert outcome(GOOD, holder=1).status == "verified"  # the record's own number
    held = RecordNow(1, "F", 2016, make_id("052", "F", 2016, 1), True)
    assert outcome(GOOD, record=held).reason == "ID_ALREADY_VERIFIED"
    unverified = RecordNow(1, "F", 2016, make_id("052", "F", 2016, 1), False)
    assert outcome(GOOD, record=unverified).status == "verified"
    changed = RecordNow(1, "F", 2016, None, False, changed_fields=("Họ và tên",))
    o = outcome(GOOD, record=changed)
    assert o.reason == "RECORD_CHANGED" and "Họ và tên" in o.message
    assert outcome(GOOD, sheet_rows=(9,)).reason == "ID_DUPLICATE"


def test_a_negative_answer_stands_until_the_facts_change():
    facts = {"full_name": "Bùi Thùy Anh", "mother_name": "Trần Thị Hoa"}
    digest = facts_digest(facts)
    found = answer_findings("mismatch", "Sai tên mẹ.", digest, facts_digest(dict(facts)))
    assert [str(f.rule) for f in found] == ["POLICE_MISMATCH"] and found[0].severity == "error"
    changed = facts_digest({**facts, "mother_name": "Trần Thị Hòa"})
    assert answer_findings("mismatch", None, digest, changed) == []
    invalid = answer_findings("invalid", "Số sai.", digest, digest)
    assert [str(f.severity) for f in invalid] == ["warning"]
    assert answer_findings(None, None, digest, digest) == []
