"""Sex and ethnicity spellings to canonical values; unknown values are reported, never guessed."""

from __future__ import annotations

import pytest

from treem_app.domain.ethnicity import ethnic_groups, ethnicity_name, normalize_ethnicity
from treem_app.domain.sex import SEX_LABELS, normalize_sex, sex_label


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Nam", ("M", None)),
        ("nam", ("M", None)),
        ("NAM", ("M", None)),
        (" Nam ", ("M", None)),
        ("M", ("M", None)),
        ("male", ("M", None)),
        ("Trai", ("M", None)),
        ("bé trai", ("M", None)),
        ("Nữ", ("F", None)),
        ("nữ", ("F", None)),
        ("NỮ", ("F", None)),
        ("Nu", ("F", None)),
        ("nu", ("F", None)),
        ("F", ("F", None)),
        ("Female", ("F", None)),
        ("Gái", ("F", None)),
        ("gai", ("F", None)),
        ("con gái", ("F", None)),
        ("Nu\u0303", ("F", None)),
        ("n\u00f7", ("F", None)),
        ("nöõ", ("F", None)),
        (None, (None, "missing")),
        ("", (None, "missing")),
        ("  ", (None, "missing")),
        ("1", (None, "invalid")),
        (0, (None, "invalid")),
        ("N", (None, "invalid")),
        ("x", (None, "invalid")),
        ("Nam/Nữ", (None, "invalid")),
        ("khác", (None, "invalid")),
    ],
)
def test_normalize_sex(raw, expected):
    assert normalize_sex(raw) == expected


def test_sex_labels():
    assert SEX_LABELS == {"M": "Nam", "F": "Nữ"}
    assert sex_label("F") == "Nữ" and sex_label(None) == ""


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Kinh", "01"),
        ("kinh", "01"),
        ("KINH", "01"),
        ("Việt", "01"),
        ("Kinh (Việt)", "01"),
        ("dân tộc Kinh", "01"),
        ("Tày", "02"),
        ("Tay", "02"),
        ("Thái", "03"),
        ("Hoa", "04"),
        ("Khmer", "05"),
        ("Khơ-me", "05"),
        ("Khơ me", "05"),
        ("Mường", "06"),
        ("Muong", "06"),
        ("M\u00adêng", "06"),
        ("Nùng", "07"),
        ("H'Mông", "08"),
        ("Mông", "08"),
        ("Hmong", "08"),
        ("Mèo", "08"),
        ("Dao", "09"),
        ("Gia Rai", "10"),
        ("Gia-rai", "10"),
        ("Ê Đê", "12"),
        ("Ê-đê", "12"),
        ("Ede", "12"),
        ("Ba Na", "13"),
        ("Bana", "13"),
        ("Ba-na", "13"),
        ("Xơ Đăng", "14"),
        ("Chăm", "17"),
        ("Chàm", "17"),
        ("Cham", "17"),
        ("Hrê", "19"),
        ("Mnông", "20"),
        ("M'Nông", "20"),
        ("Cơ Tu", "26"),
        ("Co", "30"),
        ("Brâu", "52"),
        ("Ơ Đu", "53"),
        ("Rơ Măm", "54"),
        ("Rơ-măm", "54"),
        ("EÂ-ñeâ", "12"),
    ],
)
def test_known_ethnicities(raw, code):
    assert normalize_ethnicity(raw) == (code, None)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "missing"),
        ("", "missing"),
        ("   ", "missing"),
        ("Không rõ", "unknown"),
        ("Khác", "unknown"),
        ("01", "unknown"),
        (1, "unknown"),
        ("Người nước ngoài", "unknown"),
        ("Kinh Hoa", "unknown"),
        ("Ba", "unknown"),
        ("?", "unknown"),
        ("Jrai", "unknown"),
        ("Thổ Đà Bắc", "unknown"),
    ],
)
def test_unknown_ethnicities(raw, problem):
    assert normalize_ethnicity(raw) == (None, problem)


def test_54_groups_and_names():
    groups = ethnic_groups()
    assert len(groups) == 54
    assert sorted(groups) == [f"{i:02d}" for i in range(1, 55)]
    assert ethnicity_name("01") == "Kinh"
    assert ethnicity_name("13") == "Ba-na"
    assert ethnicity_name("99") is None
    assert ethnicity_name(None) is None


@pytest.mark.parametrize("code", [f"{i:02d}" for i in range(1, 55)])
def test_every_official_name_matches_its_code(code):
    assert normalize_ethnicity(ethnicity_name(code)) == (code, None)
