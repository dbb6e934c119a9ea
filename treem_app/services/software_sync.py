"""Step 4: the change list (what to type into the national software, record by record), the
officer's tick "đã nhập vào phần mềm", and the counts the import summary and reports read.

The state itself is kept by :func:`treem_app.services.persons.refresh_sync` whenever a fact
changes, and by the import when a new export shows what the software holds (roster_merge).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..domain import software_sync as sync
from ..domain.software_sync import ENTERED, PENDING, FieldChange
from ..domain.vocabulary import EXPORT_SOURCES, INACTIVE_STATUSES
from ..models import Person, PersonEvent, Unit, User
from ..models._common import utcnow
from .persons import sync_texts

FILTERS = {
    "all": "Tất cả",
    "police": "Đã được công an xác thực",
    "not_entered": "Chưa nhập vào phần mềm",
}
CHUNK = 900


class SyncError(ValueError):
    """A tick that cannot be given; the message is Vietnamese, for the user."""


@dataclass
class ChangeItem:
    person: Person
    is_new: bool  # never in an export: every fact is to be entered
    changes: list[FieldChange]  # in SYNC_FIELDS order
    state: str  # pending | entered
    entered_at: datetime | None
    entered_by: User | None


def _where(query, unit: Unit, only: str, kind: str | None = None):
    states = (PENDING,) if only == "not_entered" else (PENDING, ENTERED)
    query = query.where(
        Person.unit_id == unit.id,
        Person.sync_state.in_(states),
        Person.status.not_in(INACTIVE_STATUSES),
    )
    if kind is not None:  # one kind of person (vocabulary.PERSON_KINDS); None: every kind
        query = query.where(Person.kind == kind)
    if only == "police":
        query = query.where(Person.id_source == "police")
    return query


def change_query(unit: Unit, only: str = "all", kind: str | None = None) -> Select:
    """The commune's records (of one kind when given) to type into the software, by hamlet
    then national key."""
    if only not in FILTERS:
        only = "all"
    return _where(select(Person), unit, only, kind).order_by(
        Person.hamlet, Person.national_key.is_(None), Person.national_key, Person.id
    )


def holds_other_kinds(session: Session, unit: Unit) -> bool:
    """Whether the unit holds records of a kind other than children (beneficiaries): only then
    do its pages offer a choice of kind (one index probe)."""
    found = session.scalar(
        select(Person.id).where(Person.unit_id == unit.id, Person.kind != "child").limit(1)
    )
    return found is not None


def change_counts(session: Session, unit: Unit, kind: str | None = None) -> dict[str, int]:
    count = select(func.count()).select_from(Person)
    return {only: session.scalar(_where(count, unit, only, kind)) or 0 for only in FILTERS}


# The report columns (SPEC section 1), defined once here and used everywhere:
# (4) "Đã cập nhật trên phần mềm": an active record the national software holds, i.e. one that
#     came with (or was confirmed by) an imported export;
# (6) "Đã làm sạch": of those, one whose facts in the software are treem's (synced) and clean
#     in treem (a verified ID number, no open error).
# A report is of one kind of person (``vocabulary.PERSON_KINDS``): `kind` narrows the columns
# to it (None: every kind, as step 4's own counts read them).
def in_software(kind: str | None = None):
    held = (Person.software_facts.is_not(None)) & Person.status.not_in(INACTIVE_STATUSES)
    return held if kind is None else (Person.kind == kind) & held


def cleaned(kind: str | None = None):
    return in_software(kind) & (Person.sync_state == sync.SYNCED) & (Person.status == "clean")


def progress_counts(
    session: Session, unit_ids: list[int], kind: str | None = None
) -> dict[str, int]:
    """Columns (4) and (6) for these units (of one kind of person when `kind` is given)."""
    base = select(func.count()).select_from(Person).where(Person.unit_id.in_(unit_ids))
    return {
        "in_software": session.scalar(base.where(in_software(kind))) or 0,
        "cleaned": session.scalar(base.where(cleaned(kind))) or 0,
    }


def _sources(session: Session, ids: list[int]) -> dict[tuple[int, str], str]:
    """The source of the latest change made in treem to each (person, field)."""
    out: dict[tuple[int, str], str] = {}
    for i in range(0, len(ids), CHUNK):
        for pid, fld, source in session.execute(
            select(PersonEvent.person_id, PersonEvent.field, PersonEvent.source)
            .where(
                PersonEvent.person_id.in_(ids[i : i + CHUNK]),
                PersonEvent.field.in_(sync.SYNC_FIELDS),
            )
            .order_by(PersonEvent.id)
        ):
            out[(pid, fld)] = source
    return out


def change_items(session: Session, persons: list[Person]) -> list[ChangeItem]:
    sources = _sources(session, [p.id for p in persons])
    items = []
    for p in persons:
        software = sync.load(p.software_facts)
        current = sync_texts(p)
        changes = []
        for f in sync.differing(software, current):
            source = sources.get((p.id, f))
            changes.append(
                FieldChange(
                    f,
                    (software or {}).get(f),
                    current.get(f),
                    None if source in EXPORT_SOURCES and software is not None else source,
                )
            )
        items.append(
            ChangeItem(p, software is None, changes, p.sync_state, p.entered_at, p.entered_by)
        )
    return items


def _event(person: Person, user: User | None, old: str, new: str, note: str | None = None):
    return PersonEvent(
        person_id=person.id,
        user_id=user.id if user else None,
        field=sync.SOFTWARE_FIELD,
        old_value=old,
        new_value=new,
        source="officer",
        note=note,
    )


def mark_entered(session: Session, person: Person, user: User | None) -> PersonEvent:
    """The officer typed this record's facts into the software: pending -> entered."""
    if person.sync_state != PENDING or person.status in INACTIVE_STATUSES:
        raise SyncError("Hồ sơ này không có gì cần nhập vào phần mềm, hoặc đã được đánh dấu.")
    person.entered_digest = sync.digest(sync_texts(person))
    person.entered_at = utcnow()
    person.entered_by_id = user.id if user else None
    person.sync_state = ENTERED
    event = _event(person, user, sync.UNMARKED_TEXT, sync.ENTERED_TEXT)
    session.add(event)
    return event


def unmark_entered(session: Session, person: Person, user: User | None) -> PersonEvent:
    """A tick given by mistake: entered -> pending."""
    if person.sync_state != ENTERED:
        raise SyncError("Hồ sơ này chưa được đánh dấu đã nhập vào phần mềm.")
    person.entered_digest = person.entered_at = person.entered_by_id = None
    person.sync_state = PENDING
    event = _event(person, user, sync.ENTERED_TEXT, sync.UNMARKED_TEXT, "Bỏ đánh dấu")
    session.add(event)
    return event
