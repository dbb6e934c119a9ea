"""The password policy (issue 16, accounts): length, not the user name, not a common password."""

import pytest

from treem_app.demo import demo_password
from treem_app.domain.passwords import COMMON, MIN_LENGTH, folded, password_problem
from treem_app.services.accounts import one_time_password

from ..conftest import TEST_PASSWORD


@pytest.mark.parametrize(
    ("password", "username", "words"),
    [
        ("ngan-1", None, "ít nhất 10 ký tự"),
        ("a1" * 4 + "b", None, "ít nhất 10 ký tự"),
        ("1234567890123", None, "cả chữ và số"),
        ("chicochuthoima", None, "cả chữ và số"),
        ("canbo.phuochung-1", "canbo.phuochung", "tên đăng nhập"),
        ("CanBo-PhuocHung#2024", "canbo.phuochung", "tên đăng nhập"),
        ("123456789a", None, "quá phổ biến"),
        ("matkhau123", None, "quá phổ biến"),
        ("Mật-Khẩu-2024", None, "quá phổ biến"),
        ("anhyeuem2024", None, "quá phổ biến"),
        ("2024anhyeuem", None, "quá phổ biến"),
        ("EmYeuAnh!!99", None, "quá phổ biến"),
        ("password12345", None, "quá phổ biến"),
        ("Qwerty123456", None, "quá phổ biến"),
        ("vietnamvodich1", None, "quá phổ biến"),
        ("1q2w3e4r5t", None, "quá phổ biến"),
        ("aaaa1111aa", None, "quá đơn giản"),
    ],
)
def test_a_weak_password_is_refused_in_vietnamese(password, username, words):
    problem = password_problem(password, username)
    assert problem is not None and words in problem, (password, problem)


@pytest.mark.parametrize(
    "password",
    [
        TEST_PASSWORD,  # every test account's password
        "moi-mat-khau-9",
        "mat-khau-moi-1",
        "MatKhauMoi123",
        "mat-khau-dai-1",
        "mat-khau-moi-123",
        "mat-khau-rieng-42",
        "mat-khau-cli-2468",
        "Gà-gáy-sáng-7-giờ",
        "Tr4u-c4u-xanh",
    ],
)
def test_a_sound_password_is_accepted(password):
    assert password_problem(password, "canbo.anphu") is None


def test_generated_passwords_always_comply():
    """The demo's and the administrator's one-time passwords satisfy the policy they are
    later held to (a reset password must be replaced by the user, and may be typed again)."""
    for _ in range(300):
        assert password_problem(demo_password(), "canbo") is None
        assert password_problem(one_time_password(), "canbo") is None


def test_the_list_is_compared_without_case_marks_or_separators():
    assert folded("Mật-Khẩu Đẹp_1") == "matkhaudep1"
    assert all(word == folded(word) for word in COMMON)
    assert MIN_LENGTH == 10
