from datetime import timedelta

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import LoginThrottle, User
from treem_app.models._common import utcnow

from ..conftest import TEST_PASSWORD, csrf_token


def test_login_shows_home_with_user_and_unit(make, client, login):
    officer = make.user("officer", make.unit("Xã Phước Hưng"), full_name="Nguyễn Thị Thu Hà")
    login(officer)
    page = client.get("/home").get_data(as_text=True)
    assert "Nguyễn Thị Thu Hà" in page
    assert "Xã Phước Hưng" in page
    assert "Cán bộ xã" in page


def test_wrong_password_is_refused_with_message(make, client):
    user = make.user("officer")
    resp = client.post(
        "/login",
        data={
            "username": user.username,
            "password": "sai-mat-khau-1",
            "csrf_token": csrf_token(client),
        },
    )
    assert resp.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still signed out


def test_unknown_user_gets_the_same_message(client, app):
    resp = client.post(
        "/login", data={"username": "khongco", "password": "x", "csrf_token": csrf_token(client)}
    )
    assert resp.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in resp.get_data(as_text=True)


def test_repeated_failures_lock_the_account(make, client, app):
    user = make.user("officer")
    token = csrf_token(client)
    for _ in range(app.config["TREEM_LOGIN_MAX_FAILURES"]):
        resp = client.post(
            "/login",
            data={"username": user.username, "password": "sai-1234567", "csrf_token": token},
        )
    body = resp.get_data(as_text=True)
    assert "tạm khóa" in body and "15 phút" in body
    # Even the right password is refused while locked (from this address).
    resp = client.post(
        "/login", data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert resp.status_code == 401
    assert "tạm khóa" in resp.get_data(as_text=True)
    # After the lock expires the right password works again.
    row = db.session.scalars(
        select(LoginThrottle).where(
            LoginThrottle.username == user.username, LoginThrottle.address != "*"
        )
    ).one()
    row.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resp = client.post(
        "/login", data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert resp.status_code == 302


def test_expired_volunteer_cannot_sign_in(make, client):
    user = make.user("volunteer", expires_at=utcnow() - timedelta(days=1))
    resp = client.post(
        "/login",
        data={
            "username": user.username,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert resp.status_code == 401
    assert "hết hạn" in resp.get_data(as_text=True)


def test_logout(make, client, login, post):
    login(make.user("officer"))
    resp = post("/logout")
    assert resp.status_code == 302
    assert client.get("/home").status_code == 302


def test_logout_by_get_is_not_allowed(make, client, login):
    login(make.user("officer"))
    assert client.get("/logout").status_code == 405
    assert client.get("/home").status_code == 200


def test_post_without_csrf_token_is_refused(make, client):
    user = make.user("officer")
    resp = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert resp.status_code == 400
    assert "hết hạn hoặc không hợp lệ" in resp.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_htmx_post_needs_the_csrf_header(make, client, login):
    login(make.user("officer"))
    resp = client.post("/jobs/rebuild-findings", headers={"HX-Request": "true"})
    assert resp.status_code == 401  # the page asks to sign in again and keeps what was typed
    assert resp.headers["X-Treem-Session"] == "expired"
    token = csrf_token(client, "/home")
    assert 'hx-headers=\'{"X-CSRFToken": "' in client.get("/home").get_data(as_text=True)
    resp = client.post(
        "/jobs/rebuild-findings", headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert resp.status_code == 302


def test_change_password(make, client, login, post):
    user = make.user("officer")
    login(user)
    resp = post(
        "/account/password",
        {"current": "sai", "new": "moi-mat-khau-9", "confirm": "moi-mat-khau-9"},
    )
    assert resp.status_code == 422
    assert "Mật khẩu hiện tại không đúng." in resp.get_data(as_text=True)
    resp = post("/account/password", {"current": TEST_PASSWORD, "new": "ngan1", "confirm": "ngan1"})
    assert "ít nhất 10 ký tự" in resp.get_data(as_text=True)
    resp = post(
        "/account/password",
        {"current": TEST_PASSWORD, "new": "moi-mat-khau-9", "confirm": "moi-mat-khau-9"},
    )
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("moi-mat-khau-9")


def test_session_cookie_is_hardened(make, client, login):
    login(make.user("officer"))
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only and cookie.secure and cookie.same_site == "Lax"


def test_open_redirect_after_login_is_ignored(make, client):
    user = make.user("officer")
    resp = client.post(
        "/login?next=https://evil.example/",
        data={
            "username": user.username,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert resp.headers["Location"] == "/home"


def test_password_is_hashed(make, monkeypatch):
    user = make.user("officer")
    assert TEST_PASSWORD not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    # The app hashes with scrypt; the suite, for speed, with a cheap pbkdf2 (conftest).
    from tests.conftest import PRODUCTION_HASH_METHOD
    from treem_app.models import user as user_model

    monkeypatch.setattr(user_model, "HASH_METHOD", PRODUCTION_HASH_METHOD)
    user.set_password(TEST_PASSWORD)
    assert user.password_hash.startswith("scrypt:32768:") and user.check_password(TEST_PASSWORD)


def test_an_htmx_save_after_the_session_ended_keeps_the_page_and_says_so(make, client, login):
    """Issue 11, bug 8: not a 400 with a generic error, not a redirect that loses the value."""
    user = make.user("officer")
    person = make.person(user.unit)
    login(user)
    token = csrf_token(client, "/home")
    client.delete_cookie("session")  # the session expired
    resp = client.post(
        f"/records/{person.id}/facts/mother_name",
        data={"value": "Trần Thị Hoa", "source": "household_visit", "csrf_token": token},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert resp.status_code == 401
    assert resp.headers["X-Treem-Session"] == "expired"
    assert "HX-Redirect" not in resp.headers
    assert "đăng nhập lại" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert person.mother_name != "Trần Thị Hoa"


def test_an_htmx_read_after_the_session_ended_goes_back_to_the_page_after_login(make, client):
    person = make.person(make.unit())
    resp = client.get(
        f"/records/{person.id}/facts/mother_name?edit=1",
        headers={"HX-Request": "true", "HX-Current-URL": f"http://localhost/records/{person.id}"},
    )
    assert resp.status_code == 204
    assert resp.headers["HX-Redirect"] == f"/login?next=/records/{person.id}"


def test_signing_in_again_in_place_returns_the_new_sessions_token(make, client):
    user = make.user("officer")
    token = client.get("/session/token").get_json()["csrf_token"]
    wrong = client.post(
        "/login",
        data={"username": user.username, "password": "sai-mat-khau-1", "csrf_token": token},
        headers={"X-Treem-Relogin": "1"},
    )
    assert wrong.status_code == 401
    assert wrong.get_json() == {"ok": False, "error": "Tên đăng nhập hoặc mật khẩu không đúng."}
    resp = client.post(
        "/login",
        data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token},
        headers={"X-Treem-Relogin": "1"},
    )
    body = resp.get_json()
    assert body["ok"] is True and body["user_id"] == user.id and body["csrf_token"]
    assert client.get("/home").status_code == 200
    # The new token is the session's: an HTMX write with it passes the CSRF check.
    again = client.post(
        "/login", headers={"X-Treem-Relogin": "1", "X-CSRFToken": body["csrf_token"]}
    )
    assert again.get_json()["user_id"] == user.id  # already signed in: the same answer
