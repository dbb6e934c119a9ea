"""Duplicate candidates and merge keys (matching.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from treem_app.domain.matching import (
    block_key,
    duplicate_reason,
    find_duplicate_ids,
    find_duplicate_persons,
    merge_keys,
)

D = dt.date
A = {
    "national_key": "TE1",
    "name_key": "nguyen van an",
    "dob": D(2015, 3, 5),
    "dob_precision": "day",
    "sex": "M",
    "father_name": "Nguyễn Văn Tư",
    "mother_name": "Trần Thị Lan",
    "guardian_name": None,
    "id_number": "052215001000",
}


@pytest.mark.parametrize(
    ("other", "reason"),
    [
        ({}, "same_name_dob_parent"),
        ({"mother_name": None}, "same_name_dob_parent"),
        ({"father_name": "NGUYEN VAN TU", "mother_name": None}, "same_name_dob_parent"),
        (
            {"father_name": None, "guardian_name": "Trần Thị Lan", "mother_name": None},
            "same_name_dob_parent",
        ),
        ({"name_key": "nguyen an"}, "similar_name_dob_parent"),
        ({"name_key": "nguyen van minh an"}, "similar_name_dob_parent"),
        ({"national_key": "TE1", "name_key": "x y"}, "same_national_key"),
        ({"name_key": "nguyen van anh"}, None),
        ({"name_key": "tran van an"}, None),
        ({"dob": D(2015, 3, 6)}, None),
        ({"dob_precision": "year"}, None),
        ({"sex": "F"}, None),
        ({"father_name": "Lê Văn Hùng", "mother_name": "Phạm Thị Mai"}, None),
        ({"father_name": None, "mother_name": None}, None),
        ({"name_key": None}, None),
    ],
)
def test_duplicate_reason(other, reason):
    b = {**A, "national_key": "TE2", **other}
    assert duplicate_reason(A, b) == reason


def test_find_duplicate_persons_blocks_and_pairs():
    records = [
        A,
        {**A, "national_key": "TE2"},
        {**A, "national_key": "TE3", "dob": None},
        {**A, "national_key": "TE4", "name_key": "le van an"},
        {**A, "national_key": "TE5", "mother_name": "Trần  Thị   Lan", "father_name": None},
    ]
    assert find_duplicate_persons(records) == [
        (0, 1, "same_name_dob_parent"),
        (0, 4, "same_name_dob_parent"),
        (1, 4, "same_name_dob_parent"),
    ]


def test_block_key():
    assert block_key(A) == (D(2015, 3, 5), "day", "an")
    assert block_key({**A, "dob": None}) is None


def test_find_duplicate_ids():
    assert find_duplicate_ids(["1", None, "2", "1", "1"]) == {3: 0, 0: 3, 4: 0}
    assert find_duplicate_ids([None, None, ""]) == {}


def test_merge_keys():
    keys = merge_keys(A)
    assert keys[0] == ("national_key", "TE1")
    assert keys[1] == ("id_number", "052215001000")
    assert ("name_dob_parent", ("nguyen van an", D(2015, 3, 5), "nguyen van tu")) in keys
    assert merge_keys({"id_number": "123456789"}) == []


def test_scales_linearly_on_a_large_set():
    records = [
        {
            **A,
            "national_key": f"TE{i}",
            "name_key": f"nguyen van {i}",
            "dob": D(2000, 1, 1) + dt.timedelta(days=i % 5000),
        }
        for i in range(20000)
    ]
    assert find_duplicate_persons(records) == []
