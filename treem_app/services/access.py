"""Unit scoping: a user sees their unit and every unit below it, and nothing else.

Every query that reads persons, batches or jobs goes through these helpers, in views, jobs and
the CLI alike; anything outside the user's subtree answers 404 so that ids in other communes are
not even confirmed to exist.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, false, select
from werkzeug.exceptions import NotFound

from ..extensions import db
from ..models import Batch, JobRun, Person, Unit, User, VolunteerHamlet

M = TypeVar("M")

# Models scoped through their unit_id column.
SCOPED = (Person, Batch, JobRun)


def subtree_ids(unit: Unit) -> Select:
    """A subquery of the ids of `unit` and all its descendants (materialised path prefix)."""
    return select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))


def units_in_scope(user: User) -> Select:
    """Units the user may see, ordered by path (tree order)."""
    return (
        select(Unit)
        .where(Unit.path.startswith(user.unit.path, autoescape=True))
        .order_by(Unit.path)
    )


def assigned_hamlets(user: User) -> Select:
    """The hamlets assigned to a volunteer (a subquery)."""
    return select(VolunteerHamlet.hamlet).where(VolunteerHamlet.user_id == user.id)


def scoped(user: User, model: type[M]) -> Select:
    """`select(model)` restricted to the rows in the user's unit subtree.

    Volunteers see only the persons of the hamlets assigned to them, and no batches or jobs.
    """
    if model not in SCOPED:
        raise TypeError(f"{model!r} is not a unit-scoped model")
    stmt = select(model).where(model.unit_id.in_(subtree_ids(user.unit)))
    if user.role == "volunteer":
        if model is Person:
            stmt = stmt.where(Person.hamlet.in_(assigned_hamlets(user)))
        else:
            stmt = stmt.where(false())
    return stmt


def get_or_404(user: User, model: type[M], ident: int) -> M:
    """Load one scoped row by id, or raise NotFound when it is missing or out of scope."""
    row = db.session.scalar(scoped(user, model).where(model.id == ident))
    if row is None:
        raise NotFound()
    return row


def unit_in_scope(user: User, unit: Unit) -> bool:
    return unit.path.startswith(user.unit.path)


def get_unit_or_404(user: User, code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not unit_in_scope(user, unit):
        raise NotFound()
    return unit
