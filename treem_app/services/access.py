"""Unit scoping: a user sees their unit and every unit below it, and nothing else.

Every read of a scoped row (persons, batches, jobs, import runs, conflicts, proposals, users)
goes through these functions, in views, jobs and the CLI alike. They build selects or take a
session and return None for a row that is missing or out of scope: the web layer answers 404
for both, so that ids in other communes are not even confirmed to exist.

``user=None`` is the system: the ``treem`` command run on the server by its operator, or a
background job loading its own run; it sees every unit. Views always pass the signed-in user.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from ..domain.batch_states import BatchState
from ..models import (
    Batch,
    BatchRow,
    Conflict,
    Hamlet,
    ImportRun,
    JobRun,
    Person,
    Proposal,
    ReportFile,
    Unit,
    User,
    VolunteerHamlet,
)

M = TypeVar("M")

# Models scoped through their own unit_id column.
UNIT_SCOPED = (Person, Batch, JobRun, ImportRun, Conflict, User, Hamlet, ReportFile)
# Models scoped through the person they are about.
PERSON_SCOPED = (Proposal,)
SCOPED = UNIT_SCOPED + PERSON_SCOPED


def subtree_ids(unit: Unit) -> Select:
    """A subquery of the ids of `unit` and all its descendants (materialised path prefix)."""
    return select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))


def units_in_scope(user: User | None) -> Select:
    """Units the user may see, ordered by path (tree order)."""
    stmt = select(Unit).order_by(Unit.path)
    if user is None:
        return stmt
    return stmt.where(Unit.path.startswith(user.unit.path, autoescape=True))


def assigned_hamlets(user: User) -> Select:
    """The hamlets assigned to a volunteer (a subquery)."""
    return select(VolunteerHamlet.hamlet).where(VolunteerHamlet.user_id == user.id)


# The batches addressed to the police: handed over, answered or closed (not a draft, which the
# officer is still writing, nor a cancelled list).
HANDED_STATES = (
    BatchState.ISSUED.value,
    BatchState.PARTLY_RETURNED.value,
    BatchState.RETURNED.value,
    BatchState.CLOSED.value,
)
# The jobs the police see: the documents of a list and the reading of their returned sheet.
POLICE_JOBS = ("batch_documents", "batch_ingest")


def handed_to_police(person_id=Person.id) -> ColumnElement[bool]:
    """The person is on a list handed to the police (a correlated EXISTS on batch_rows, read
    through its index on person_id): the children the police may see."""
    return exists().where(
        BatchRow.person_id == person_id,
        BatchRow.batch_id == Batch.id,
        Batch.state.in_(HANDED_STATES),
    )


def person_rule(user: User | None) -> ColumnElement[bool]:
    """The role's restriction on persons beyond the unit subtree (a SQL condition): a
    volunteer's hamlets, the police's handed lists, nothing for the other roles. Every read of
    persons that does not go through :func:`scoped` (the work queue, the home counts) adds it."""
    if user is None:
        return true()
    if user.role == "volunteer":
        return Person.hamlet.in_(assigned_hamlets(user))
    if user.role == "police":
        return handed_to_police()
    return true()


def _rule(user: User, model) -> object:
    """The role's restriction on a model beyond the unit subtree (a SQL condition)."""
    if model is Person:
        return person_rule(user)
    if user.role == "volunteer":
        # Volunteers see the persons of the hamlets assigned to them, and nothing else.
        return false()
    if user.role == "police":
        # The police see the lists handed to them (a list cancelled after it was handed too,
        # marked so), the jobs of those lists, and none of the commune's other rows.
        if model is Batch:
            return or_(
                Batch.state.in_(HANDED_STATES),
                and_(Batch.state == BatchState.CANCELLED.value, Batch.issued_at.is_not(None)),
            )
        if model is JobRun:
            return JobRun.kind.in_(POLICE_JOBS)
        return false()
    return true()


def _proposed_children(user: User) -> ColumnElement[bool]:
    """Proposals of a new child not created yet (no person): those of the user's units, and
    only their own for a volunteer; none for the police."""
    if user.role == "police":
        return false()
    rule = and_(Proposal.person_id.is_(None), Proposal.unit_id.in_(subtree_ids(user.unit)))
    if user.role == "volunteer":
        rule = and_(rule, Proposal.user_id == user.id)
    return rule


def scoped(user: User | None, model: type[M]) -> Select:
    """`select(model)` restricted to the rows the user may see.

    Rows of the user's unit subtree, and proposals about the persons the user sees (or of a new
    child not created yet: in the user's units, a volunteer's own); volunteers
    see only the persons of the hamlets assigned to them (and their proposals; no batches,
    jobs, imports, conflicts or users); the police see the lists handed to them, the children
    on those lists and the jobs that made their documents, nothing else. Raises TypeError for
    a model that is not scoped.
    """
    if model not in SCOPED:
        raise TypeError(f"{model!r} is not a unit-scoped model")
    if model in PERSON_SCOPED:
        if user is None:
            return select(model)
        persons = scoped(user, Person).with_only_columns(Person.id)
        return select(model).where(or_(model.person_id.in_(persons), _proposed_children(user)))
    stmt = select(model)
    if user is None:
        return stmt
    return stmt.where(model.unit_id.in_(subtree_ids(user.unit)), _rule(user, model))


def get_scoped(session: Session, user: User | None, model: type[M], ident: int | None) -> M | None:
    """One row by id, or None when it is missing or out of the user's scope."""
    if ident is None:
        return None
    return session.scalar(scoped(user, model).where(model.id == ident))


def in_unit(session: Session, model: type[M], ident: int | None, unit_id: int) -> M | None:
    """A row of a unit-scoped model by id, only when it belongs to `unit_id` itself.

    A job works on rows of its own unit and never crosses it, whoever asked for it.
    """
    if model not in UNIT_SCOPED:
        raise TypeError(f"{model!r} is not a unit-scoped model")
    if ident is None:
        return None
    return session.scalar(select(model).where(model.id == ident, model.unit_id == unit_id))


def unit_in_scope(user: User | None, unit: Unit) -> bool:
    """True when `unit` is the user's unit or below it."""
    return user is None or unit.path.startswith(user.unit.path)


def may_change(user: User | None, unit: Unit) -> bool:
    """True when `user` may change what belongs to `unit` (settings, accounts, units under it):
    the unit is the user's own or below it. Never the province of a commune's administrator."""
    return unit_in_scope(user, unit)


def unit_by_code(session: Session, user: User | None, code: str | None) -> Unit | None:
    """The unit with this code, or None when there is none or it is outside the user's tree."""
    if not code:
        return None
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not unit_in_scope(user, unit):
        return None
    return unit
