"""Volunteers: their hamlets, and their proposals waiting for an officer's decision: the
correction of one fact of a child, or a child found on no record (created, on approval, by the
officer's own "new record" service with its duplicate check)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..domain.ethnicity import ethnicity_name
from ..models import Person, Proposal, Unit, User, VolunteerHamlet
from ..models._common import utcnow
from ..models.person import FIELD_LABELS
from .access import scoped
from .hamlets import HamletIndex
from .persons import DERIVED_COLUMNS, fact_text
from .review import (
    EDIT_SOURCES,
    EDITABLE_FIELDS,
    ReviewError,
    add_child,
    duplicate_candidates,
    normalise_value,
    screen_child,
    update_fact,
)

NEW_PERSON = "new_person"


def set_volunteer_hamlets(session: Session, volunteer: User, hamlets: list[str]) -> None:
    """Replace the hamlets assigned to a volunteer."""
    if volunteer.role != "volunteer":
        raise ReviewError("Chỉ phân công thôn cho cộng tác viên.")
    index = HamletIndex(session, volunteer.unit_id)
    wanted = {name for h in hamlets if (name := index.resolve(h, register=True))}
    current = {
        vh.hamlet: vh
        for vh in session.scalars(
            select(VolunteerHamlet).where(VolunteerHamlet.user_id == volunteer.id)
        )
    }
    for h, row in current.items():
        if h not in wanted:
            session.delete(row)
    for h in wanted - current.keys():
        session.add(VolunteerHamlet(user_id=volunteer.id, hamlet=h))
    session.flush()


def volunteer_hamlets(session: Session, volunteer: User) -> list[str]:
    return list(
        session.scalars(
            select(VolunteerHamlet.hamlet)
            .where(VolunteerHamlet.user_id == volunteer.id)
            .order_by(VolunteerHamlet.hamlet)
        )
    )


def propose(
    session: Session,
    person: Person,
    field_name: str,
    raw: str | None,
    *,
    user: User,
    source: str,
    note: str | None,
    today: date,
) -> Proposal:
    """A volunteer's correction, checked like an officer's, waiting for approval."""
    if source not in EDIT_SOURCES:
        raise ReviewError("Vui lòng chọn nguồn thông tin.")
    facts = normalise_value(person, field_name, raw, today)
    values = {k: facts.get(k) for k in (field_name, *DERIVED_COLUMNS.get(field_name, ()))}
    if all(getattr(person, k) == v for k, v in values.items()):
        raise ReviewError("Giá trị đề xuất giống giá trị hiện tại.")
    probe = Person(**{f: getattr(person, f) for f in ("dob", "dob_precision")})
    for k, v in values.items():
        setattr(probe, k, v)
    new_value = fact_text(probe, field_name)
    # The same proposal sent again (a double click, a resend) is the one already waiting.
    waiting = session.scalar(
        select(Proposal).where(
            Proposal.person_id == person.id,
            Proposal.user_id == user.id,
            Proposal.field == field_name,
            Proposal.new_value == new_value,
            Proposal.status == "pending",
        )
    )
    if waiting is not None:
        return waiting
    proposal = Proposal(
        person=person,
        unit_id=person.unit_id,
        user_id=user.id,
        field=field_name,
        old_value=fact_text(person, field_name),
        new_value=new_value,
        source=source,
        note=(note or "").strip() or None,
    )
    session.add(proposal)
    session.flush()
    return proposal


def propose_child(
    session: Session,
    unit: Unit,
    raw: dict,
    *,
    user: User,
    source: str,
    note: str | None,
    today: date,
) -> Proposal:
    """A volunteer's newly found child, in one of their hamlets, checked like the officer's
    "new record" form (unreadable values refused), waiting for an officer: no person is created
    until then. A probable duplicate is the officer's to judge when approving."""
    if source not in EDIT_SOURCES:
        raise ReviewError("Vui lòng chọn nguồn thông tin.", field_name="source")
    typed = {f: (raw.get(f) or "").strip() for f in EDITABLE_FIELDS}
    if not typed["full_name"]:
        raise ReviewError("Vui lòng nhập họ và tên của trẻ.", field_name="full_name")
    record = screen_child(session, unit, typed, today, register=False)
    theirs = volunteer_hamlets(session, user)
    hamlet = record.facts.get("hamlet")
    if hamlet not in theirs:
        raise ReviewError(
            "Vui lòng chọn thôn của trẻ trong các thôn được phân công cho bạn"
            + (f": {', '.join(theirs)}." if theirs else " (bạn chưa được phân công thôn nào)."),
            field_name="hamlet",
        )
    # The names, number and hamlet as the record will hold them (what the officer reads); the
    # rest as typed (the date as the volunteer wrote it, its precision kept).
    for f in ("full_name", "father_name", "mother_name", "guardian_name", "id_number"):
        typed[f] = record.facts.get(f) or ""
    typed["hamlet"] = hamlet
    proposal = Proposal(
        kind=NEW_PERSON,
        unit_id=unit.id,
        user_id=user.id,
        field=NEW_PERSON,
        new_value=record.facts.get("full_name"),
        facts_json=json.dumps({k: v for k, v in typed.items() if v}, ensure_ascii=False),
        source=source,
        note=(note or "").strip() or None,
    )
    session.add(proposal)
    session.flush()
    return proposal


def _typed(proposal: Proposal) -> dict:
    """A proposed child's facts as the "new record" form sends them (every field)."""
    facts = proposal.facts
    return {f: facts.get(f, "") for f in EDITABLE_FIELDS}


def child_candidates(session: Session, proposal: Proposal, today: date) -> list[Person]:
    """The children on record a proposed new child probably is (the officer's duplicate check,
    on the records as they are now)."""
    if proposal.kind != NEW_PERSON or proposal.status != "pending":
        return []
    try:
        record = screen_child(session, proposal.unit, _typed(proposal), today, register=False)
    except ReviewError:
        return []
    return duplicate_candidates(session, proposal.unit, record.facts)


def decide_proposal(
    session: Session,
    proposal: Proposal,
    *,
    officer: User,
    approve: bool,
    reason: str | None,
    today: date,
    confirmed: bool = False,
) -> None:
    """Approve (apply, the volunteer named in the history) or reject (with a reason).

    Approving a new child creates the person through the officer's own "new record" service
    (:func:`.review.add_child`): DuplicateWarning, nothing created, while the child probably is
    one on record and the officer has not `confirmed` it is another."""
    if proposal.status != "pending":
        raise ReviewError("Đề xuất này đã được xử lý.")
    reason = (reason or "").strip()
    if approve and proposal.kind == NEW_PERSON:
        proposal.person = add_child(
            session,
            proposal.unit,
            _typed(proposal),
            user=proposal.user,
            source=proposal.source,
            note=proposal.note,
            today=today,
            confirmed=confirmed,
            approved_by=officer,
        )
    elif approve:
        current = fact_text(proposal.person, proposal.field)
        if current != proposal.old_value:
            raise ReviewError(
                f"{FIELD_LABELS.get(proposal.field, proposal.field)} đã thay đổi kể từ khi đề "
                f"xuất (hiện là: {current or '(trống)'}). Hãy từ chối hoặc sửa trực tiếp."
            )
        update_fact(
            session,
            proposal.person,
            proposal.field,
            # Stored as written in the history (an ethnicity's code): typed back as its name.
            ethnicity_name(proposal.new_value)
            if proposal.field == "ethnicity"
            else proposal.new_value,
            user=proposal.user,
            source=proposal.source,
            note=proposal.note,
            expected_version=None,
            today=today,
            approved_by=officer,
        )
    elif not reason:
        raise ReviewError("Vui lòng ghi lý do từ chối.")
    proposal.status = "approved" if approve else "rejected"
    proposal.decided_by_id = officer.id
    proposal.decided_at = utcnow()
    proposal.decision_reason = reason or None
    session.flush()


def pending_proposals(session: Session, officer: User) -> list[Proposal]:
    return list(
        session.scalars(
            scoped(officer, Proposal)
            .where(Proposal.status == "pending")
            .options(selectinload(Proposal.person), selectinload(Proposal.user))
            .order_by(Proposal.id)
        )
    )


# A volunteer's own page shows their latest proposals; older ones are counted, not listed.
OWN_PROPOSALS_SHOWN = 100


def own_proposals(
    session: Session, volunteer: User, limit: int = OWN_PROPOSALS_SHOWN
) -> tuple[list[Proposal], dict[str, int]]:
    """A volunteer's latest proposals (newest first, with the officer's decision) and how many
    they made in each state."""
    rows = session.scalars(
        select(Proposal)
        .where(Proposal.user_id == volunteer.id)
        .options(selectinload(Proposal.person), selectinload(Proposal.decided_by))
        .order_by(Proposal.id.desc())
        .limit(limit)
    ).all()
    counts = dict(
        session.execute(
            select(Proposal.status, func.count())
            .where(Proposal.user_id == volunteer.id)
            .group_by(Proposal.status)
        ).all()
    )
    return list(rows), counts
