"""Creating persons from screened records, with their history and findings."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ..models import Finding, Person, PersonEvent, Unit, User
from ..models.person import FACT_FIELDS

PERSON_COLUMNS = FACT_FIELDS + ("name_key", "dob_precision")


def event_text(value: object) -> str | None:
    """How a fact's value is written in the history (dates as dd/mm/yyyy)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def status_for(findings) -> str:
    """The workflow status a freshly screened record starts in."""
    return "in_review" if any(str(f.severity) == "error" for f in findings) else "clean"


def create_screened_person(
    session: Session,
    unit: Unit,
    record,
    *,
    source: str,
    user: User | None = None,
    note: str | None = None,
    kind: str = "child",
) -> Person:
    """Insert a person from a ScreenedRecord: facts, one event per fact and per automatic fix,
    and the findings. Flushes nothing by itself beyond what the caller's session does.
    """
    facts = record.facts
    person = Person(kind=kind, unit=unit, **{k: facts.get(k) for k in PERSON_COLUMNS})
    if person.id_number:
        person.id_source = source
    person.status = status_for(record.findings)
    person.events = [
        PersonEvent(
            user=user,
            field=k,
            old_value=None,
            new_value=event_text(facts.get(k)),
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
                new_value=event_text(fix.new),
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
