"""Conflicts between the export and treem: an officer keeps treem's value or takes the export's."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ..domain.screening import screen_one
from ..models import Conflict, User
from ..models._common import utcnow
from . import hamlets
from .findings import person_as_row, rescreen
from .persons import released_numbers, set_fact
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
        if conflict.field == "hamlet":  # merged since the import: the hamlet it went into
            facts["hamlet"] = hamlets.resolve(session, person.unit_id, facts["hamlet"])
        event = set_fact(
            session,
            person,
            conflict.field,
            facts,
            source="officer",
            user_id=user.id if user else None,
            note=f"Chọn giá trị từ tệp xuất (lần nhập #{conflict.import_run_id})",
            # The number is the national software's own: it counts as the export's.
            id_source="export",
        )
        session.flush()
        rescreen(session, [person], screening_date, released=released_numbers([event]))
    conflict.status = "resolved"
    conflict.decision = decision
    conflict.resolved_at = now
    conflict.resolved_by_id = user.id if user else None
    session.flush()
