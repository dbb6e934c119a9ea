"""Step 2, review: a person's facts corrected with their source, record marks, new children.

The work queue, duplicates, proposals and the access log live beside this module
(``work_queue``, ``duplicates``, ``proposals``, ``audit``). Every function takes a Session and
flushes; the request (or job) commits. A fact changes only through
:func:`treem_app.services.persons.set_fact`, followed by the one re-screen
(:func:`treem_app.services.findings.rescreen`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.matching import find_duplicate_persons
from ..domain.screening import screen_one
from ..domain.vocabulary import EDIT_SOURCES, MARKS
from ..models import Person, PersonEvent, Unit, User
from ..models.person import FACT_FIELDS, FIELD_LABELS
from . import hamlets
from .access import subtree_ids
from .findings import person_as_row, rescreen, resolve_open_findings
from .persons import create_screened_person, fact_text, facts_of, released_numbers, set_fact

# Every fact but the key of the record in the national software, which only the export sets.
EDITABLE_FIELDS = tuple(f for f in FACT_FIELDS if f != "national_key")
# A typed value that screening cannot read is refused, so no garbage is stored; a value that
# reads fine but contradicts another fact (ID_SEX_MISMATCH...) is saved and flagged.
REFUSED_ON_EDIT = {
    "NAME_MISSING",
    "NAME_INVALID",
    "DOB_INVALID",
    "DOB_FUTURE",
    "SEX_INVALID",
    "ETHNICITY_UNKNOWN",
    "ID_FORMAT",
    "ID_PROVINCE",
}
# What to type instead, after the finding's own message (a form, unlike an import, can ask).
REFUSED_HINTS = {
    "DOB_INVALID": (
        "Ghi ngày sinh theo dạng dd/mm/yyyy; chỉ biết tháng: mm/yyyy; chỉ biết năm: yyyy."
    ),
}


def _refusal(finding) -> str:
    hint = REFUSED_HINTS.get(str(finding.rule))
    return f"{finding.message} {hint}" if hint else finding.message


class ReviewError(ValueError):
    """A refused review action; the message is Vietnamese and shown to the user, next to the
    form's field `field_name` when it is about one."""

    field_name: str | None = None

    def __init__(self, *args, field_name: str | None = None):
        super().__init__(*args)
        if field_name:
            self.field_name = field_name


class StaleRecord(ReviewError):
    """The record changed since the form was opened: nothing was saved."""

    def __init__(self, person: Person, field_name: str):
        current = fact_text(person, field_name) or "(trống)"
        super().__init__(
            "Hồ sơ vừa được người khác cập nhật nên thay đổi của bạn chưa được lưu. "
            f"{FIELD_LABELS.get(field_name, field_name)} hiện là: {current}. "
            "Vui lòng xem lại rồi lưu lại nếu vẫn cần sửa."
        )
        self.person = person


@dataclass
class DuplicateWarning(ReviewError):
    """A new child looks like children already on record; the officer must confirm."""

    candidates: list[Person] = field(default_factory=list)

    def __str__(self) -> str:
        return "Có thể trùng với trẻ đã có trong danh sách. Kiểm tra trước khi thêm."


def normalise_value(person: Person, field_name: str, raw: str | None, today: date) -> dict:
    """The screened facts for a typed value (the field and its derived columns), or
    ReviewError when it cannot be read."""
    if field_name not in EDITABLE_FIELDS:
        raise ReviewError("Thông tin này không sửa được.")
    row = person_as_row(person)
    row[field_name] = raw.strip() if isinstance(raw, str) and raw.strip() else None
    record = screen_one(row, today)
    for f in record.findings:
        if f.field == field_name and str(f.rule) in REFUSED_ON_EDIT:
            raise ReviewError(_refusal(f))
    return record.facts


def update_fact(
    session: Session,
    person: Person,
    field_name: str,
    raw: str | None,
    *,
    user: User,
    source: str,
    note: str | None,
    expected_version: int | None,
    today: date,
    approved_by: User | None = None,
) -> bool:
    """Correct one fact with its source; re-screen the record. Returns False if unchanged.

    Raises StaleRecord when the record changed since `expected_version`, ReviewError when the
    value cannot be read, the source is unknown or the record is marked (moved, deceased...).
    """
    if source not in EDIT_SOURCES:
        raise ReviewError("Vui lòng chọn nguồn thông tin.")
    if person.status in MARKS:
        raise ReviewError("Hồ sơ đã được đánh dấu; khôi phục hồ sơ trước khi sửa.")
    if expected_version is not None and person.version != expected_version:
        raise StaleRecord(person, field_name)
    facts = normalise_value(person, field_name, raw, today)
    if field_name == "hamlet":  # a hamlet of the commune's list (an unknown one joins it)
        facts["hamlet"] = hamlets.resolve(session, person.unit_id, facts["hamlet"])
    event = set_fact(
        session,
        person,
        field_name,
        facts,
        source=source,
        user_id=user.id,
        approved_by_id=approved_by.id if approved_by else None,
        note=note,
    )
    if event is None:
        return False
    session.flush()
    rescreen(session, [person], today, released=released_numbers([event]))
    return True


def set_mark(
    session: Session, person: Person, mark: str, reason: str, *, user: User, today: date
) -> None:
    """Mark a record moved away, deceased, out of scope or a duplicate (or restore it with
    mark="active"); always with a reason, never deleting anything."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("Vui lòng ghi rõ lý do.")
    if mark != "active" and mark not in MARKS:
        raise ReviewError("Trạng thái không hợp lệ.")
    if person.status == "in_batch":
        raise ReviewError(
            "Hồ sơ đang nằm trong danh sách chuyển công an; rút khỏi danh sách trước."
        )
    old = person.status
    if mark == "active":
        if old not in MARKS:
            raise ReviewError("Hồ sơ đang được quản lý bình thường.")
        person.status = "in_review"
        person.status_reason = None
    else:
        person.status = mark
        person.status_reason = reason
    session.add(
        PersonEvent(
            person=person,
            user_id=user.id,
            field="status",
            old_value=old,
            new_value=person.status,
            source="officer",
            note=reason,
        )
    )
    if mark != "active":
        resolve_open_findings(person)
    session.flush()
    if mark == "active":
        rescreen(session, [person], today)


# --------------------------------------------------------------------------- new children


def screen_child(session: Session, unit: Unit, raw: dict, today: date, *, register: bool):
    """A new child's typed facts screened like an import's row (the hamlet one of the commune's
    list; ``register``: an unknown one joins it). Raises ReviewError for an unreadable value."""
    row = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in raw.items()}
    record = screen_one(row, today)
    refused = [f for f in record.findings if str(f.rule) in REFUSED_ON_EDIT]
    if refused:
        raise ReviewError(_refusal(refused[0]), field_name=refused[0].field)
    hamlets.resolve_records(session, unit.id, [record], [row.get("hamlet")], register=register)
    return record


def duplicate_candidates(session: Session, unit: Unit, facts: dict) -> list[Person]:
    """The children on record a new child with these facts probably is: same date of birth and
    a matching name and parent in the commune, or the same ID number in the unit's tree."""
    candidates = []
    if facts.get("dob") is not None:
        same_dob = list(
            session.scalars(
                select(Person).where(
                    Person.unit_id == unit.id,
                    Person.dob == facts["dob"],
                    Person.status.not_in(tuple(MARKS)),
                )
            )
        )
        rows = [facts] + [facts_of(p) for p in same_dob]
        candidates = [same_dob[j - 1] for i, j, _ in find_duplicate_persons(rows) if i == 0]
    if facts.get("id_number"):
        same_id = session.scalars(
            select(Person).where(
                Person.id_number == facts["id_number"], Person.unit_id.in_(subtree_ids(unit))
            )
        ).all()
        candidates += [p for p in same_id if p not in candidates]
    return candidates


def add_child(
    session: Session,
    unit: Unit,
    raw: dict,
    *,
    user: User,
    source: str,
    note: str | None,
    today: date,
    confirmed: bool = False,
    approved_by: User | None = None,
) -> Person:
    """Add a child found during household visits, with the same checks as an import (an
    officer's own, or a volunteer's proposal `approved_by` an officer: `user` proposed).

    Raises DuplicateWarning (nothing saved) when the child looks like one already on record
    and the officer has not confirmed; ReviewError for unreadable values.
    """
    if source not in EDIT_SOURCES:
        raise ReviewError("Vui lòng chọn nguồn thông tin.", field_name="source")
    record = screen_child(session, unit, raw, today, register=True)
    candidates = duplicate_candidates(session, unit, record.facts)
    if candidates and not confirmed:
        raise DuplicateWarning(candidates)
    person = create_screened_person(
        session, unit, record, source=source, user=user, note=note, approved_by=approved_by
    )
    session.flush()
    rescreen(session, [person], today)
    return person
