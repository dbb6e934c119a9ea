"""Re-screening stored persons and keeping their open findings in step with the rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.ethnicity import ethnicity_name
from ..domain.screening import screen_rows
from ..models import Finding, NotDuplicate, Person, Unit
from ..models._common import utcnow
from ..models.person import INACTIVE_STATUSES
from .access import subtree_ids
from .persons import open_rank_of, workflow_status

Progress = Callable[[int, int, str], None]

# Info findings record an automatic fix made at import; they are history, not state, so a
# re-screen (which sees already-normalised facts) leaves them alone.
MANAGED_SEVERITIES = ("error", "warning")
CHUNK = 2000


def person_as_row(p: Person) -> dict:
    """A stored person as a raw row for the screening domain (precision kept in the text)."""
    dob: object = p.dob
    if p.dob is not None and p.dob_precision == "month":
        dob = f"{p.dob.month:02d}/{p.dob.year}"
    elif p.dob is not None and p.dob_precision == "year":
        dob = f"năm {p.dob.year}"
    return {
        "_owner": p.id,
        "national_key": p.national_key,
        "full_name": p.full_name,
        "dob": dob,
        "sex": {"M": "Nam", "F": "Nữ"}.get(p.sex or "", p.sex),
        "ethnicity": ethnicity_name(p.ethnicity) if p.ethnicity else None,
        "id_number": p.id_number,
        "father_name": p.father_name,
        "mother_name": p.mother_name,
        "guardian_name": p.guardian_name,
        "hamlet": p.hamlet,
    }


def sync_findings(
    session: Session, person: Person, new: Iterable, existing: list[Finding]
) -> tuple[int, int]:
    """Open the new findings not yet open, resolve the open ones no longer raised, and set
    the person's open rank from what stays open.

    Returns (opened, resolved). Findings are keyed by (rule, field).
    """
    now = utcnow()
    wanted = {
        (f.rule.value if hasattr(f.rule, "value") else f.rule, f.field): f
        for f in new
        if str(f.severity) in MANAGED_SEVERITIES
    }
    current = {
        (f.rule, f.field): f
        for f in existing
        if f.status == "open" and f.severity in MANAGED_SEVERITIES
    }
    # A value the export had but screening could not read (ETHNICITY_UNKNOWN, DOB_INVALID...)
    # is stored as empty; re-screening then sees it as *_MISSING. Keep the more precise open
    # finding (its message quotes the unreadable value) until the field gets a value.
    for key in [k for k in wanted if k[0].endswith("_MISSING")]:
        precise = [
            k
            for k in current
            if k[1] == key[1] and k[0] != key[0] and k[0].endswith(("_UNKNOWN", "_INVALID"))
        ]
        if precise:
            del wanted[key]
            for k in precise:
                wanted[k] = current[k]
    opened = resolved = 0
    for key, f in wanted.items():
        if key not in current:
            session.add(
                Finding(
                    person_id=person.id,
                    rule=key[0],
                    field=key[1],
                    severity=str(f.severity),
                    message=f.message,
                )
            )
            opened += 1
        elif current[key].message != f.message:
            current[key].message = f.message
    for key, row in current.items():
        if key not in wanted:
            row.status = "resolved"
            row.resolved_at = now
            resolved += 1
    # Open info findings never count, so the open errors and warnings are exactly `wanted`.
    rank = open_rank_of(wanted.values())
    if person.open_rank != rank:
        person.open_rank = rank
    return opened, resolved


def rebuild_findings(
    session: Session, unit: Unit, screening_date: date, progress: Progress | None = None
) -> dict:
    """Re-screen every active person of `unit` and its descendants; returns a summary.

    ID_DUPLICATE also looks at persons outside the unit. Flushes, never commits.
    """
    persons = list(
        session.scalars(
            select(Person)
            .where(Person.unit_id.in_(subtree_ids(unit)), Person.status.not_in(INACTIVE_STATUSES))
            .order_by(Person.id)
        )
    )
    total = len(persons)
    if progress:
        progress(0, total, "Đang đọc hồ sơ")
    ids = {p.id_number for p in persons if p.id_number}
    registry: dict[str, object] = {}
    id_list = sorted(ids)
    for i in range(0, len(id_list), 900):
        chunk = id_list[i : i + 900]
        for pid, number in session.execute(
            select(Person.id, Person.id_number).where(
                Person.id_number.in_(chunk),
                Person.unit_id.not_in(subtree_ids(unit)),
                Person.status.not_in(INACTIVE_STATUSES),
            )
        ):
            registry[number] = pid
    result = screen_rows((person_as_row(p) for p in persons), screening_date, registry_ids=registry)
    if progress:
        progress(0, total, "Đang cập nhật kết quả rà soát")
    existing: dict[int, list[Finding]] = {p.id: [] for p in persons}
    for i in range(0, total, CHUNK):
        chunk_ids = [p.id for p in persons[i : i + CHUNK]]
        for f in session.scalars(select(Finding).where(Finding.person_id.in_(chunk_ids))):
            existing[f.person_id].append(f)
    opened = resolved = 0
    by_rule: dict[str, int] = {}
    dismissed = {
        (a, b)
        for a, b in session.execute(select(NotDuplicate.person_a_id, NotDuplicate.person_b_id))
    }

    def kept(person: Person, f) -> bool:
        # A pair an officer declared "not a duplicate" is not raised again.
        if str(f.rule) != "DUPLICATE_PERSON" or f.related is None:
            return True
        other = persons[f.related].id
        return (min(person.id, other), max(person.id, other)) not in dismissed

    for n, (person, record) in enumerate(zip(persons, result.records, strict=True), start=1):
        findings = [f for f in record.findings if kept(person, f)]
        o, r = sync_findings(session, person, findings, existing[person.id])
        opened += o
        resolved += r
        person.status = workflow_status(person, findings)
        for f in findings:
            if str(f.severity) in MANAGED_SEVERITIES:
                by_rule[str(f.rule)] = by_rule.get(str(f.rule), 0) + 1
        if progress and (n % 500 == 0 or n == total):
            progress(n, total, "Đang cập nhật kết quả rà soát")
    session.flush()
    return {
        "persons": total,
        "opened": opened,
        "resolved": resolved,
        "by_rule": dict(sorted(by_rule.items())),
    }
