"""Sign-in sessions kept on the server: started at sign-in, checked on every request, ended.

The browser's cookie carries only a random token; the row found by its SHA-256 says which user
it opens and until when. Every way a session ends (sign-out, a password change or reset, the
account's deactivation, the user or an administrator ending it, the idle and absolute
timeouts) is a row here, so a copy of a cookie taken earlier opens nothing afterwards.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from ..models import User, UserSession
from ..models._common import utcnow

# last_seen_at is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=60)

END_REASONS = {
    "logout": "Đăng xuất",
    "password_changed": "Đổi mật khẩu",
    "password_reset": "Quản trị đặt lại mật khẩu",
    "deactivated": "Tài khoản bị khóa",
    "ended_by_user": "Người dùng kết thúc",
    "ended_by_admin": "Quản trị kết thúc",
    "idle": "Không hoạt động quá lâu",
    "expired": "Hết thời hạn phiên",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    session: Session, user: User, *, ip: str | None, user_agent: str | None
) -> tuple[UserSession, str]:
    """A new session for `user`; returns the row and the token (its only copy in clear)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        token_hash=token_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        ip=(ip or "")[:64] or None,
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(row)
    session.flush()
    return row, token


_BY_TOKEN = select(UserSession).options(joinedload(UserSession.user).joinedload(User.unit))


def find(
    session: Session,
    token: str | None,
    *,
    idle: timedelta,
    absolute: timedelta,
    now: datetime | None = None,
) -> tuple[UserSession | None, bool]:
    """The live session a cookie's token opens, or None (unknown, ended, idle or too old).

    A session found idle or too old is ended here (with its reason). The second value says
    whether this wrote (the row was ended, or last_seen_at moved on): the caller commits then.
    """
    if not token:
        return None, False
    row = session.execute(
        _BY_TOKEN.where(UserSession.token_hash == token_hash(token))
    ).scalar_one_or_none()
    if row is None or row.ended_at is not None:
        return None, False
    now = now or utcnow()
    if now - row.created_at > absolute:
        _end_rows(session, [row.id], "expired", now)
        return None, True
    if now - row.last_seen_at > idle:
        _end_rows(session, [row.id], "idle", now)
        return None, True
    if now - row.last_seen_at > TOUCH_EVERY:
        session.execute(
            update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
        )
        return row, True
    return row, False


def _end_rows(session: Session, ids: list[int], reason: str, now: datetime | None = None) -> int:
    if not ids:
        return 0
    result = session.execute(
        update(UserSession)
        .where(UserSession.id.in_(ids), UserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def end(session: Session, row: UserSession, reason: str) -> None:
    _end_rows(session, [row.id], reason)
    session.expire(row)


def end_all(session: Session, user: User, reason: str, *, keep: UserSession | None = None) -> int:
    """End every live session of `user` (but `keep`); returns how many were ended."""
    query = select(UserSession.id).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return _end_rows(session, list(session.scalars(query)), reason)


def active(session: Session, user: User, *, idle: timedelta, absolute: timedelta) -> list:
    """The user's sessions that still open pages, newest first."""
    now = utcnow()
    return list(
        session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user.id,
                UserSession.ended_at.is_(None),
                UserSession.created_at > now - absolute,
                UserSession.last_seen_at > now - idle,
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )


def browser_label(user_agent: str | None) -> str:
    """A short description of a browser for the sessions page ("Chrome · Windows")."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for key, name in (
                ("Edg/", "Edge"),
                ("OPR/", "Opera"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            )
            if key in ua
        ),
        "Trình duyệt khác",
    )
    system = next(
        (
            name
            for key, name in (
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS", "macOS"),
                ("Linux", "Linux"),
            )
            if key in ua
        ),
        "",
    )
    return f"{browser} · {system}" if system else browser
