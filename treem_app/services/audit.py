"""Who opened a record or downloaded what, who changed whose account, and a record's history."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AccessLog, Person, PersonEvent, User

log = logging.getLogger(__name__)  # under "treem_app": TREEM_LOG_LEVEL (INFO) applies

ACCOUNT_ACTIONS = (
    "password_reset",
    "account_locked",
    "account_unlocked",
    "sessions_ended",
    "login_locked",
    "login_unlocked",
)


def log_access(
    session: Session,
    user: User | None,
    person: Person | None,
    action: str,
    detail: str | None = None,
) -> None:
    """Record that `user` (None: the console) opened a person's data or downloaded something."""
    session.add(
        AccessLog(
            user_id=user.id if user else None,
            person_id=person.id if person else None,
            action=action,
            detail=detail,
        )
    )


def unit_label(unit) -> str:
    """How the access log names a unit: its code and its name."""
    return f"đơn vị {unit.code} {unit.name}"


def log_download(session: Session, user: User | None, unit, what: str) -> None:
    """Record that `user` downloaded a file holding personal data: the personal-data access log
    answers who, when, which file (`what`) and of which unit."""
    log_access(session, user, None, "download", f"{what}; {unit_label(unit)}")
    log.info("download: %s of unit %s by user %s", what, unit.code, user.id if user else "-")


def log_upload(user: User | None, unit, what: str) -> None:
    """The info line of a file kept from an upload (ids and codes only, never a file's name:
    an uploaded name can hold anything)."""
    log.info("upload: %s of unit %s by user %s", what, unit.code, user.id if user else "-")


def log_account(session: Session, admin: User | None, user: User, action: str) -> None:
    """Record that `admin` (None: treem itself, e.g. a sign-in lock) acted on `user`'s account
    (e.g. "password_reset"); never a secret."""
    session.add(
        AccessLog(
            user_id=admin.id if admin else None,
            person_id=None,
            action=action,
            detail=f"user {user.id} {user.username}",
        )
    )


def account_log(session: Session, user: User, limit: int = 50) -> list[AccessLog]:
    """The administrators' actions on `user`'s account, newest first."""
    return list(
        session.scalars(
            select(AccessLog)
            .where(
                AccessLog.person_id.is_(None),
                AccessLog.action.in_(ACCOUNT_ACTIONS),
                AccessLog.detail == f"user {user.id} {user.username}",
            )
            .order_by(AccessLog.id.desc())
            .limit(limit)
        )
    )


def access_log(session: Session, person: Person, limit: int = 50) -> list[AccessLog]:
    return list(
        session.scalars(
            select(AccessLog)
            .where(AccessLog.person_id == person.id)
            .order_by(AccessLog.id.desc())
            .limit(limit)
        )
    )


def history(session: Session, person: Person) -> list[PersonEvent]:
    """Every event of the person and of the records merged into it, newest first.

    Two statements, each bounded by the person: the merged records through
    ``ix_persons_merged_into``, then the events of that short list of persons through the
    events' index on person_id (one OR of the two conditions read every event instead).
    """
    ids = [person.id]
    ids += session.scalars(select(Person.id).where(Person.merged_into_id == person.id)).all()
    return list(
        session.scalars(
            select(PersonEvent)
            .where(PersonEvent.person_id.in_(ids))
            .order_by(PersonEvent.at.desc(), PersonEvent.id.desc())
        )
    )
