"""A commune's hamlets (thôn, tổ dân phố...): the list its persons and volunteers refer to.

A person's ``hamlet`` and a volunteer's assigned hamlets hold the written ``name`` of a hamlet
of this list that is not merged. A merged hamlet stays in the list as an alias of the one it
was merged into (``merged_into_id``), so a later import that spells it the old way lands in
the right hamlet; :class:`HamletMerge` is the history of the officer's merges.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._common import utcnow
from .unit import Unit
from .user import User


class Hamlet(db.Model):
    """One hamlet of a commune, by its matching key (domain.hamlets.hamlet_key)."""

    __tablename__ = "hamlets"
    __table_args__ = (UniqueConstraint("unit_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(120))
    # Set once the hamlet was merged into another: it is then only an alias of that one.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("hamlets.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    merged_into: Mapped[Hamlet | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Hamlet {self.id} {self.name!r}>"


class HamletMerge(db.Model):
    """An officer merged hamlets into one ("gộp thôn"): who, when, what into what, how many."""

    __tablename__ = "hamlet_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    into_id: Mapped[int] = mapped_column(ForeignKey("hamlets.id"))
    # The names as they were written when merged (a JSON list), and the target's name then.
    merged_names_json: Mapped[str] = mapped_column(Text)
    into_name: Mapped[str] = mapped_column(String(120))
    persons: Mapped[int] = mapped_column(default=0)
    volunteers: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()

    @property
    def merged_names(self) -> list[str]:
        return json.loads(self.merged_names_json)
