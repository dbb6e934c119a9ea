"""The password policy on every path where a password is set (issue 16): creating an account
(the administrators' page, the console), changing one's own, the change forced after a reset.
Messages are Vietnamese and tied to their field; passwords set before still sign in."""

import re

from sqlalchemy import select

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.models import User

from ..conftest import TEST_PASSWORD, csrf_token


def tag(body: str, pattern: str) -> str:
    match = re.search(pattern, body)
    assert match, pattern
    return match.group(0)


def test_changing_to_a_weak_password_is_refused_and_tied_to_the_new_field(
    make, client, login, post
):
    user = make.user("officer", username="canbo.anphu")
    login(user)
    for new, words in (
        ("matkhau2024", "quá phổ biến"),
        ("canbo.anphu-99", "tên đăng nhập"),
        ("ngan-1", "ít nhất 10 ký tự"),
    ):
        resp = post("/account/password", {"current": TEST_PASSWORD, "new": new, "confirm": new})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422 and words in body, new
        field = tag(body, r'<input type="password" id="new"[^>]*>')
        assert 'aria-invalid="true"' in field and "password-error" in field
        assert "aria-invalid" not in tag(body, r'<input type="password" id="current"[^>]*>')
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(TEST_PASSWORD)  # unchanged
    resp = post(
        "/account/password",
        {"current": TEST_PASSWORD, "new": "Gà-gáy-sáng-7-giờ", "confirm": "Gà-gáy-sáng-7-giờ"},
    )
    assert resp.status_code == 302


def test_the_forced_change_after_a_reset_applies_the_policy(make, client, login, post, web_app):
    admin = make.user("admin")
    officer = make.user("officer", admin.unit, username="canbo.binhminh")
    from treem_app.services.accounts import reset_password

    one_time = reset_password(db.session, admin, officer)
    db.session.commit()
    login(officer, one_time)
    token = csrf_token(client, "/account/password")
    resp = client.post(
        "/account/password",
        data={
            "current": one_time,
            "new": "anhyeuem123",
            "confirm": "anhyeuem123",
            "csrf_token": token,
        },
    )
    assert resp.status_code == 422 and "quá phổ biến" in resp.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still must choose a new one


def test_an_administrator_creating_an_account_gets_the_message_on_the_password_field(
    make, client, login, post
):
    tree = make.tree()
    admin = make.user("admin", tree["province"])
    login(admin)
    form = {"username": "canbo.moi", "full_name": "Cán Bộ Mới", "role": "officer",
            "unit": tree["a"].code}  # fmt: skip
    for password, words in (("123456789a", "quá phổ biến"), ("canbo.moi2026", "tên đăng nhập")):
        resp = post("/admin/users", {**form, "password": password})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 422 and words in body
        field = tag(body, r'<input type="password" id="password"[^>]*>')
        assert 'aria-invalid="true"' in field and "user-error" in field
        assert "aria-invalid" not in tag(body, r'<input type="text" id="username"[^>]*>')
    assert db.session.scalar(select(User).where(User.username == "canbo.moi")) is None
    resp = post("/admin/users", {**form, "username": "Không hợp lệ!", "password": TEST_PASSWORD})
    body = resp.get_data(as_text=True)
    assert 'aria-invalid="true"' in tag(body, r'<input type="text" id="username"[^>]*>')


def test_the_console_refuses_a_common_password(app, make):
    make.tree()
    result = app.test_cli_runner().invoke(
        main,
        [
            "users",
            "create",
            "canbo.cli",
            "--role",
            "officer",
            "--unit",
            "C0001",
            "--password-stdin",
        ],
        input="matkhau123456\n",
    )
    assert result.exit_code == 2 and "quá phổ biến" in result.stderr


def test_a_password_set_before_the_policy_still_signs_in(make, client, login):
    """The policy applies when a password is set, never at sign-in."""
    user = make.user("officer")
    user.set_password("123456")  # as an account made before the policy might hold
    db.session.commit()
    resp = login(user, "123456")
    assert resp.get("/home").status_code == 200
