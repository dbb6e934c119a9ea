"""Social-protection beneficiaries beside the children's registry: links and labels.

A beneficiary who is also in the children's registry (a child on an allowance) is the same
person: its record is linked to the child record (``persons.linked_person_id``), never merged
into it nor counted as a duplicate of it (screening treats both records as one owner of the ID
number, :func:`treem_app.services.findings.load_registry`). The link is found at import by the
12-digit ID number (any commune: a number belongs to one person nationwide), else by the folded
name + date of birth + a parent in the same commune (:func:`domain.beneficiaries.link_keys`).
A number set later on either record (the record page, the police's answer, a resolved conflict)
links them too: :func:`link_by_number`, called by the one way to change a fact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.beneficiaries import BENEFICIARY, CHILD, link_keys
from ..domain.vocabulary import INACTIVE_STATUSES
from ..models import Person, PersonEvent
from ..models._common import utcnow

CHUNK = 900  # ids per IN (...) query: under SQLite's host-parameter limit
_CHILD_FACTS = (
    Person.id,
    Person.unit_id,
    Person.name_key,
    Person.dob,
    Person.id_number,
    Person.father_name,
    Person.mother_name,
    Person.guardian_name,
)


def child_links(session: Session, unit_id: int, facts: Sequence[dict]) -> list[int | None]:
    """For each beneficiary's screened facts, the id of the same person's child record (or None).

    One read of the commune's active child records' matching facts (only when a name key is
    needed) and one of the children holding the rows' ID numbers; an ambiguous name match (two
    children) links nothing.
    """
    numbers = sorted(
        {n for f in facts if isinstance(n := f.get("id_number"), str) and len(n) == 12}
    )
    by_key: dict[tuple, list[int]] = {}
    for i in range(0, len(numbers), CHUNK):
        for row in session.execute(
            select(*_CHILD_FACTS).where(
                Person.kind == CHILD,
                Person.status.not_in(INACTIVE_STATUSES),
                Person.id_number.in_(numbers[i : i + CHUNK]),
            )
        ):
            by_key.setdefault(("id_number", row.id_number), []).append(row.id)
    dobs = sorted({f["dob"] for f in facts if f.get("dob") is not None})
    for i in range(0, len(dobs), CHUNK):
        for row in session.execute(
            select(*_CHILD_FACTS).where(
                Person.unit_id == unit_id,
                Person.kind == CHILD,
                Person.status.not_in(INACTIVE_STATUSES),
                Person.dob.in_(dobs[i : i + CHUNK]),
            )
        ):
            for key in link_keys(row._mapping):
                if key[0] != "id_number":
                    by_key.setdefault(key, []).append(row.id)
    out: list[int | None] = []
    for f in facts:
        hit = None
        for key in link_keys(f):
            ids = sorted(set(by_key.get(key, ())))
            if len(ids) == 1:
                hit = ids[0]
                break
        out.append(hit)
    return out


def relink(
    session: Session,
    matched: Sequence,
    links: Sequence[int | None],
    user_id: int | None,
    at: datetime,
    note: str,
) -> list[Person]:
    """Link the matched beneficiaries whose child record was found now (a history event each);
    returns them, to be re-screened. A link is never undone by an export."""
    wanted = {
        p.id: link
        for p, link in zip(matched, links, strict=True)
        if p is not None and link is not None and link != p.linked_person_id
    }
    persons = []
    ids = sorted(wanted)
    for i in range(0, len(ids), CHUNK):
        persons += session.scalars(select(Person).where(Person.id.in_(ids[i : i + CHUNK])))
    for person in persons:
        old = person.linked_person_id
        person.linked_person_id = wanted[person.id]
        session.add(
            PersonEvent(
                person_id=person.id,
                user_id=user_id,
                at=at,
                field="linked_person",
                old_value=f"#{old}" if old else None,
                new_value=f"#{person.linked_person_id}",
                source="export",
                note=f"{note}: cùng một người trong sổ trẻ em",
            )
        )
    return persons


def linked_records(session: Session, person: Person) -> list[Person]:
    """The records of the same person in the other registry: a beneficiary's child record, or
    the beneficiary records linked to a child record (a handful at most)."""
    if person.kind == BENEFICIARY:
        return [person.linked_person] if person.linked_person is not None else []
    return list(
        session.scalars(
            select(Person).where(Person.linked_person_id == person.id).order_by(Person.id)
        )
    )


# session.info key: the kinds of the active records holding each of a set of numbers, read at once
# (:func:`holders_read_ahead`); link_by_number asks the database only about a number held by a
# record of the other registry.
_AHEAD = "treem.link_by_number.kinds"


@contextmanager
def holders_read_ahead(session: Session, numbers: Iterable[str | None]) -> Iterator[None]:
    """While a set of records gets these numbers (the police's answers to a whole list), read
    once which kinds of active records hold each of them, instead of one look-up per record in
    :func:`link_by_number` (for most numbers: nobody of the other registry). Valid while no
    record of the other registry changes its number or status (a list is of one kind) and
    nothing is flushed that it would see: use it with ``session.no_autoflush``."""
    wanted = sorted({n for n in numbers if isinstance(n, str) and len(n) == 12})
    kinds: dict[str, set[str]] = {n: set() for n in wanted}
    for i in range(0, len(wanted), CHUNK):
        for number, kind in session.execute(
            select(Person.id_number, Person.kind)
            .where(
                Person.id_number.in_(wanted[i : i + CHUNK]),
                Person.status.not_in(INACTIVE_STATUSES),
            )
            .distinct()
        ):
            kinds[number].add(kind)
    session.info[_AHEAD] = kinds
    try:
        yield
    finally:
        session.info.pop(_AHEAD, None)


def link_by_number(
    session: Session,
    person: Person,
    *,
    source: str,
    user_id: int | None = None,
    at: datetime | None = None,
) -> list[Person]:
    """After `person`'s ID number was set: link it to the other registry's record of the same
    number (a beneficiary to the one active child record holding it; a child record to the
    active beneficiaries holding it that have no link yet), a history event on each beneficiary
    linked. Returns the beneficiaries linked (re-screened with the change: they share one
    owner of the number from now on). Nothing for a number that is not 12 digits, a record not
    stored yet, or an ambiguous match (two child records)."""
    number = person.id_number
    if person.id is None or not (isinstance(number, str) and len(number) == 12):
        return []
    other = CHILD if person.kind == BENEFICIARY else BENEFICIARY
    ahead = session.info.get(_AHEAD)
    if ahead is not None and number in ahead and other not in ahead[number]:
        return []  # read ahead: no active record of the other registry holds it
    query = select(Person).where(
        Person.id_number == number,
        Person.kind == other,
        Person.id != person.id,
        Person.status.not_in(INACTIVE_STATUSES),
    )
    if person.kind == BENEFICIARY:
        children = session.scalars(query.limit(2)).all()
        if len(children) != 1 or person.linked_person_id == children[0].id:
            return []
        pairs = [(person, children[0].id)]
    else:
        pairs = [(b, person.id) for b in session.scalars(query.order_by(Person.id).limit(20))
                 if b.linked_person_id is None]  # fmt: skip
    for beneficiary, child_id in pairs:
        old = beneficiary.linked_person_id
        beneficiary.linked_person_id = child_id
        session.add(
            PersonEvent(
                person_id=beneficiary.id,
                user_id=user_id,
                at=at or utcnow(),
                field="linked_person",
                old_value=f"#{old}" if old else None,
                new_value=f"#{child_id}",
                source=source,
                note="Cùng số định danh: cùng một người trong sổ trẻ em",
            )
        )
    return [b for b, _ in pairs]
