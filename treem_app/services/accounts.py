"""Accounts: creating users, signing in with throttling, changing and resetting passwords."""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..domain.passwords import password_problem
from ..models import LoginThrottle, Unit, User
from ..models._common import utcnow
from ..models.user import ROLES
from . import user_sessions
from .access import may_change
from .audit import log_account

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
# One-time passwords are read aloud or copied from a screen: no 0/o, 1/l/i look-alikes.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 10


class AccountError(ValueError):
    """A refused account operation; the message is Vietnamese and shown to the user. ``field``
    names the form field it is about (None: the form as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_password_strength(
    password: str, username: str | None = None, *, field: str = "password"
) -> None:
    """Refuse (AccountError tied to ``field``) a password the policy does not allow
    (:mod:`treem_app.domain.passwords`). Only where a password is set, never at sign-in."""
    problem = password_problem(password, username)
    if problem:
        raise AccountError(problem, field)


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    role: str,
    unit: Unit,
    full_name: str | None = None,
    expires_at: datetime | None = None,
    actor: User | None = None,
) -> User:
    """Create an account; raises AccountError for a bad name, role, password or a taken name,
    or a unit outside the `actor`'s own subtree (None: the console)."""
    if not may_change(actor, unit):
        raise AccountError("Đơn vị này nằm ngoài phạm vi quản lý của bạn.")
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError(
            "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, "
            "dấu chấm, gạch ngang, gạch dưới.",
            "username",
        )
    if role not in ROLES:
        raise AccountError(f"Vai trò không hợp lệ: {role} (một trong: {', '.join(ROLES)}).", "role")
    check_password_strength(password, username)
    taken = session.scalar(select(func.count()).select_from(User).where(User.username == username))
    if taken:
        raise AccountError(f"Tên đăng nhập {username} đã được dùng.", "username")
    user = User(
        username=username,
        full_name=(full_name or username).strip(),
        role=role,
        unit=unit,
        expires_at=expires_at,
    )
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None


GENERIC_ERROR = "Tên đăng nhập hoặc mật khẩu không đúng."
# Any address: the name's row that counts failures from everywhere.
ALL_ADDRESSES = "*"
# A (name, address) lock doubles with each lock in a row, up to this.
LONGEST_LOCK = timedelta(hours=24)
# Failures older than this are forgotten.
FAILURE_MEMORY = timedelta(hours=24)

_dummy_user: User | None = None


def _dummy_check(password: str) -> bool:
    """Verify `password` against a hash of nothing: an unknown name costs what a known one does."""
    global _dummy_user
    if _dummy_user is None:
        _dummy_user = User(username="")  # never added to a session
        _dummy_user.set_password(secrets.token_urlsafe(16))
    _dummy_user.check_password(password)
    return False


def _locked_message(until: datetime, now: datetime) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return (
        "Đăng nhập tạm khóa do nhập sai mật khẩu nhiều lần. "
        f"Vui lòng thử lại sau {minutes} phút hoặc liên hệ quản trị."
    )


def _throttle(session: Session, name: str, address: str) -> LoginThrottle:
    row = session.scalar(
        select(LoginThrottle).where(
            LoginThrottle.username == name, LoginThrottle.address == address
        )
    )
    if row is None:
        row = LoginThrottle(username=name, address=address, failures=0)
        session.add(row)
    return row


def _count_failure(row: LoginThrottle, now: datetime) -> None:
    if row.last_failure_at is None or now - row.last_failure_at > FAILURE_MEMORY:
        row.failures = 0
    row.failures = (row.failures or 0) + 1
    row.last_failure_at = now


def prune_throttles(session: Session, now: datetime | None = None) -> int:
    """Delete the throttle rows that no longer count: no lock in force and no failure within
    FAILURE_MEMORY (a name typed once and never again). Returns how many were deleted; run
    hourly by the cron and by `treem requeue`, so the table holds only the last day's work."""
    now = now or utcnow()
    done = session.execute(
        delete(LoginThrottle).where(
            (LoginThrottle.last_failure_at.is_(None))
            | (LoginThrottle.last_failure_at < now - FAILURE_MEMORY),
            (LoginThrottle.locked_until.is_(None)) | (LoginThrottle.locked_until <= now),
        )
    )
    return done.rowcount or 0


def clear_throttles(session: Session, username: str) -> None:
    """Forget every failed sign-in of `username` (an administrator unlocked or reset it)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.username == username))


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    max_failures: int,
    lock_minutes: int,
    address: str | None = None,
    account_ceiling: int = 50,
) -> LoginResult:
    """Check a sign-in, throttled per (typed name, client address) and per name.

    The answer and its cost are the same for an unknown name, a wrong password and a locked
    name: the password is always verified (against a dummy hash for an unknown name) and the
    counts are kept for any typed name. After `max_failures` wrong passwords from one address
    that address is locked out of that name for `lock_minutes`, doubling with each further
    lock (up to a day): the right password from another address still signs in. After
    `account_ceiling` failures from all addresses the name is locked for everyone; an
    existing account is then shown locked to the administrators, with an audit entry.

    The caller commits either way: the counts must persist even when sign-in fails.
    """
    name = username.strip().lower()[:64]
    address = (address or "unknown")[:64]
    user = session.scalar(select(User).where(User.username == name)) if name else None
    now = utcnow()
    ok = user.check_password(password) if user is not None else _dummy_check(password)
    pair = _throttle(session, name, address)
    every = _throttle(session, name, ALL_ADDRESSES)
    for row in (every, pair):
        if row.locked_until and row.locked_until > now:
            session.flush()
            return LoginResult(None, _locked_message(row.locked_until, now))
    if not ok:
        _count_failure(pair, now)
        _count_failure(every, now)
        if user is not None:
            user.failed_logins = (user.failed_logins or 0) + 1
        if every.failures >= account_ceiling:
            every.locked_until = now + timedelta(minutes=lock_minutes * 4)
            every.failures = 0
            if user is not None:
                user.locked_until = every.locked_until
                log_account(session, None, user, "login_locked")
            session.flush()
            return LoginResult(None, _locked_message(every.locked_until, now))
        if pair.failures % max_failures == 0:
            doublings = pair.failures // max_failures - 1
            pause = min(timedelta(minutes=lock_minutes) * 2 ** min(doublings, 10), LONGEST_LOCK)
            pair.locked_until = now + pause
            session.flush()
            return LoginResult(None, _locked_message(pair.locked_until, now))
        session.flush()
        return LoginResult(None, GENERIC_ERROR)
    if not user.is_active:
        session.flush()
        return LoginResult(None, "Tài khoản đã bị khóa hoặc đã hết hạn. Vui lòng liên hệ quản trị.")
    session.delete(pair) if pair.id is not None else session.expunge(pair)
    every.failures = 0
    every.last_failure_at = None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    return LoginResult(user)


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Change a user's own password after checking the current one."""
    if not user.check_password(current):
        raise AccountError("Mật khẩu hiện tại không đúng.", "current")
    if new != confirm:
        raise AccountError("Mật khẩu mới nhập lại không khớp.", "confirm")
    if new == current:
        raise AccountError("Mật khẩu mới phải khác mật khẩu hiện tại.", "new")
    check_password_strength(new, user.username, field="new")
    user.set_password(new)
    user.must_change_password = False


def one_time_password(length: int = ONE_TIME_LENGTH) -> str:
    """A random password without look-alike characters, that the policy allows."""
    while True:
        password = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(length))
        if password_problem(password) is None:
            return password


def reset_password(session: Session, admin: User, user: User) -> str:
    """Give `user` a one-time password chosen here and return it (the only copy in clear).

    Only its hash is stored. The account must choose a new password at its next sign-in; every
    session it already has is ended (a stolen laptop's too); the failed-login lock is lifted so
    the person can sign in at once. An audit entry names the administrator and the account,
    never the password. The caller checks that `user` is in the administrator's scope.
    Raises AccountError for the administrator's own account.
    """
    if user.id == admin.id:
        raise AccountError("Không thể tự đặt lại mật khẩu của chính mình: hãy dùng Đổi mật khẩu.")
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    clear_throttles(session, user.username)
    user_sessions.end_all(session, user, "password_reset")
    log_account(session, admin, user, "password_reset")
    session.flush()
    return password


def set_active(session: Session, admin: User, user: User, active: bool) -> None:
    """Deactivate (ending every session of the account) or reactivate an account."""
    if user.id == admin.id:
        raise AccountError("Không thể tự khóa tài khoản của chính mình.")
    user.active = active
    user.locked_until = None
    user.failed_logins = 0
    clear_throttles(session, user.username)
    if not active:
        user_sessions.end_all(session, user, "deactivated")
    log_account(session, admin, user, "account_unlocked" if active else "account_locked")
    session.flush()


def end_sessions(session: Session, admin: User, user: User) -> int:
    """An administrator ends every session of `user`; returns how many were ended."""
    count = user_sessions.end_all(session, user, "ended_by_admin")
    log_account(session, admin, user, "sessions_ended")
    session.flush()
    return count


def unlock(session: Session, admin: User, user: User) -> None:
    """Lift `user`'s sign-in lock and forget its failed sign-ins (audited)."""
    user.locked_until = None
    user.failed_logins = 0
    clear_throttles(session, user.username)
    log_account(session, admin, user, "login_unlocked")
    session.flush()
