from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._common import utcnow
from .person import Person
from .unit import Unit
from .user import User

PROPOSAL_STATUSES = {"pending": "Chờ duyệt", "approved": "Đã duyệt", "rejected": "Từ chối"}
# A correction of one fact of a person, or a child the volunteer found who is on no record.
PROPOSAL_KINDS = ("fact", "new_person")


class AccessLog(db.Model):
    """Who opened which person's personal data, or downloaded which file, and when."""

    __tablename__ = "access_logs"
    __table_args__ = (Index("ix_access_logs_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: done from the console (``treem export cleaned``), where nobody is signed in.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()


class VolunteerHamlet(db.Model):
    """A hamlet of the volunteer's commune assigned to them: they see only those children."""

    __tablename__ = "volunteer_hamlets"
    __table_args__ = (UniqueConstraint("user_id", "hamlet"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    hamlet: Mapped[str] = mapped_column(String(120))


class Proposal(db.Model):
    """A volunteer's proposal waiting for an officer's decision: the correction of one fact
    (kind "fact", about `person`), or a newly found child (kind "new_person": the typed facts
    in `facts_json`, no person until an officer approves; `person` is then the one created)."""

    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_person_status", "person_id", "status"),
        Index("ix_proposals_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="fact", server_default="fact")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    # The commune the proposal is about (a new child's, who has no person yet).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # A new child's facts as the volunteer typed them (the officer's "new record" form fields).
    facts_json: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return PROPOSAL_STATUSES.get(self.status, self.status)

    @property
    def facts(self) -> dict:
        """A new child's typed facts (empty for a correction)."""
        return json.loads(self.facts_json) if self.facts_json else {}


class NotDuplicate(db.Model):
    """An officer's decision that two records flagged as probable duplicates are different
    children; the pair is not raised again. Stored with the smaller id first."""

    __tablename__ = "not_duplicates"
    __table_args__ = (UniqueConstraint("person_a_id", "person_b_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_a_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    person_b_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
