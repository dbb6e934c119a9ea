import pytest

from treem_app.files.headers import (
    column_letter,
    detect_header,
    fold,
    mapping_differences,
    match_header,
)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("Họ và tên", "full_name"),
        ("Họ tên trẻ", "full_name"),
        ("Ho va ten", "full_name"),
        ("HỌ VÀ TÊN TRẺ EM", "full_name"),
        ("Ngày sinh", "dob"),
        ("Ngày, tháng, năm sinh", "dob"),
        ("Ngay thang nam sinh", "dob"),
        ("Số định danh cá nhân", "id_number"),
        ("Số CCCD", "id_number"),
        ("Số ĐDCN", "id_number"),
        ("Số ĐDCN/CCCD", "id_number"),
        ("Mã định danh", "id_number"),
        ("Họ tên cha", "father_name"),
        ("Họ và tên mẹ", "mother_name"),
        ("Họ tên người giám hộ", "guardian_name"),
        ("Cha", "father_name"),
        ("Mẹ", "mother_name"),
        ("Thôn", "hamlet"),
        ("Xóm", "hamlet"),
        ("Ấp", "hamlet"),
        ("Tổ dân phố", "hamlet"),
        ("Thôn/Xóm", "hamlet"),
        ("Mã trẻ em", "national_key"),
        ("Mã hồ sơ", "national_key"),
        ("Giới tính", "sex"),
        ("Dân tộc", "ethnicity"),
        ("STT", None),
        ("Ghi chú", None),
        ("Họ tên cha, mẹ, người giám hộ", None),
        ("Số điện thoại", None),
    ],
)
def test_headers_are_recognised_in_many_spellings(text, field):
    assert match_header(text) == field


def test_fold_removes_diacritics_and_punctuation():
    assert fold("  Số ĐDCN/CCCD ") == "so ddcn cccd"


def test_title_rows_and_a_merged_two_row_header():
    preview = [
        ["UBND XÃ PHƯỚC HƯNG", "", "", "", "", "", ""],
        ["DANH SÁCH TRẺ EM", "", "", "", "", "", ""],
        ["", "", "", "", "", "", ""],
        ["STT", "Họ và tên trẻ", "Ngày sinh", "Số ĐDCN", "Họ tên cha, mẹ, người giám hộ", "", ""],
        ["", "", "", "", "Cha", "Mẹ", "Người giám hộ"],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"],
        [1, "Nguyễn Văn An", "05/03/2015", "052215000123", "Nguyễn Văn Bình", "", ""],
    ]
    merged = [((1, 0), (1, 6)), ((3, 1), (4, 1)), ((3, 2), (4, 2)), ((3, 4), (3, 6))]
    guess = detect_header(preview, merged)
    assert guess.header_row == 3
    assert guess.data_start == 6  # the numbering row is skipped
    assert guess.mapping == {
        1: "full_name",
        2: "dob",
        3: "id_number",
        4: "father_name",
        5: "mother_name",
        6: "guardian_name",
    }


def test_no_header_gives_none():
    assert detect_header([["Báo cáo tháng 6"], ["a", "b", "c"], [1, 2, 3]]) is None


def test_differences_name_renamed_added_and_gone_columns():
    old = ["STT", "Họ và tên", "Ngày sinh", "Dân tộc"]
    new = ["STT", "Họ tên trẻ", "Ngày sinh", "", "Ghi chú"]
    notes = mapping_differences(old, new)
    assert any("đổi từ «Họ và tên» thành «Họ tên trẻ»" in n for n in notes)
    assert any("«Dân tộc» không còn" in n for n in notes)
    assert any("cột mới «Ghi chú»" in n for n in notes)
    assert mapping_differences(old, list(old)) == []


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27)] == ["A", "Z", "AA", "AB"]


def test_differences_follow_the_headers_not_the_positions():
    old = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số định danh", "Họ tên cha",
           "Họ tên mẹ", "Người giám hộ", "Ghi chú", "Thôn/Xóm"]  # fmt: skip
    new = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số định danh", "Họ tên cha",
           "Họ tên mẹ", "Thôn"]  # fmt: skip
    notes = mapping_differences(
        old, new, {1: "full_name", 10: "hamlet"}, {1: "full_name", 8: "hamlet"}
    )
    # "Thôn" (column I) is the old "Thôn/Xóm" (column K), mapped to the same field: renamed,
    # not gone; the columns that only moved are not reported as renamed.
    assert "Cột I: tên cột đổi từ «Thôn/Xóm» thành «Thôn»." in notes
    assert not any("Thôn/Xóm» không còn" in n for n in notes)
    assert any("«Người giám hộ» không còn trong tệp (trước đây ở cột I)" in n for n in notes)
    assert any("«Ghi chú» không còn trong tệp (trước đây ở cột J)" in n for n in notes)
    assert len(notes) == 3
    shifted = mapping_differences(["STT", "Họ và tên"], ["STT", "Mã", "Họ và tên"])
    assert shifted == [
        "Cột B: cột mới «Mã».",
        "Cột C: «Họ và tên» đã đổi vị trí (trước đây ở cột B).",
    ]
