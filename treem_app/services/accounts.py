"""Accounts: creating users, signing in with throttling, changing and resetting passwords."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Unit, User
from ..models._common import utcnow
from ..models.user import ROLES
from . import user_sessions
from .audit import log_account

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10
# One-time passwords are read aloud or copied from a screen: no 0/o, 1/l/i look-alikes.
ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 10


class AccountError(ValueError):
    """A refused account operation; the message is Vietnamese and shown to the user."""


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự.")
    if password.isdigit() or password.isalpha():
        raise AccountError("Mật khẩu phải có cả chữ và số.")


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    role: str,
    unit: Unit,
    full_name: str | None = None,
    expires_at: datetime | None = None,
) -> User:
    """Create an account; raises AccountError for a bad name, role, password or a taken name."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError(
            "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, "
            "dấu chấm, gạch ngang, gạch dưới."
        )
    if role not in ROLES:
        raise AccountError(f"Vai trò không hợp lệ: {role} (một trong: {', '.join(ROLES)}).")
    check_password_strength(password)
    taken = session.scalar(select(func.count()).select_from(User).where(User.username == username))
    if taken:
        raise AccountError(f"Tên đăng nhập {username} đã được dùng.")
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


def authenticate(
    session: Session, username: str, password: str, *, max_failures: int, lock_minutes: int
) -> LoginResult:
    """Check a sign-in; after `max_failures` wrong passwords the account is locked for a while.

    The caller commits either way: the failure counter must persist even when sign-in fails.
    """
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    now = utcnow()
    if user is None:
        return LoginResult(None, GENERIC_ERROR)
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return LoginResult(
            None,
            f"Tài khoản tạm khóa do nhập sai mật khẩu {max_failures} lần. "
            f"Vui lòng thử lại sau {minutes} phút hoặc liên hệ quản trị.",
        )
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            return LoginResult(
                None,
                f"Tài khoản tạm khóa do nhập sai mật khẩu {max_failures} lần. "
                f"Vui lòng thử lại sau {lock_minutes} phút hoặc liên hệ quản trị.",
            )
        # Same message as an unknown name: the answer must not reveal which accounts exist.
        return LoginResult(None, GENERIC_ERROR)
    if not user.is_active:
        return LoginResult(None, "Tài khoản đã bị khóa hoặc đã hết hạn. Vui lòng liên hệ quản trị.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return LoginResult(user)


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """Change a user's own password after checking the current one."""
    if not user.check_password(current):
        raise AccountError("Mật khẩu hiện tại không đúng.")
    if new != confirm:
        raise AccountError("Mật khẩu mới nhập lại không khớp.")
    if new == current:
        raise AccountError("Mật khẩu mới phải khác mật khẩu hiện tại.")
    check_password_strength(new)
    user.set_password(new)
    user.must_change_password = False


def one_time_password(length: int = ONE_TIME_LENGTH) -> str:
    """A random password without look-alike characters, with letters and digits."""
    while True:
        password = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(length))
        if not (password.isalpha() or password.isdigit()):
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
