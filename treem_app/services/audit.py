"""Who opened a record or downloaded what, and a record's full history."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import AccessLog, Person, PersonEvent, User


def log_access(
    session: Session, user: User, person: Person | None, action: str, detail: str | None = None
) -> None:
    """Record that `user` opened a person's data or downloaded something."""
    session.add(
        AccessLog(
            user_id=user.id, person_id=person.id if person else None, action=action, detail=detail
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
    """Every event of the person and of the records merged into it, newest first."""
    merged = select(Person.id).where(Person.merged_into_id == person.id)
    return list(
        session.scalars(
            select(PersonEvent)
            .where(or_(PersonEvent.person_id == person.id, PersonEvent.person_id.in_(merged)))
            .order_by(PersonEvent.at.desc(), PersonEvent.id.desc())
        )
    )
