"""What is waiting for a user, kind by kind: the counts behind the home page's "Việc cần làm".

Each kind is one COUNT over the user's scope (services.access), never a load of rows, so the
home costs the same whatever the size of the database. A kind held by a single row (one import,
one batch) also gives that row's id, so the home can link straight to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from ..domain.batch_states import RETURNABLE_STATES, BatchState
from ..domain.findings import Rule
from ..domain.vocabulary import INACTIVE_STATUSES
from ..models import Batch, BatchRow, Conflict, Finding, ImportRun, JobRun, Person, Proposal, User
from ..models._common import utcnow
from .access import scoped
from .batches import ready_persons_query
from .findings import has_open_finding

# A batch handed to the police and not fully answered yet.
AWAITING_POLICE = (BatchState.ISSUED, BatchState.PARTLY_RETURNED)
# Failed background jobs an administrator is shown on the home (older ones stay in the list).
RECENT_FAILURES = timedelta(days=7)


@dataclass(frozen=True)
class Waiting:
    """How many of one kind wait, and the one row that holds them all (None: several or none)."""

    count: int = 0
    only_id: int | None = None


def _count(session: Session, stmt: Select, id_col, holder_col=None) -> Waiting:
    """COUNT of `stmt`'s rows, with the holder's id when every row has the same holder."""
    holder = id_col if holder_col is None else holder_col
    count, holders, first = session.execute(
        stmt.with_only_columns(func.count(id_col), func.count(holder.distinct()), func.min(holder))
    ).one()
    return Waiting(count or 0, first if holders == 1 else None)


def _active_persons(user: User) -> Select:
    return scoped(user, Person).where(Person.status.not_in(INACTIVE_STATUSES))


def records_with_errors(session: Session, user: User) -> Waiting:
    """Active persons in scope with an open error (open_rank 0, kept by the services)."""
    return _count(session, _active_persons(user).where(Person.open_rank == 0), Person.id)


def pending_proposals(session: Session, user: User) -> Waiting:
    stmt = scoped(user, Proposal).where(Proposal.status == "pending")
    return _count(session, stmt, Proposal.id)


def open_conflicts(session: Session, user: User) -> Waiting:
    """Differences between an export and the records, waiting for a decision."""
    stmt = scoped(user, Conflict).where(Conflict.status == "open")
    return _count(session, stmt, Conflict.id)


def probable_duplicates(session: Session, user: User) -> Waiting:
    """Active persons in scope flagged as probably the same child as another (an open
    DUPLICATE_PERSON finding; the duplicates page shows them in pairs)."""
    # Each person of the scope who may have an open warning (rank below 2) probed in the
    # findings' index: a join read the rule's open findings in the whole database (issue 15).
    flagged = has_open_finding(Finding.rule == str(Rule.DUPLICATE_PERSON), per_person=True)
    stmt = _active_persons(user).where(Person.open_rank < 2, flagged)
    return _count(session, stmt, Person.id)


def _imports_since_last_applied(user: User, *statuses: str) -> Select:
    """Import runs in scope with one of `statuses`, newer than their unit's last applied import
    (an older dry run or failure was overtaken by a real import and waits for nothing)."""
    applied = aliased(ImportRun)
    last_applied = (
        select(func.coalesce(func.max(applied.id), 0))
        .where(applied.unit_id == ImportRun.unit_id, applied.status == "applied")
        .scalar_subquery()
    )
    return scoped(user, ImportRun).where(
        ImportRun.status.in_(statuses), ImportRun.id > last_applied
    )


def imports(session: Session, user: User, *statuses: str) -> Waiting:
    stmt = _imports_since_last_applied(user, *statuses)
    return _count(session, stmt, ImportRun.id)


def batches(session: Session, user: User, *states: str, today: date | None = None) -> Waiting:
    """Batches in scope in one of `states` (only those past their due date with `today`)."""
    stmt = scoped(user, Batch).where(Batch.state.in_(states))
    if today is not None:
        stmt = stmt.where(Batch.due_on < today)
    return _count(session, stmt, Batch.id)


def return_conflicts(session: Session, user: User) -> Waiting:
    """Rows of the police's answers the officer has to decide (the batch page's conflicts)."""
    stmt = (
        scoped(user, Batch)
        .join(BatchRow, BatchRow.batch_id == Batch.id)
        .where(Batch.state.in_(tuple(RETURNABLE_STATES)), BatchRow.outcome == "conflict")
    )
    return _count(session, stmt, BatchRow.id, Batch.id)


def ready_records(session: Session, user: User) -> Waiting:
    """Records of the user's commune ready for the police and in no open batch."""
    stmt = ready_persons_query(user.unit).order_by(None)
    return _count(session, stmt, Person.id)


def jobs(session: Session, user: User, *statuses: str, since: datetime | None = None) -> Waiting:
    stmt = scoped(user, JobRun).where(JobRun.status.in_(statuses))
    if since is not None:
        stmt = stmt.where(JobRun.created_at >= since)
    return _count(session, stmt, JobRun.id)


def waiting_work(
    session: Session, user: User, today: date, *, with_errors: int | None = None
) -> dict[str, Waiting]:
    """The counts of every kind of waiting work the user's role acts on (or, for a reporter,
    follows), by kind; the home page names and links them. ``with_errors``: a reporter's
    records with errors when the caller has already counted them (services.dashboard: the
    same persons, the same condition), so that the subtree is not counted twice."""
    role = user.role
    if role == "officer":
        return {
            "imports_running": imports(session, user, "queued", "running"),
            "imports_failed": imports(session, user, "failed"),
            "imports_uploaded": imports(session, user, "uploaded"),
            "imports_dry_run": imports(session, user, "dry_run"),
            "conflicts": open_conflicts(session, user),
            "records_with_errors": records_with_errors(session, user),
            "proposals": pending_proposals(session, user),
            "duplicates": probable_duplicates(session, user),
            "ready_records": ready_records(session, user),
            "batches_draft": batches(session, user, BatchState.DRAFT),
            "batches_issued": batches(session, user, *AWAITING_POLICE),
            "batches_overdue": batches(session, user, BatchState.ISSUED, today=today),
            "return_conflicts": return_conflicts(session, user),
            "batches_returned": batches(session, user, BatchState.RETURNED),
        }
    if role == "volunteer":
        return {"records_to_verify": records_with_errors(session, user)}
    if role == "police":
        return {
            "batches_to_return": batches(session, user, *AWAITING_POLICE),
            "batches_overdue": batches(session, user, BatchState.ISSUED, today=today),
        }
    if role == "reporter":
        return {
            "records_with_errors": (
                records_with_errors(session, user) if with_errors is None else Waiting(with_errors)
            ),
            "conflicts": open_conflicts(session, user),
            "batches_issued": batches(session, user, *AWAITING_POLICE),
            "batches_overdue": batches(session, user, BatchState.ISSUED, today=today),
        }
    if role == "admin":
        return {
            "jobs_failed": jobs(session, user, "failed", since=utcnow() - RECENT_FAILURES),
            "jobs_running": jobs(session, user, "queued", "running"),
        }
    return {}
