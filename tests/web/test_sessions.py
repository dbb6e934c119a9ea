"""Issue 19: sessions kept on the server, so that they can be ended."""

from datetime import timedelta

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import User, UserSession
from treem_app.models._common import utcnow

from ..conftest import TEST_PASSWORD, csrf_token


def _sign_in(web_app, user, password=TEST_PASSWORD, agent="Mozilla/5.0 (X11; Linux) Chrome/120"):
    other = web_app.test_client()
    other.environ_base["HTTP_USER_AGENT"] = agent  # the same browser on every request
    token = csrf_token(other)
    resp = other.post(
        "/login", data={"username": user.username, "password": password, "csrf_token": token}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    assert other.get("/home").status_code in (200, 302)
    return other


def _copy_of(client, web_app):
    """A second browser holding a copy of `client`'s session cookie (a stolen cookie)."""
    thief = web_app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_cookie_copied_before_logout_opens_nothing_after_it(make, client, login, post, web_app):
    login(make.user("officer"))
    thief = _copy_of(client, web_app)
    assert thief.get("/home").status_code == 200
    assert post("/logout").status_code == 302
    assert thief.get("/home").status_code == 302
    assert client.get("/home").status_code == 302
    row = db.session.scalars(select(UserSession).order_by(UserSession.id.desc())).first()
    assert row.ended_at is not None and row.end_reason == "logout"


def test_the_cookie_carries_a_token_not_stored_in_clear(make, client, login):
    user = make.user("officer")
    login(user)
    row = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert len(row.token_hash) == 64
    assert row.token_hash not in client.get_cookie("session").value


def test_changing_the_password_ends_every_other_session(make, client, login, post, web_app):
    user = make.user("officer")
    laptop = _sign_in(web_app, user)
    assert laptop.get("/home").status_code == 200
    login(user)
    thief = _copy_of(client, web_app)  # a copy of this browser's cookie before the change
    resp = post(
        "/account/password",
        {"current": TEST_PASSWORD, "new": "moi-mat-khau-9", "confirm": "moi-mat-khau-9"},
    )
    assert resp.status_code == 302
    assert laptop.get("/home").status_code == 302
    assert thief.get("/home").status_code == 302
    assert client.get("/home").status_code == 200  # this browser goes on, with a new session
    live = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ).all()
    assert len(live) == 1


def test_an_admins_reset_and_deactivation_end_all_sessions(make, client, login, post, web_app):
    unit = make.unit()
    admin = make.user("admin", unit)
    officer = make.user("officer", unit)
    first = _sign_in(web_app, officer)
    assert first.get("/home").status_code == 200
    login(admin)
    assert post(f"/admin/users/{officer.id}/password").status_code == 200
    assert first.get("/home").status_code == 302
    db.session.expire_all()
    db.session.get(User, officer.id).set_password(TEST_PASSWORD)
    db.session.get(User, officer.id).must_change_password = False
    db.session.commit()
    second = _sign_in(web_app, officer)
    assert second.get("/home").status_code == 200
    assert post(f"/admin/users/{officer.id}/toggle").status_code == 302  # deactivated
    assert second.get("/home").status_code == 302


def test_an_admin_ends_a_users_sessions(make, client, login, post, web_app):
    unit = make.unit()
    admin = make.user("admin", unit)
    officer = make.user("officer", unit)
    laptop = _sign_in(web_app, officer)
    assert laptop.get("/home").status_code == 200
    login(admin)
    assert "Đăng xuất mọi nơi" in client.get("/admin/users").get_data(as_text=True)
    assert post(f"/admin/users/{officer.id}/sessions/end").status_code == 302
    assert laptop.get("/home").status_code == 302


def test_an_admin_of_another_unit_cannot_end_sessions(make, client, login, post, web_app):
    tree = make.tree()
    admin = make.user("admin", tree["a"])
    officer = make.user("officer", tree["b"])
    laptop = _sign_in(web_app, officer)
    login(admin)
    assert post(f"/admin/users/{officer.id}/sessions/end").status_code == 404
    assert laptop.get("/home").status_code == 200


def test_idle_and_absolute_timeouts(make, client, login, app):
    user = make.user("officer")
    login(user)
    row = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    idle = timedelta(minutes=app.config["TREEM_SESSION_IDLE_MINUTES"])
    row.last_seen_at = utcnow() - idle + timedelta(minutes=5)
    db.session.commit()
    assert client.get("/home").status_code == 200
    db.session.refresh(row)
    assert row.last_seen_at > utcnow() - timedelta(minutes=1)  # seen again: moved on
    row.last_seen_at = utcnow() - idle - timedelta(minutes=1)
    db.session.commit()
    assert client.get("/home").status_code == 302
    db.session.refresh(row)
    assert row.end_reason == "idle"

    login(user)
    row = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ).one()
    row.created_at = utcnow() - timedelta(hours=app.config["TREEM_SESSION_MAX_HOURS"], minutes=1)
    db.session.commit()
    assert client.get("/home").status_code == 302
    db.session.refresh(row)
    assert row.end_reason == "expired"


def test_a_csrf_token_planted_before_login_is_refused_after_it(make, client):
    user = make.user("officer")
    planted = csrf_token(client)
    resp = client.post(
        "/login", data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": planted}
    )
    assert resp.status_code == 302
    refused = client.post("/jobs/rebuild-findings", data={"csrf_token": planted})
    assert refused.status_code == 400
    fresh = csrf_token(client, "/home")
    assert fresh != planted
    assert client.post("/jobs/rebuild-findings", data={"csrf_token": fresh}).status_code == 302


def test_the_sessions_page_lists_and_ends_a_stolen_laptops_session(
    make, client, login, post, web_app
):
    user = make.user("officer")
    laptop = _sign_in(web_app, user, agent="Mozilla/5.0 (Windows NT 10.0) Firefox/128.0")
    other = make.user("officer", user.unit)
    stranger = _sign_in(web_app, other)
    assert laptop.get("/home").status_code == 200
    login(user)
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Phiên đăng nhập" in page
    assert "Firefox · Windows" in page and "Phiên này" in page
    rows = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    ).all()
    stolen = next(r for r in rows if "Firefox" in (r.user_agent or ""))
    theirs = db.session.scalars(select(UserSession).where(UserSession.user_id == other.id)).one()
    assert post(f"/account/sessions/{theirs.id}/end").status_code == 404  # not mine
    assert stranger.get("/home").status_code == 200
    assert post(f"/account/sessions/{stolen.id}/end").status_code == 302
    assert laptop.get("/home").status_code == 302
    assert client.get("/home").status_code == 200
    assert "Firefox · Windows" not in client.get("/account/sessions").get_data(as_text=True)


def test_ending_every_other_session_keeps_this_one(make, client, login, post, web_app):
    user = make.user("officer")
    phones = [_sign_in(web_app, user) for _ in range(2)]
    assert all(p.get("/home").status_code == 200 for p in phones)
    login(user)
    assert post("/account/sessions/end-others").status_code == 302
    assert all(p.get("/home").status_code == 302 for p in phones)
    assert client.get("/home").status_code == 200
