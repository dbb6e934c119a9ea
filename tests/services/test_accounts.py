import pytest

from treem_app.extensions import db
from treem_app.models import AccessLog
from treem_app.services import accounts
from treem_app.services.audit import account_log

from ..conftest import TEST_PASSWORD

LOGIN = {"max_failures": 5, "lock_minutes": 15}


def test_one_time_passwords_are_readable_and_random():
    seen = {accounts.one_time_password() for _ in range(200)}
    assert len(seen) == 200
    for password in seen:
        assert len(password) == 10
        assert set(password) <= set(accounts.ONE_TIME_ALPHABET)
        assert not set(password) & set("0o1li")
        assert not (password.isalpha() or password.isdigit())


def test_reset_replaces_the_password_flags_the_account_and_is_audited(make):
    tree = make.tree()
    admin = make.user("admin", tree["province"])
    officer = make.user("officer", tree["a"])
    old_hash = officer.password_hash
    officer.failed_logins = 3
    db.session.commit()

    password = accounts.reset_password(db.session, admin, officer)
    db.session.commit()

    assert officer.password_hash != old_hash and password not in officer.password_hash
    assert officer.must_change_password and officer.failed_logins == 0
    assert officer.check_password(password) and not officer.check_password(TEST_PASSWORD)
    assert accounts.authenticate(db.session, officer.username, TEST_PASSWORD, **LOGIN).user is None
    assert accounts.authenticate(db.session, officer.username, password, **LOGIN).user is officer
    (entry,) = account_log(db.session, officer)
    assert entry.user_id == admin.id and entry.action == "password_reset"
    assert entry.at is not None and officer.username in entry.detail
    # The password is nowhere in clear.
    logs = db.session.scalars(db.select(AccessLog.detail)).all()
    assert all(password not in (detail or "") for detail in logs)


def test_reset_lifts_the_failed_login_lock(make):
    tree = make.tree()
    admin = make.user("admin", tree["province"])
    officer = make.user("officer", tree["a"])
    for _ in range(LOGIN["max_failures"]):
        accounts.authenticate(db.session, officer.username, "sai-mat-khau-1", **LOGIN)
    locked = accounts.authenticate(db.session, officer.username, TEST_PASSWORD, **LOGIN)
    assert locked.user is None and "tạm khóa" in locked.error
    password = accounts.reset_password(db.session, admin, officer)
    assert officer.locked_until is None
    assert accounts.authenticate(db.session, officer.username, password, **LOGIN).user is officer


def test_an_admin_cannot_reset_their_own_password(make):
    admin = make.user("admin", make.tree()["province"])
    with pytest.raises(accounts.AccountError):
        accounts.reset_password(db.session, admin, admin)
    assert not admin.must_change_password


def test_changing_the_one_time_password_clears_the_flag_under_the_usual_rules(make):
    tree = make.tree()
    admin = make.user("admin", tree["province"])
    officer = make.user("officer", tree["a"])
    password = accounts.reset_password(db.session, admin, officer)
    with pytest.raises(accounts.AccountError, match="khác"):
        accounts.change_password(officer, password, password, password)
    with pytest.raises(accounts.AccountError, match="ít nhất"):
        accounts.change_password(officer, password, "ngan1", "ngan1")
    assert officer.must_change_password
    accounts.change_password(officer, password, "mat-khau-rieng-42", "mat-khau-rieng-42")
    assert not officer.must_change_password and officer.check_password("mat-khau-rieng-42")
