"""Conflicts between the export and treem: an officer keeps treem's value, takes the export's,
or (for a record no longer in the export) marks the child moved away; one by one or many at
once, each through the same steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from ..domain.screening import screen_one
from ..domain.vocabulary import MARKS
from ..models import Conflict, Person, PersonEvent, User
from ..models._common import utcnow
from . import hamlets
from .findings import person_as_row, rescreen
from .persons import released_numbers, set_fact
from .review import ReviewError, set_mark
from .roster_upload import ImportError_

# What an officer may decide, and for which kinds of conflict.
DECISIONS = {
    "keep": "Giữ như trong treem (giữ giá trị đã sửa, vẫn giữ hồ sơ)",
    "export": "Dùng giá trị trên tệp xuất",
    "moved": "Đã chuyển đi",
}
DECISION_KINDS = {"keep": ("value", "absent"), "export": ("value",), "moved": ("absent",)}


def resolve_conflict(
    session: Session, conflict: Conflict, decision: str, user: User | None, screening_date: date
) -> None:
    """Close a conflict: "keep" the value (or the record) in treem, "export" to take the
    export's value, "moved" to mark a child no longer in the export as moved away.

    Taking the export's value of a "value" conflict is a correction by the officer (an event
    with source "officer"), so a later export does not silently change it back. "moved" is the
    record's mark (status and history event, as on the record page): the child leaves the
    work queue and the handover. Raises ImportError_ (Vietnamese) when refused.
    """
    if conflict.status == "open":
        resolve_conflicts(session, [conflict], decision, user, screening_date)


def check_decision(conflicts: Sequence[Conflict], decision: str) -> None:
    """ImportError_ when `decision` does not fit every one of `conflicts`: nothing changes."""
    if decision not in DECISIONS:
        raise ImportError_("Quyết định không hợp lệ.")
    if not conflicts:
        raise ImportError_("Hãy chọn ít nhất một mục.")
    misfits = [c for c in conflicts if c.kind not in DECISION_KINDS[decision]]
    if misfits:
        kinds = ", ".join(sorted({f"“{c.kind_label}”" for c in misfits}))
        raise ImportError_(
            f"“{DECISIONS[decision]}” không áp dụng được cho {len(misfits)} mục đã chọn "
            f"(loại {kinds}). Bỏ chọn các mục đó hoặc dùng “Chọn theo loại”."
        )
    if decision == "moved":
        for c in conflicts:
            name = c.person.full_name or f"#{c.person_id}"
            if c.person.status == "in_batch":
                raise ImportError_(
                    f"Hồ sơ {name} đang nằm trong danh sách chuyển công an; rút khỏi danh "
                    "sách trước. Chưa có gì thay đổi."
                )
            if c.person.status in MARKS and c.person.status != "moved":
                raise ImportError_(
                    f"Hồ sơ {name} đã được đánh dấu “{MARKS[c.person.status]}”; khôi phục hồ "
                    "sơ trước. Chưa có gì thay đổi."
                )


def resolve_conflicts(
    session: Session,
    conflicts: Sequence[Conflict],
    decision: str,
    user: User | None,
    screening_date: date,
) -> int:
    """Apply one decision to several open conflicts, each as :func:`resolve_conflict` would;
    the persons whose facts changed are re-screened together once. Returns how many conflicts
    were closed (those already closed are skipped). All or nothing: ImportError_ when the
    decision does not fit one of them."""
    if not conflicts:
        raise ImportError_("Hãy chọn ít nhất một mục.")
    todo = [c for c in conflicts if c.status == "open"]
    if not todo:
        return 0
    check_decision(todo, decision)
    if decision == "moved" and user is None:
        raise ImportError_("Cần cán bộ xác nhận hồ sơ đã chuyển đi.")
    now = utcnow()
    changed: list[Person] = []
    events: list[PersonEvent | None] = []
    for conflict in todo:
        person = conflict.person
        if decision == "export" and conflict.kind == "value":
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
            if event is not None:
                events.append(event)
                if person not in changed:
                    changed.append(person)
        elif decision == "moved" and user is not None and person.status != "moved":
            _mark_moved(session, conflict, user, screening_date)
        conflict.status = "resolved"
        conflict.decision = decision
        conflict.resolved_at = now
        conflict.resolved_by_id = user.id if user else None
    session.flush()
    if changed:
        rescreen(session, changed, screening_date, released=released_numbers(events))
    return len(todo)


def _mark_moved(session: Session, conflict: Conflict, user: User, today: date) -> None:
    reason = f"Không còn trong tệp xuất (lần nhập #{conflict.import_run_id})"
    try:
        set_mark(session, conflict.person, "moved", reason, user=user, today=today)
    except ReviewError as exc:
        raise ImportError_(str(exc)) from exc
