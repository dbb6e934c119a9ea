from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Unit, User

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
