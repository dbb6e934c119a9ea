"""Counts for the home pages: persons, open findings and running jobs of a unit subtree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import ColumnElement, True_, case, func, literal_column, select, true
from sqlalchemy.orm import Session

from ..domain.vocabulary import INACTIVE_STATUSES
from ..models import Finding, JobRun, Person, Unit
from ..models.unit import path_ids
from .access import subtree_ids
from .queue_counts import ids_in, rolled_counts


@dataclass
class UnitCounts:
    unit: Unit
    persons: int = 0
    with_errors: int = 0
    open_findings: int = 0
    jobs_running: int = 0

    @property
    def without_errors(self) -> int:
        return self.persons - self.with_errors


def _counts_by_unit(
    session: Session, unit: Unit, where: ColumnElement[bool] | None = None
) -> dict[int, list[int]]:
    """[persons, with errors, open findings, running jobs] per unit id of the subtree (only the
    persons meeting ``where`` when given: the user's restriction, services.access.person_rule:
    a volunteer's hamlets, the police's lists).

    Three grouped queries whatever the size of the tree (a province has about 100 communes),
    each bounded by the subtree: its unit ids are read first, so the database walks the persons'
    index on unit_id for those units only (a subquery made it read every person of the
    database), and only the persons whose stored rank says they have an open error or warning
    are probed for their findings (through the findings' index on person_id).
    """
    unit_ids = list(session.scalars(subtree_ids(unit)))
    in_tree = Person.unit_id.in_(unit_ids)
    if where is not None:
        in_tree = in_tree & where
    active = Person.status.not_in(INACTIVE_STATUSES)
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    # open_rank 0 = the person has at least one open error (kept by the services).
    for unit_id, persons, errors in session.execute(
        select(Person.unit_id, func.count(), func.sum(case((Person.open_rank == 0, 1), else_=0)))
        .where(in_tree, active)
        .group_by(Person.unit_id)
    ):
        counts[unit_id][0:2] = [persons, errors or 0]
    # Only a person of rank 0 or 1 has an open error or warning (the rank is kept in step); an
    # open error or warning is a rule on a person (a rule found on two fields counts once, as
    # the kept counts count it).
    open_rules = (Finding.status == "open", Finding.severity.in_(("error", "warning")))
    if session.connection().dialect.name == "postgresql":
        # Each person's rules probed in the findings' index (LATERAL, OFFSET 0 keeps it a
        # probe): a join read every open finding of the database (issue 15).
        rules = (
            select(Finding.rule)
            .where(Finding.person_id == Person.id, *open_rules)
            .distinct()
            .offset(literal_column("0"))
            .lateral("person_rules")
        )
        found = (
            select(Person.unit_id, func.count())
            .select_from(Person)
            .join(rules, true())
            .where(in_tree, active, Person.open_rank < 2)
            .group_by(Person.unit_id)
        )
    else:
        pairs = (
            select(Person.unit_id, Finding.person_id, Finding.rule)
            .join(Finding, Finding.person_id == Person.id)
            .where(in_tree, active, Person.open_rank < 2, *open_rules)
            .distinct()
            .subquery()
        )
        found = select(pairs.c.unit_id, func.count()).group_by(pairs.c.unit_id)
    for unit_id, findings in session.execute(found):
        counts[unit_id][2] = findings
    for unit_id, jobs in _running_jobs(session, unit_ids).items():
        counts[unit_id][3] = jobs
    return counts


def _running_jobs(session: Session, unit_ids: list[int]) -> dict[int, int]:
    """Queued or running background jobs per unit id."""
    return dict(
        session.execute(
            select(JobRun.unit_id, func.count())
            .where(
                ids_in(JobRun.unit_id, session.connection().dialect.name, unit_ids),
                JobRun.status.in_(("queued", "running")),
            )
            .group_by(JobRun.unit_id)
        ).all()
    )


def _add(target: UnitCounts, row: list[int]) -> None:
    target.persons += row[0]
    target.with_errors += row[1]
    target.open_findings += row[2]
    target.jobs_running += row[3]


def unit_counts(
    session: Session, unit: Unit, *, where: ColumnElement[bool] | None = None
) -> UnitCounts:
    """Counts for `unit` and everything below it (only the persons meeting ``where`` when
    given; ``true()``, services.access.person_rule's "no restriction", reads the kept rows)."""
    if (where is None or isinstance(where, True_)) and _kept(session):
        return _kept_counts(session, unit, [])[0]
    total = UnitCounts(unit)
    for row in _counts_by_unit(session, unit, where).values():
        _add(total, row)
    return total


def _kept(session: Session) -> bool:
    """Whether the work queue's kept counts are there to read (PostgreSQL, migration 0026)."""
    return session.connection().dialect.name == "postgresql"


def _kept_counts(
    session: Session, unit: Unit, children: list[Unit]
) -> tuple[UnitCounts, list[UnitCounts]]:
    """The counts of `unit` and of each of `children` from their roll-up rows (migration 0030)
    and the changes not yet folded: a few dozen rows each, whatever the size of the subtree (a
    province's home counted 1.5 million persons and their findings: 0.7 s a request)."""
    paths = dict(
        session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(subtree_ids(unit)))).all()
    )
    roots = [unit.id, *(child.id for child in children)]
    rolled = rolled_counts(session.connection(), roots, paths)
    jobs = _running_jobs(session, list(paths))
    made = []
    for counted in (unit, *children):
        running = sum(n for uid, n in jobs.items() if paths[uid].startswith(counted.path))
        made.append(UnitCounts(counted, *rolled[counted.id], running))
    return made[0], made[1:]


def child_counts(session: Session, unit: Unit) -> list[UnitCounts]:
    """The same counts for each unit directly below `unit` (the rows of a district's table)."""
    return unit_and_child_counts(session, unit)[1]


def unit_and_child_counts(session: Session, unit: Unit) -> tuple[UnitCounts, list[UnitCounts]]:
    """:func:`unit_counts` of `unit` (no restriction: a reporter's or an administrator's) and
    :func:`child_counts`, from one run of the grouped counts instead of one each."""
    children = list(
        session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code))
    )
    if _kept(session):
        return _kept_counts(session, unit, children)
    rows = {child.id: UnitCounts(child) for child in children}
    total = UnitCounts(unit)
    # A unit's path is "/…/<unit>/<child>/…": the segment after the parent names the child.
    depth = unit.path.count("/") - 1
    paths = {
        uid: path
        for uid, path in session.execute(
            select(Unit.id, Unit.path).where(Unit.id.in_(subtree_ids(unit)))
        )
    }
    for unit_id, row in _counts_by_unit(session, unit).items():
        _add(total, row)
        segments = path_ids(paths[unit_id])
        if len(segments) > depth:
            _add(rows[segments[depth]], row)
    return total, list(rows.values())
