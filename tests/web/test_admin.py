import re

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import AccessLog, Unit, User

from ..conftest import TEST_PASSWORD, csrf_token


def test_admin_creates_a_unit_and_a_user_who_can_sign_in(make, client, login, post, web_app):
    tree = make.tree()
    login(make.user("admin", tree["province"]))
    resp = post(
        "/admin/units", {"code": "C0009", "name": "Xã Mới Lập", "level": "commune", "parent": "D01"}
    )
    assert resp.status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.code == "C0009"))
    assert unit.parent.code == "D01" and unit.path.startswith(tree["district"].path)
    assert "Xã Mới Lập" in client.get("/admin/units").get_data(as_text=True)

    resp = post(
        "/admin/users",
        {
            "username": "canbo.moi",
            "full_name": "Hồ Thị Lan",
            "role": "officer",
            "unit": "C0009",
            "password": "mat-khau-moi-1",
        },
    )
    assert resp.status_code == 302
    assert "canbo.moi" in client.get("/admin/users").get_data(as_text=True)

    other = web_app.test_client()
    resp = other.post(
        "/login",
        data={
            "username": "canbo.moi",
            "password": "mat-khau-moi-1",
            "csrf_token": csrf_token(other),
        },
    )
    assert resp.status_code == 302


def test_admin_form_errors_are_shown_and_nothing_is_created(make, client, login, post):
    tree = make.tree()
    login(make.user("admin", tree["province"]))
    resp = post(
        "/admin/users",
        {
            "username": "A B",
            "full_name": "x",
            "role": "officer",
            "unit": "C0001",
            "password": TEST_PASSWORD,
        },
    )
    assert resp.status_code == 422
    assert "Tên đăng nhập gồm" in resp.get_data(as_text=True)
    resp = post(
        "/admin/units", {"code": "C0001", "name": "Trùng", "level": "commune", "parent": "D01"}
    )
    assert resp.status_code == 422
    assert "đã tồn tại" in resp.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username == "a b")) is None


def test_admin_cannot_create_users_outside_their_unit(make, client, login, post):
    tree = make.tree()
    login(make.user("admin", tree["district"]))
    resp = post(
        "/admin/users",
        {
            "username": "ngoai.pham.vi",
            "full_name": "x",
            "role": "officer",
            "unit": "C0003",
            "password": TEST_PASSWORD,
        },
    )
    assert resp.status_code == 404
    assert db.session.scalar(select(User).where(User.username == "ngoai.pham.vi")) is None


def test_admin_locks_and_unlocks_a_user(make, client, login, post, web_app):
    tree = make.tree()
    login(make.user("admin", tree["province"]))
    officer = make.user("officer", tree["a"])
    assert post(f"/admin/users/{officer.id}/toggle").status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, officer.id).active
    other = web_app.test_client()
    resp = other.post(
        "/login",
        data={
            "username": officer.username,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(other),
        },
    )
    assert resp.status_code == 401


ONE_TIME_RE = re.compile(r'id="one-time-password"[^>]*>([^<]+)<')


def reset_via_page(client, post, user) -> str:
    """Open the confirmation, confirm it; the one-time password read from the result page."""
    confirm = client.get(f"/admin/users/{user.id}/password").get_data(as_text=True)
    assert f"Đặt lại mật khẩu cho {user.full_name}?" in confirm
    assert not ONE_TIME_RE.search(confirm)
    resp = post(f"/admin/users/{user.id}/password")
    assert resp.status_code == 200
    return ONE_TIME_RE.search(resp.get_data(as_text=True)).group(1)


def sign_in(client, username, password):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def test_admin_resets_a_password_shown_once_and_the_user_must_change_it(
    make, client, login, post, web_app
):
    tree = make.tree()
    admin = make.user("admin", tree["district"])
    officer = make.user("officer", tree["a"], full_name="Trần Thị Mai")
    login(admin)
    # Looking at the confirmation changes nothing.
    client.get(f"/admin/users/{officer.id}/password")
    db.session.expire_all()
    assert db.session.get(User, officer.id).check_password(TEST_PASSWORD)

    password = reset_via_page(client, post, officer)
    assert len(password) == 10
    listing = client.get("/admin/users").get_data(as_text=True)
    assert password not in listing and "Chờ đặt mật khẩu mới" in listing
    db.session.expire_all()
    stored = db.session.get(User, officer.id)
    assert stored.must_change_password and password not in stored.password_hash
    (entry,) = db.session.scalars(select(AccessLog).where(AccessLog.action == "password_reset"))
    assert entry.user_id == admin.id and officer.username in entry.detail
    assert password not in entry.detail

    user = web_app.test_client()
    assert sign_in(user, officer.username, TEST_PASSWORD).status_code == 401
    resp = sign_in(user, officer.username, password)
    assert resp.status_code == 302 and resp.location.endswith("/account/password")
    page = user.get("/account/password").get_data(as_text=True)
    assert "Mật khẩu một lần (do quản trị cấp)" in page and "Hồ sơ trẻ em" not in page

    # Every other page leads back to the form; HTMX requests are told to navigate.
    for url in ("/home", "/records", "/admin/users", "/imports"):
        resp = user.get(url)
        assert resp.status_code == 302 and resp.location.endswith("/account/password"), url
    resp = user.get("/records", headers={"HX-Request": "true"})
    assert resp.status_code == 204 and resp.headers["HX-Redirect"].endswith("/account/password")
    token = csrf_token(user, "/account/password")
    resp = user.post("/records/new", data={"csrf_token": token})
    assert resp.status_code == 302 and resp.location.endswith("/account/password")

    # The one-time password cannot be kept, and the usual rules apply.
    def change(new, confirm=None):
        return user.post(
            "/account/password",
            data={
                "current": password,
                "new": new,
                "confirm": confirm or new,
                "csrf_token": token,
            },
        )

    resp = change(password)
    assert resp.status_code == 422 and "khác mật khẩu hiện tại" in resp.get_data(as_text=True)
    assert change("ngan1").status_code == 422
    assert user.get("/home").status_code == 302

    resp = change("mat-khau-rieng-42")
    assert resp.status_code == 302 and resp.location.endswith("/home")
    assert user.get("/home").status_code == 200
    assert user.get("/records").status_code == 200
    db.session.expire_all()
    assert not db.session.get(User, officer.id).must_change_password
    again = web_app.test_client()
    assert sign_in(again, officer.username, password).status_code == 401
    resp = sign_in(again, officer.username, "mat-khau-rieng-42")
    assert resp.status_code == 302 and resp.location.endswith("/home")


def test_a_session_open_before_the_reset_is_ended(make, client, login, web_app):
    """Issue 19: a reset ends every session of the account (it was sent to the form before)."""
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    admin_client = web_app.test_client()
    login(officer)
    assert client.get("/home").status_code == 200
    admin = make.user("admin", tree["province"])
    sign_in(admin_client, admin.username, TEST_PASSWORD)
    token = csrf_token(admin_client, "/admin/users")
    resp = admin_client.post(f"/admin/users/{officer.id}/password", data={"csrf_token": token})
    assert resp.status_code == 200
    resp = client.get("/home")
    assert resp.status_code == 302 and resp.location.startswith("/login")


def test_reset_of_a_user_in_another_unit_is_not_found(make, client, login, post):
    tree = make.tree()
    login(make.user("admin", tree["district"]))
    outsider = make.user("officer", tree["c"])
    assert client.get(f"/admin/users/{outsider.id}/password").status_code == 404
    assert post(f"/admin/users/{outsider.id}/password").status_code == 404
    db.session.expire_all()
    stored = db.session.get(User, outsider.id)
    assert not stored.must_change_password and stored.check_password(TEST_PASSWORD)


def test_reset_is_for_administrators_only(make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    volunteer = make.user("volunteer", tree["a"])
    login(officer)
    assert client.get(f"/admin/users/{volunteer.id}/password").status_code == 403
    assert post(f"/admin/users/{volunteer.id}/password").status_code == 403
    db.session.expire_all()
    assert not db.session.get(User, volunteer.id).must_change_password


def test_reset_needs_the_csrf_token_and_not_ones_own_account(make, client, login, post):
    tree = make.tree()
    admin = make.user("admin", tree["province"])
    officer = make.user("officer", tree["a"])
    login(admin)
    assert client.post(f"/admin/users/{officer.id}/password").status_code == 400
    resp = post(f"/admin/users/{admin.id}/password")
    assert resp.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, officer.id).must_change_password
    assert not db.session.get(User, admin.id).must_change_password
    assert "Không thể tự đặt lại" in client.get("/admin/users").get_data(as_text=True)
