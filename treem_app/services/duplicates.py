"""Duplicates: probable pairs side by side, merged (both histories kept) or dismissed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from ..domain.matching import find_duplicate_persons
from ..models import NotDuplicate, Person, PersonEvent, User
from .access import scoped
from .findings import dismissed_pairs, pair, rescreen, resolve_open_findings
from .persons import facts_of, set_fact
from .review import EDITABLE_FIELDS, MARKS, ReviewError


@dataclass
class DuplicatePair:
    a: Person
    b: Person
    reason: str

    @property
    def differences(self) -> set[str]:
        return {f for f in MERGED_FIELDS if getattr(self.a, f) != getattr(self.b, f)}


# The facts a merge looks at: every editable fact and the national software's key.
MERGED_FIELDS = EDITABLE_FIELDS + ("national_key",)


DUPLICATE_REASONS = {
    "same_national_key": "Cùng mã trên phần mềm quốc gia",
    "same_name_dob_parent": "Cùng họ tên, ngày sinh và cha/mẹ",
    "similar_name_dob_parent": "Họ tên gần giống, cùng ngày sinh và cha/mẹ",
}


def duplicate_pairs(session: Session, user: User) -> list[DuplicatePair]:
    """Probable duplicate pairs among the active records in scope, minus dismissed pairs."""
    persons = list(
        session.scalars(
            scoped(user, Person).where(Person.status.not_in(tuple(MARKS))).order_by(Person.id)
        )
    )
    dismissed = dismissed_pairs(session)
    pairs = []
    for i, j, reason in find_duplicate_persons([facts_of(p) for p in persons]):
        a, b = persons[i], persons[j]
        if a.unit_id == b.unit_id and pair(a.id, b.id) not in dismissed:
            pairs.append(DuplicatePair(a, b, reason))
    return pairs


def check_merge(keep: Person, other: Person) -> None:
    """ReviewError (in Vietnamese) when `other` cannot be merged into `keep`."""
    if keep.id == other.id or keep.unit_id != other.unit_id:
        raise ReviewError("Chỉ gộp được hai hồ sơ khác nhau của cùng một xã.")
    if keep.status in MARKS or other.status in MARKS:
        raise ReviewError("Một trong hai hồ sơ đã được đánh dấu; không gộp được.")
    if "in_batch" in (keep.status, other.status):
        raise ReviewError("Hồ sơ đang nằm trong danh sách chuyển công an; không gộp được.")


def taken_from_other(keep: Person, other: Person) -> list[str]:
    """The facts a merge copies from `other`: those `keep` lacks and `other` has."""
    return [
        f
        for f in MERGED_FIELDS
        if getattr(keep, f) in (None, "") and getattr(other, f) not in (None, "")
    ]


def kept_differences(keep: Person, other: Person) -> list[str]:
    """The facts both records have with different values: `keep`'s value stays."""
    return [
        f
        for f in MERGED_FIELDS
        if getattr(keep, f) not in (None, "")
        and getattr(other, f) not in (None, "")
        and getattr(keep, f) != getattr(other, f)
    ]


def merge_persons(
    session: Session, keep: Person, other: Person, *, user: User, note: str | None, today: date
) -> None:
    """Merge `other` into `keep`: facts `keep` lacks are copied (each an event), `other` is
    marked a duplicate pointing at `keep`; every event of both stays in the history."""
    check_merge(keep, other)
    text = f"Gộp từ hồ sơ #{other.id}" + (f": {note.strip()}" if note and note.strip() else "")
    copied = facts_of(other)
    for f in taken_from_other(keep, other):
        set_fact(
            session,
            keep,
            f,
            copied,
            source="officer",
            user_id=user.id,
            note=text,
            id_source=other.id_source,
        )
    old_status = other.status
    other.status = "duplicate"
    other.merged_into = keep
    other.status_reason = f"Trùng với hồ sơ #{keep.id}"
    session.add(
        PersonEvent(
            person=other,
            user_id=user.id,
            field="status",
            old_value=old_status,
            new_value="duplicate",
            source="officer",
            note=f"Gộp vào hồ sơ #{keep.id}" + (f": {note}" if note else ""),
        )
    )
    resolve_open_findings(other)
    session.flush()
    rescreen(session, [keep], today)


def dismiss_pair(session: Session, a: Person, b: Person, *, user: User, today: date) -> None:
    """Remember that two records are different children; the pair is not raised again."""
    low, high = pair(a.id, b.id)
    if (
        session.scalar(
            select(NotDuplicate.id).where(
                and_(NotDuplicate.person_a_id == low, NotDuplicate.person_b_id == high)
            )
        )
        is None
    ):
        session.add(NotDuplicate(person_a_id=low, person_b_id=high, user_id=user.id))
        session.flush()
    rescreen(session, [a, b], today)
