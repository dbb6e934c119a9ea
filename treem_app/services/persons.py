"""The one way to change a person's facts: the fact, its derived columns and its history event.

:func:`set_fact` is what the record page, an approved proposal, a resolved conflict, a merge and
a re-import call to change a fact; :func:`create_screened_person` inserts a new one. The
re-screen that follows a change is :func:`treem_app.services.findings.rescreen`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import bindparam, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import ClauseElement

from ..domain import software_sync as sync
from ..domain.dates import format_date
from ..domain.vocabulary import INACTIVE_STATUSES, KEPT_STATUSES, SEX_LABELS, VERIFIED_ID_SOURCES
from ..models import Finding, Person, PersonEvent, Unit, User
from ..models.person import FACT_FIELDS
from .beneficiaries import link_by_number

PERSON_COLUMNS = FACT_FIELDS + ("name_key", "dob_precision")


def event_text(value: object) -> str | None:
    """How a fact's value is written in the history (dates as dd/mm/yyyy)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def fact_text(obj, field: str) -> str | None:
    """A person's (or facts dict's) value as written in the history: dates keep their
    precision (05/03/2015, 03/2015, 2015)."""
    get = obj.get if isinstance(obj, dict) else lambda k: getattr(obj, k, None)
    value = get(field)
    if field == "dob" and value is not None:
        return format_date(value, get("dob_precision") or "day")
    return event_text(value)


def facts_of(person: Person) -> dict:
    """A stored person's normalised facts, keyed like the screening domain's facts."""
    return {f: getattr(person, f) for f in PERSON_COLUMNS}


def sync_texts(obj) -> dict:
    """A person's (or facts dict's) facts as compared with the national software's."""
    return {f: fact_text(obj, f) for f in sync.SYNC_FIELDS}


def refresh_sync(person: Person) -> None:
    """The record's state against the national software (step 4), after its facts changed: a
    tick given for other facts no longer holds; matching the software clears what was missed."""
    if person.status in INACTIVE_STATUSES:
        person.sync_state = None
        return
    current = sync_texts(person)
    software = sync.load(person.software_facts)
    state = sync.state_of(software, current, person.entered_digest)
    if state != sync.ENTERED and person.entered_digest is not None:
        person.entered_digest = person.entered_at = person.entered_by_id = None
    if state == sync.SYNCED:
        person.sync_missed = None
    person.sync_state = state


def sex_text(person: Person) -> str:
    """ "Nam" / "Nữ" for a stored sex (what was stored when it is neither)."""
    return SEX_LABELS.get(person.sex or "", person.sex or "")


def guardians_text(person: Person) -> str:
    """ "Cha: …; Mẹ: …; Người giám hộ: …" with the names on record, for printed lists."""
    return "; ".join(
        f"{label}: {name}"
        for label, name in (
            ("Cha", person.father_name),
            ("Mẹ", person.mother_name),
            ("Người giám hộ", person.guardian_name),
        )
        if name
    )


def workflow_status(person: Person, findings) -> str:
    """Where a record stands after screening (SPEC section 4 "clean", section 5 handover).

    - in_review: an error other than about the ID number remains, or a probable duplicate
      (DUPLICATE_PERSON) is not decided yet: the same child must not go to the police twice;
    - clean: a 12-digit ID that passes every ID rule, from the export or the police, no error;
    - ready: everything else (facts in order, the ID missing, doubtful or not yet verified).
    """
    if person.status in KEPT_STATUSES:
        return person.status
    errors = set()
    for f in findings:
        if getattr(f, "status", "open") != "open":
            continue
        rule = str(f.rule)
        if rule == "DUPLICATE_PERSON":
            return "in_review"
        if str(f.severity) == "error":
            errors.add(rule)
    if any(not rule.startswith("ID_") for rule in errors):
        return "in_review"
    if not errors and person.id_number and person.id_source in VERIFIED_ID_SOURCES:
        return "clean"
    return "ready"


def open_rank_of(findings) -> int:
    """Where a person stands in the work queue (stored as ``Person.open_rank``): 0 with an open
    error, 1 with open warnings but no error, 2 otherwise (info findings never count).

    Takes screening findings (all open) or stored Finding rows (only the open ones count).
    """
    rank = 2
    for f in findings:
        if getattr(f, "status", "open") != "open":
            continue
        severity = str(f.severity)
        if severity == "error":
            return 0
        if severity == "warning":
            rank = 1
    return rank


def create_screened_person(
    session: Session,
    unit: Unit,
    record,
    *,
    source: str,
    user: User | None = None,
    note: str | None = None,
    kind: str = "child",
    approved_by: User | None = None,
) -> Person:
    """Insert a person from a ScreenedRecord: facts, one event per fact and per automatic fix,
    and the findings. Flushes nothing by itself beyond what the caller's session does.
    ``approved_by``: the officer who approved a volunteer's proposal (``user``) of this child.
    """
    facts = record.facts
    person = Person(kind=kind, unit=unit, **{k: facts.get(k) for k in PERSON_COLUMNS})
    if person.id_number:
        person.id_source = source
    person.status = workflow_status(person, record.findings)
    person.open_rank = open_rank_of(record.findings)
    refresh_sync(person)  # not in the national software yet: every fact is to be entered
    person.events = [
        PersonEvent(
            user=user,
            approved_by=approved_by,
            field=k,
            old_value=None,
            new_value=fact_text(facts, k),
            source=source,
            note=note,
        )
        for k in FACT_FIELDS
        if facts.get(k) not in (None, "")
    ]
    for fix in record.fixes:
        person.events.append(
            PersonEvent(
                user=user,
                field=fix.field,
                old_value=event_text(fix.old),
                new_value=fact_text(facts, "dob") if fix.field == "dob" else event_text(fix.new),
                source="normalisation",
                note=str(fix.rule),
            )
        )
    person.findings = [
        Finding(rule=str(f.rule), field=f.field, severity=str(f.severity), message=f.message)
        for f in record.findings
    ]
    session.add(person)
    return person


# Columns that follow a fact: set together with it, never on their own.
DERIVED_COLUMNS = {"full_name": ("name_key",), "dob": ("dob_precision",)}


def set_fact(
    session: Session,
    person: Person,
    field: str,
    facts,
    *,
    source: str,
    user_id: int | None = None,
    approved_by_id: int | None = None,
    note: str | None = None,
    at: datetime | None = None,
    id_source: str | None = None,
) -> PersonEvent | None:
    """Set one fact of ``person`` from screened ``facts`` (a ScreenedRecord's facts or another
    person's, with the derived columns), with its history event.

    The name key follows the name, the precision the date of birth, and the ID number's source
    (``id_source``, else the event's ``source``) the ID number. Returns the event, or None
    when the stored value is already the same (nothing written); the same ID number confirmed
    under another ``id_source`` (the police verifying the number on record) is an event too.
    """
    values = {field: facts.get(field)}
    for column in DERIVED_COLUMNS.get(field, ()):
        values[column] = facts.get(column)
    confirmed = (
        field == "id_number"
        and id_source is not None
        and person.id_number
        and person.id_source != id_source
    )
    if all(getattr(person, k) == v for k, v in values.items()) and not confirmed:
        return None
    old_text = fact_text(person, field)
    for k, v in values.items():
        setattr(person, k, v)
    if field == "id_number":
        person.id_source = (id_source or source) if person.id_number else None
    event = PersonEvent(
        user_id=user_id,
        approved_by_id=approved_by_id,
        field=field,
        old_value=old_text,
        new_value=fact_text(person, field),
        source=source,
        note=(note or "").strip() or None,
    )
    if at is not None:
        event.at = at
    refresh_sync(person)
    if person.id is None:
        event.person = person
    else:
        event.person_id = person.id
    session.add(event)
    if field == "id_number" and person.id_number:
        link_by_number(session, person, source=source, user_id=user_id, at=at)
    return event


def released_numbers(events: Iterable[PersonEvent | None]) -> list[str]:
    """The ID numbers these events took off a person (their other holders need a re-screen)."""
    return [e.old_value for e in events if e is not None and e.field == "id_number" and e.old_value]


def _on_update(mapper) -> list[tuple[str, object]]:
    """(attribute, its column's ``onupdate``) of each column the flush sets on every UPDATE."""
    return [
        (mapper.get_property_by_column(column).key, column.onupdate)
        for column in mapper.local_table.c
        if column.onupdate is not None
    ]


def write_changed(session: Session, persons: Iterable[Person]) -> int:
    """Write the changed columns of many stored persons now, one UPDATE statement sent for all
    the persons changed in the same columns (an executemany), instead of the flush's one
    statement a person (the ORM sends a versioned UPDATE one by one). The same statement as
    the flush's: the changed columns, the columns set on every update (``updated_at``), the
    version counter moved on and checked (StaleDataError when a record changed meanwhile, as
    the flush raises); no mapper event runs (Person has none). The persons are then
    as if flushed; what this leaves (a person changed through a relationship, a value that is
    an SQL expression) the next flush writes as usual. Returns the persons written."""
    mapper = inspect(Person)
    table = Person.__table__
    shapes: dict[tuple[str, ...], list[tuple[Person, dict, int]]] = {}
    seen: set[int] = set()
    for person in persons:
        state = inspect(person)
        if not state.persistent or not state.committed_state or id(person) in seen:
            continue
        seen.add(id(person))
        changed = {}
        for key in state.committed_state:
            if key not in mapper.column_attrs:
                continue
            added = state.attrs[key].history.added
            if added:
                changed[key] = added[0]
        if not changed:
            continue
        if (
            "version" in changed
            or "id" in changed
            or any(
                isinstance(v, ClauseElement) or hasattr(v, "__clause_element__")
                for v in changed.values()
            )
        ):
            continue  # the flush's own business
        for key, default in _on_update(mapper):  # updated_at, as the flush sets it
            changed.setdefault(key, default.arg(None) if default.is_callable else default.arg)
        shapes.setdefault(tuple(sorted(changed)), []).append((person, changed, person.version))
    written = 0
    conn = session.connection()
    for keys, group in shapes.items():
        columns = {mapper.column_attrs[k].columns[0].name: k for k in keys}
        stmt = (
            table.update()
            .where(table.c.id == bindparam("w_id"), table.c.version == bindparam("w_version"))
            .values({c: bindparam(f"w_{k}") for c, k in columns.items()})
            .values(version=bindparam("w_next"))
        )
        params = [
            {"w_id": p.id, "w_version": v, "w_next": v + 1} | {f"w_{k}": changed[k] for k in keys}
            for p, changed, v in group
        ]
        matched = conn.execute(stmt, params).rowcount
        if matched != len(params):
            raise StaleDataError(
                f"UPDATE statement on table 'persons' expected to update {len(params)} row(s); "
                f"{matched} were matched."
            )
        for person, changed, version in group:
            for key, value in changed.items():
                set_committed_value(person, key, value)
            set_committed_value(person, "version", version + 1)
        written += len(group)
    return written
