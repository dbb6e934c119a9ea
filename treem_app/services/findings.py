"""The one re-screen: stored persons screened again, their findings, open rank and status written.

Every path that changes a person's facts (the record page, an approved proposal, a conflict
resolved, a merge, a re-import, a findings rebuild) ends in :func:`rescreen` with a
:class:`Registry`, so the same change leaves the same findings whichever way it came.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import literal, literal_column, or_, select
from sqlalchemy.orm import Session

from ..domain.beneficiaries import BENEFICIARY, BENEFICIARY_FIELDS
from ..domain.ethnicity import ethnicity_name
from ..domain.findings import Rule, finding
from ..domain.police_returns import answer_findings, facts_digest
from ..domain.screening import screen_rows
from ..domain.vocabulary import INACTIVE_STATUSES, SEX_LABELS
from ..models import Finding, NotDuplicate, Person, Unit
from ..models._common import utcnow
from ..models.person import FIELD_LABELS
from .access import subtree_ids
from .persons import facts_of, open_rank_of, workflow_status, write_changed

Progress = Callable[[int, int, str], None]

# Info findings record an automatic fix made at import; they are history, not state, so a
# re-screen (which sees already-normalised facts) leaves them alone.
MANAGED_SEVERITIES = ("error", "warning")
CHUNK = 900  # ids per IN (...) query: under SQLite's host-parameter limit


@dataclass
class Registry:
    """What a re-screen compares a set of persons with, besides each other.

    ``ids``: ID number -> a person outside the set who holds it (active records anywhere in the
    registry: an ID number belongs to one person nationwide). ``dismissed``: pairs of person ids
    an officer declared "not a duplicate" (low id first), never raised again.
    """

    ids: dict[str, int] = field(default_factory=dict)
    dismissed: set[tuple[int, int]] = field(default_factory=set)


def pair(a: int, b: int) -> tuple[int, int]:
    """A pair of person ids in the order NotDuplicate stores it (low id first)."""
    return (a, b) if a < b else (b, a)


def dismissed_pairs(
    session: Session, person_ids: Iterable[int] | None = None
) -> set[tuple[int, int]]:
    """Pairs declared "not a duplicate" (all of them, or those involving ``person_ids``)."""
    stmt = select(NotDuplicate.person_a_id, NotDuplicate.person_b_id)
    if person_ids is None:
        return {(a, b) for a, b in session.execute(stmt)}
    ids = sorted(set(person_ids))
    out: set[tuple[int, int]] = set()
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        where = or_(NotDuplicate.person_a_id.in_(chunk), NotDuplicate.person_b_id.in_(chunk))
        out.update((a, b) for a, b in session.execute(stmt.where(where)))
    return out


def dismissed_in_unit(session: Session, unit_id: int) -> set[tuple[int, int]]:
    """The dismissed pairs of one commune (pairs are always decided within a commune)."""
    own = select(Person.id).where(Person.unit_id == unit_id)
    stmt = select(NotDuplicate.person_a_id, NotDuplicate.person_b_id).where(
        NotDuplicate.person_a_id.in_(own)
    )
    return {(a, b) for a, b in session.execute(stmt)}


def load_registry(session: Session, persons: Iterable[Person]) -> Registry:
    """The registry a set of persons is screened against: who else holds their ID numbers, and
    the dismissed pairs that involve them."""
    persons = list(persons)
    own = {p.id for p in persons}
    numbers = sorted({p.id_number for p in persons if p.id_number})
    holders: dict[str, int] = {}
    for i in range(0, len(numbers), CHUNK):
        for pid, number, linked in session.execute(
            select(Person.id, Person.id_number, Person.linked_person_id)
            .where(
                Person.id_number.in_(numbers[i : i + CHUNK]),
                Person.status.not_in(INACTIVE_STATUSES),
            )
            .order_by(Person.id)
        ):
            if pid not in own:
                # A beneficiary linked to its child record is that person (one owner).
                holders.setdefault(number, linked or pid)
    dismissed = dismissed_pairs(session, own) if len(own) <= CHUNK else dismissed_pairs(session)
    return Registry(holders, dismissed)


def person_as_row(p: Person) -> dict:
    """A stored person as a raw row for the screening domain (precision kept in the text)."""
    dob: object = p.dob
    if p.dob is not None and p.dob_precision == "month":
        dob = f"{p.dob.month:02d}/{p.dob.year}"
    elif p.dob is not None and p.dob_precision == "year":
        dob = f"năm {p.dob.year}"
    row = {
        "_owner": p.linked_person_id or p.id,  # a linked beneficiary is its child record's person
        "national_key": p.national_key,
        "full_name": p.full_name,
        "dob": dob,
        "sex": SEX_LABELS.get(p.sex or "", p.sex),
        "ethnicity": ethnicity_name(p.ethnicity) if p.ethnicity else None,
        "id_number": p.id_number,
        "father_name": p.father_name,
        "mother_name": p.mother_name,
        "guardian_name": p.guardian_name,
        "hamlet": p.hamlet,
    }
    if p.kind == BENEFICIARY:
        row["_kind"] = p.kind
        row.update((f, getattr(p, f)) for f in BENEFICIARY_FIELDS)
    return row


def police_findings(person: Person) -> list:
    """The finding a negative police answer leaves while the facts it was about stand."""
    if not person.police_answer:
        return []
    return answer_findings(
        person.police_answer,
        person.police_note,
        person.police_facts,
        facts_digest(facts_of(person)),
    )


def software_findings(person) -> list:
    """The finding a record keeps while a later export showed the officer's entry did not take
    (``sync_missed``: the fields), until the software holds treem's facts or it is ticked again."""
    missed = [f for f in (person.sync_missed or "").split(",") if f]
    if not missed:
        return []
    labels = ", ".join(FIELD_LABELS.get(f, f).lower() for f in missed)
    return [
        finding(
            Rule.SOFTWARE_NOT_UPDATED,
            missed[0],
            f"Đã đánh dấu nhập vào phần mềm nhưng tệp xuất sau vẫn ghi giá trị cũ ({labels}). "
            "Hãy nhập lại và kiểm tra trên phần mềm.",
        )
    ]


def kept_findings(
    person_id: int, findings: Iterable, other_id: Callable[[int], int | None], dismissed: set
) -> list:
    """The findings to keep: a DUPLICATE_PERSON against a pair the officer dismissed, or against
    a person of another commune (pairs are decided within a commune), is dropped.

    ``other_id`` maps a finding's ``related`` row to that row's person id (None: keep it).
    """
    out = []
    for f in findings:
        if str(f.rule) == "DUPLICATE_PERSON" and f.related is not None:
            other = other_id(f.related)
            if other is not None and pair(person_id, other) in dismissed:
                continue
        out.append(f)
    return out


def sync_findings(
    session: Session, person: Person, new: Iterable, existing: list[Finding]
) -> tuple[int, int, list]:
    """Open the new findings not yet open, resolve the open ones no longer raised, and set
    the person's open rank from what stays open.

    Returns (opened, resolved, the open errors and warnings). Findings are keyed by (rule, field).
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
    kept = list(wanted.values())
    rank = open_rank_of(kept)
    if person.open_rank != rank:
        person.open_rank = rank
    return opened, resolved, kept


def resolve_open_findings(person: Person) -> None:
    """A marked record leaves the queue's counts: its open findings are resolved."""
    now = utcnow()
    for f in person.findings:
        if f.status == "open":
            f.status, f.resolved_at = "resolved", now
    person.open_rank = open_rank_of(person.findings)


def _holders(session: Session, numbers: Iterable[str], own: set[int]) -> list[Person]:
    """Active persons outside the set who hold one of ``numbers``: the other side of an
    ID_DUPLICATE gains or loses it with the set."""
    numbers = sorted(set(numbers))
    out: list[Person] = []
    for i in range(0, len(numbers), CHUNK):
        for p in session.scalars(
            select(Person)
            .where(
                Person.id_number.in_(numbers[i : i + CHUNK]),
                Person.status.not_in(INACTIVE_STATUSES),
            )
            .order_by(Person.id)
        ):
            if p.id not in own:
                own.add(p.id)
                out.append(p)
    return out


def _neighbours(session: Session, persons: list[Person]) -> list[Person]:
    """Active persons outside the set with the same commune and date of birth as one inside:
    the only ones a DUPLICATE_PERSON pair can involve."""
    own = {p.id for p in persons}
    wanted = {(p.unit_id, p.dob) for p in persons if p.dob is not None}
    if not wanted:
        return []
    units = sorted({u for u, _ in wanted})
    dobs = sorted({d for _, d in wanted})
    out: list[Person] = []
    for i in range(0, len(dobs), CHUNK):
        for p in session.scalars(
            select(Person)
            .where(
                Person.unit_id.in_(units),
                Person.dob.in_(dobs[i : i + CHUNK]),
                Person.status.not_in(INACTIVE_STATUSES),
            )
            .order_by(Person.id)
        ):
            if p.id not in own and (p.unit_id, p.dob) in wanted:
                out.append(p)
    return out


def rescreen(
    session: Session,
    persons: Iterable[Person],
    screening_date: date,
    registry: Registry | None = None,
    *,
    whole_units: bool = False,
    released: Iterable[str] = (),
    progress: Progress | None = None,
) -> dict:
    """Screen stored persons again and write their findings, open rank and workflow status.

    The set is screened together (ID numbers and duplicates within it) and against
    ``registry`` (loaded for the set when not given). Unless ``whole_units`` says the set
    already holds every active person of its communes, the other side of every pair joins the
    set, so it gains or loses its finding too: the holders of the set's ID numbers (and of the
    ``released`` numbers a change just took off a person), then the persons a DUPLICATE_PERSON
    pair could involve (same commune and date of birth). Marked records are left alone.
    Flushes, never commits.
    Returns a summary: persons, opened, resolved, by_rule.
    """
    seen: set[int] = set()
    active = []
    for p in persons:
        if p.status not in INACTIVE_STATUSES and p.id not in seen:
            seen.add(p.id)
            active.append(p)
    if not whole_units:
        numbers = {p.id_number for p in active if p.id_number} | {n for n in released if n}
        active += _holders(session, numbers, seen)
        active += _neighbours(session, active)
    total = len(active)
    if registry is None:
        registry = load_registry(session, active)
    result = screen_rows(
        (person_as_row(p) for p in active), screening_date, registry_ids=registry.ids
    )
    if progress:
        progress(0, total, "Đang cập nhật kết quả rà soát")
    existing: dict[int, list[Finding]] = {p.id: [] for p in active}
    ids = list(existing)
    for i in range(0, total, CHUNK):
        for f in session.scalars(select(Finding).where(Finding.person_id.in_(ids[i : i + CHUNK]))):
            existing[f.person_id].append(f)

    def other_id(row: int) -> int | None:
        return active[row].id

    opened = resolved = 0
    by_rule: dict[str, int] = {}
    for n, (person, record) in enumerate(zip(active, result.records, strict=True), start=1):
        found = (
            police_findings(person)
            + software_findings(person)
            + [
                f
                for f in kept_findings(person.id, record.findings, other_id, registry.dismissed)
                # Pairs are decided within a commune (the duplicates page, merges).
                if not (
                    str(f.rule) == "DUPLICATE_PERSON"
                    and f.related is not None
                    and active[f.related].unit_id != person.unit_id
                )
            ]
        )
        o, r, open_now = sync_findings(session, person, found, existing[person.id])
        opened += o
        resolved += r
        status = workflow_status(person, open_now)
        if person.status != status:
            person.status = status
        for f in open_now:
            by_rule[str(f.rule)] = by_rule.get(str(f.rule), 0) + 1
        if progress and (n % 500 == 0 or n == total):
            progress(n, total, "Đang cập nhật kết quả rà soát")
    write_changed(session, active)  # one statement for many persons, not one a person
    session.flush()
    for person in active:
        session.expire(person, ["findings"])
    return {
        "persons": total,
        "opened": opened,
        "resolved": resolved,
        "by_rule": dict(sorted(by_rule.items())),
    }


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
    if progress:
        progress(0, len(persons), "Đang đọc hồ sơ")
    registry = load_registry(session, persons)
    return rescreen(session, persons, screening_date, registry, whole_units=True, progress=progress)


def has_open_finding(*conditions, per_person: bool = False):
    """Whether the person (of the enclosing statement) has an open finding matching
    `conditions`. `per_person` keeps it a probe of that person's findings in their index:
    OFFSET 0 keeps PostgreSQL from turning the EXISTS into a semi-join (it does not pull up a
    subquery with an OFFSET), which read the rule's open findings in the whole database."""
    probe = select(literal(1)).where(
        Finding.person_id == Person.id, Finding.status == "open", *conditions
    )
    if per_person:
        probe = probe.offset(literal_column("0"))
    return probe.exists()
