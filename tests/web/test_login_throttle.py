"""Issue 19: a sign-in tells nothing about which accounts exist and cannot lock others out."""

import time

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import AccessLog, User
from treem_app.services import accounts

from ..conftest import TEST_PASSWORD, csrf_token


def _browser(web_app, address):
    client = web_app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _try(client, username, password):
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(client)},
    )


def test_wrong_passwords_from_one_address_do_not_stop_the_right_one_from_another(
    make, web_app, app
):
    admin = make.user("admin", make.unit())
    attacker = _browser(web_app, "10.0.0.66")
    for _ in range(2 * app.config["TREEM_LOGIN_MAX_FAILURES"]):
        resp = _try(attacker, admin.username, "doan-mo-123")
    assert resp.status_code == 401 and "tạm khóa" in resp.get_data(as_text=True)
    assert _try(attacker, admin.username, TEST_PASSWORD).status_code == 401  # still locked there
    owner = _browser(web_app, "10.0.0.7")
    assert _try(owner, admin.username, TEST_PASSWORD).status_code == 302
    assert owner.get("/home").status_code == 200


def test_the_lock_answer_is_the_same_for_an_unknown_name(make, web_app, app):
    user = make.user("officer")
    answers = {}
    for name in (user.username, "khong-co-ai"):
        client = _browser(web_app, "10.0.0.9")
        bodies = [
            _try(client, name, "sai-mat-khau-1").get_data(as_text=True)
            for _ in range(app.config["TREEM_LOGIN_MAX_FAILURES"])
        ]
        answers[name] = [
            "tạm khóa" if "tạm khóa" in b else "sai" if "không đúng" in b else "?" for b in bodies
        ]
    assert answers[user.username] == answers["khong-co-ai"]
    assert answers["khong-co-ai"][-1] == "tạm khóa"


def test_the_delay_grows_with_each_lock(make, app):
    user = make.user("officer")
    login = {"max_failures": 5, "lock_minutes": 15, "address": "10.0.0.5"}
    from treem_app.models import LoginThrottle
    from treem_app.models._common import utcnow

    for _ in range(5):
        first = accounts.authenticate(db.session, user.username, "sai-mat-khau-1", **login)
    assert "sau 15 phút" in first.error
    row = db.session.scalars(select(LoginThrottle).where(LoginThrottle.address == "10.0.0.5")).one()
    row.locked_until = utcnow()  # the first lock ran out
    for _ in range(5):
        second = accounts.authenticate(db.session, user.username, "sai-mat-khau-1", **login)
    assert "sau 30 phút" in second.error


def test_a_name_is_locked_for_everyone_at_the_ceiling_and_the_admin_sees_it(
    make, client, login, web_app
):
    unit = make.unit()
    admin = make.user("admin", unit)
    officer = make.user("officer", unit)
    settings = {"max_failures": 5, "lock_minutes": 15, "account_ceiling": 12}
    for n in range(12):
        accounts.authenticate(
            db.session, officer.username, "sai-mat-khau-1", address=f"10.1.0.{n}", **settings
        )
    db.session.commit()
    refused = accounts.authenticate(
        db.session, officer.username, TEST_PASSWORD, address="10.2.0.1", **settings
    )
    assert refused.user is None and "tạm khóa" in refused.error
    db.session.commit()
    entry = db.session.scalars(select(AccessLog).where(AccessLog.action == "login_locked")).one()
    assert officer.username in entry.detail
    login(admin)
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'id="login-locks"' in page and officer.username in page
    token = csrf_token(client, "/admin/users")
    assert (
        client.post(f"/admin/users/{officer.id}/unlock", data={"csrf_token": token}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(User, officer.id).locked_until is None
    assert (
        db.session.scalars(select(AccessLog).where(AccessLog.action == "login_unlocked"))
        .one()
        .user_id
        == admin.id
    )
    ok = accounts.authenticate(
        db.session, officer.username, TEST_PASSWORD, address="10.2.0.1", **settings
    )
    assert ok.user is not None


def test_an_unknown_name_costs_what_a_wrong_password_costs(make):
    user = make.user("officer")
    settings = {"max_failures": 1000, "lock_minutes": 15, "address": "10.3.0.1"}
    accounts.authenticate(db.session, "khong-co-ai", "x", **settings)  # the dummy hash made once

    def cost(name):
        times = []
        for _ in range(5):
            start = time.perf_counter()
            accounts.authenticate(db.session, name, "sai-mat-khau-1", **settings)
            times.append(time.perf_counter() - start)
        return sorted(times)[2]

    known, unknown = cost(user.username), cost("khong-co-ai")
    db.session.rollback()
    assert known < 2 * unknown and unknown < 2 * known, (known, unknown)


def test_the_client_address_comes_from_trusted_proxies_only(make, test_config):
    from treem_app import create_app

    user = make.user("officer")
    for proxies, expected in ((0, "127.0.0.1"), (1, "10.9.9.9")):
        app = create_app({**test_config, "TREEM_TRUSTED_PROXIES": proxies})
        client = app.test_client()
        token = csrf_token(client)
        client.post(
            "/login",
            data={"username": user.username, "password": "sai-1", "csrf_token": token},
            headers={"X-Forwarded-For": "10.9.9.9"},
        )
        from treem_app.models import LoginThrottle

        db.session.expire_all()
        addresses = set(
            db.session.scalars(
                select(LoginThrottle.address).where(LoginThrottle.username == user.username)
            )
        )
        assert expected in addresses
        with app.app_context():
            db.engine.dispose()
