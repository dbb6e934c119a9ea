"""Counts for the home pages: persons, open findings and running jobs of a unit subtree."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from ..models import Finding, JobRun, Person, Unit
from ..models.person import INACTIVE_STATUSES
from .access import subtree_ids


@dataclass
class UnitCounts:
    unit: Unit
    persons: int
    with_errors: int
    open_findings: int
    jobs_running: int

    @property
    def without_errors(self) -> int:
        return self.persons - self.with_errors


def _active_persons(unit: Unit):
    return select(Person.id).where(
        Person.unit_id.in_(subtree_ids(unit)), Person.status.not_in(INACTIVE_STATUSES)
    )


def unit_counts(session: Session, unit: Unit) -> UnitCounts:
    """Counts for `unit` and everything below it."""
    active = _active_persons(unit)
    persons = session.scalar(select(func.count()).select_from(active.subquery()))
    open_q = select(Finding).where(
        Finding.person_id.in_(active), Finding.status == "open", Finding.severity != "info"
    )
    open_findings = session.scalar(select(func.count()).select_from(open_q.subquery()))
    with_errors = session.scalar(
        select(func.count(distinct(Finding.person_id))).where(
            Finding.person_id.in_(active), Finding.status == "open", Finding.severity == "error"
        )
    )
    jobs = session.scalar(
        select(func.count()).where(
            JobRun.unit_id.in_(subtree_ids(unit)), JobRun.status.in_(("queued", "running"))
        )
    )
    return UnitCounts(unit, persons or 0, with_errors or 0, open_findings or 0, jobs or 0)


def child_counts(session: Session, unit: Unit) -> list[UnitCounts]:
    """The same counts for each unit directly below `unit` (the rows of a district's table)."""
    children = session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code))
    return [unit_counts(session, child) for child in children]
