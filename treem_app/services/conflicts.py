"""Conflicts between the export and treem: an officer keeps treem's value or takes the export's."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.screening import screen_one
from ..models import Conflict, Finding, PersonEvent, User
from ..models._common import utcnow
from .findings import person_as_row, sync_findings
from .persons import fact_text, workflow_status
from .roster_upload import ImportError_


def resolve_conflict(
    session: Session, conflict: Conflict, decision: str, user: User | None, screening_date: date
) -> None:
    """Close a conflict: "keep" the value in treem, or "export" to take the export's value.

    Taking the export's value of a "value" conflict is a correction by the officer (an event
    with source "officer"), so a later export does not silently change it back.
    """
    if conflict.status != "open":
        return
    if decision not in ("keep", "export"):
        raise ImportError_("Quyết định không hợp lệ.")
    now = utcnow()
    if decision == "export" and conflict.kind == "value":
        person = conflict.person
        row = person_as_row(person)
        row[conflict.field] = conflict.export_value
        facts = screen_one(row, screening_date).facts
        old_text = fact_text(person, conflict.field)
        setattr(person, conflict.field, facts.get(conflict.field))
        if conflict.field == "dob":
            person.dob_precision = facts.get("dob_precision")
        if conflict.field == "full_name":
            person.name_key = facts.get("name_key")
        session.add(
            PersonEvent(
                person_id=person.id,
                user_id=user.id if user else None,
                field=conflict.field,
                old_value=old_text,
                new_value=fact_text(person, conflict.field),
                source="officer",
                note=f"Chọn giá trị từ tệp xuất (lần nhập #{conflict.import_run_id})",
            )
        )
        session.flush()
        found = screen_one(person_as_row(person), screening_date).findings
        existing = list(session.scalars(select(Finding).where(Finding.person_id == person.id)))
        sync_findings(session, person, found, existing)
        person.status = workflow_status(person, found)
    conflict.status = "resolved"
    conflict.decision = decision
    conflict.resolved_at = now
    conflict.resolved_by_id = user.id if user else None
    session.flush()
