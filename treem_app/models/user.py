from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ._common import utcnow
from .unit import Unit

ROLES = ("officer", "volunteer", "police", "reporter", "admin")
ROLE_LABELS = {
    "officer": "Cán bộ xã",
    "volunteer": "Cộng tác viên",
    "police": "Công an xã",
    "reporter": "Cán bộ theo dõi (tỉnh, huyện)",
    "admin": "Quản trị hệ thống",
}


# How passwords are hashed (werkzeug's scrypt, 0.1 s a hash: the cost of a guess). The test
# suite lowers the work factor for its thousands of throwaway accounts (tests/conftest.py);
# checking a password reads the method from the stored hash.
HASH_METHOD = "scrypt"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    # Set when an administrator reset the password: the next pages are the change-password form.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    locked_until: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=HASH_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive or expired accounts
        if not self.active:
            return False
        return self.expires_at is None or self.expires_at > utcnow()

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class UserSession(db.Model):
    """One sign-in: the cookie carries only a random token, this row holds what it opens.

    The token is kept as its SHA-256 (a copy of the table opens nothing). Ending a session sets
    `ended_at` (sign-out, a password change or reset, the user or an administrator ending it);
    the idle and absolute timeouts are checked on every request against `last_seen_at` and
    `created_at`.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Failed sign-ins of one typed name from one client address (`address` "*": from any).

    Kept for any name typed, whether an account has it or not, so that what a sign-in answers
    tells nothing about which accounts exist. A (name, address) row locks with a growing delay
    (one address cannot lock the account for the others); the name's "*" row counts every
    address and locks the name at a much higher ceiling.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("username", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
