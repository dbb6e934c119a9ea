"""Step 2→3, handover: weekly batches of ready records for the commune police.

A draft collects a commune's ready records (facts in order; the ID number missing, doubtful or
not yet verified); the officer adds and removes records. Issuing locks the batch: each row keeps
its record's version and the facts printed, a content hash covers them all, and a job renders
the signable PDF list and the return sheet. Every state change goes through the pure state
machine of `batch_states`. Functions flush; the request, job or CLI command commits.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..domain.batch_states import (
    MAX_BATCH_ROWS,
    OPEN_STATES,
    RETURNABLE_STATES,
    BatchState,
    InvalidTransition,
    too_many,
    transition,
)
from ..domain.dates import format_date
from ..domain.ethnicity import ethnicity_name
from ..domain.formatting import (
    agency_names,
    local_today,
    place_date_line,
    place_name,
    vn_number,
)
from ..domain.vocabulary import CORRECTION_SOURCES
from ..files.stored import write_whole
from ..models import (
    Batch,
    BatchRow,
    Finding,
    HandoverSettings,
    JobRun,
    Person,
    PersonEvent,
    Unit,
    User,
)
from ..models._common import utcnow
from ..models.person import FACT_FIELDS, FIELD_LABELS
from ..models.unit import path_ids
from . import job_runs
from .access import may_change, scoped

__all__ = ["BatchError", "InvalidTransition", "OPEN_STATES"]
from .persons import guardians_text, sex_text, workflow_status

Progress = Callable[[int, int, str], None]

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
DEFAULT_HANDOVER_WEEKDAY = 3  # Thursday (Công văn 2513 practice: the week's list goes out)
DEFAULT_RETURN_WEEKDAY = 2  # the following Wednesday
# Sources of a correction made during the review (not the export, not automatic fixes).
ROW_KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: keyed in by hand
ROW_KEY_LENGTH = 5
NUMBER_SYMBOL = "DS-UBND"


class BatchError(ValueError):
    """A refused batch action; the message is Vietnamese and shown to the user."""


# --------------------------------------------------------------------------- cadence


@dataclass(frozen=True)
class Cadence:
    handover_weekday: int = DEFAULT_HANDOVER_WEEKDAY
    return_weekday: int = DEFAULT_RETURN_WEEKDAY

    @property
    def text(self) -> str:
        return (
            f"Bàn giao {WEEKDAYS[self.handover_weekday].lower()}, "
            f"nhận lại {WEEKDAYS[self.return_weekday].lower()} tuần sau"
        )

    def handover_on(self, day: date) -> date:
        """The handover day on or after `day`."""
        return day + timedelta(days=(self.handover_weekday - day.weekday()) % 7)

    def due_on(self, handover: date) -> date:
        """The return day strictly after the handover (Thursday → the next Wednesday)."""
        return handover + timedelta(days=(self.return_weekday - handover.weekday() - 1) % 7 + 1)


def province_of(session: Session, unit: Unit) -> Unit:
    """The root of the unit's tree (the province), read from the materialised path."""
    root_id = path_ids(unit.path)[0] if unit.path else unit.id
    return session.get(Unit, root_id) or unit


def cadence_for(session: Session, unit: Unit) -> Cadence:
    """The handover cadence of the unit's province (defaults: Thursday, then Wednesday)."""
    province = province_of(session, unit)
    row = session.scalar(select(HandoverSettings).where(HandoverSettings.unit_id == province.id))
    if row is None:
        return Cadence()
    return Cadence(row.handover_weekday, row.return_weekday)


def set_cadence(
    session: Session, province: Unit, handover_weekday: int, return_weekday: int, *, user: User
) -> HandoverSettings:
    """Store a province's cadence. Raises BatchError for a weekday outside 0..6, a unit that
    is not the root of its tree, or a user whose own unit is below the province (a commune's
    administrator reads the province's cadence but never sets it)."""
    if province.parent_id is not None:
        raise BatchError("Lịch bàn giao được đặt cho cấp tỉnh.")
    if not may_change(user, province):
        raise BatchError("Lịch bàn giao của tỉnh chỉ do quản trị cấp tỉnh đặt.")
    if not all(isinstance(d, int) and 0 <= d <= 6 for d in (handover_weekday, return_weekday)):
        raise BatchError("Ngày trong tuần không hợp lệ.")
    row = session.scalar(select(HandoverSettings).where(HandoverSettings.unit_id == province.id))
    if row is None:
        row = HandoverSettings(unit_id=province.id)
        session.add(row)
    row.handover_weekday = handover_weekday
    row.return_weekday = return_weekday
    row.updated_by_id = user.id
    session.flush()
    return row


def planned_dates(session: Session, batch: Batch, today: date) -> tuple[date, date]:
    """(handover, due) of a batch: stored at issue; for a draft, as if issued today."""
    if batch.handover_on and batch.due_on:
        return batch.handover_on, batch.due_on
    cadence = cadence_for(session, batch.unit)
    handover = cadence.handover_on(today)
    return handover, cadence.due_on(handover)


def is_overdue(batch: Batch, today: date) -> bool:
    """Issued and not returned by the due date (SPEC section 5, "Reports")."""
    return batch.state == BatchState.ISSUED and batch.due_on is not None and batch.due_on < today


def overdue_query(user: User, today: date):
    return scoped(user, Batch).where(Batch.state == BatchState.ISSUED, Batch.due_on < today)


def overdue_count(session: Session, user: User, today: date) -> int:
    """Batches in the user's scope issued and not returned by their due date."""
    stmt = overdue_query(user, today).with_only_columns(func.count(Batch.id))
    return session.scalar(stmt) or 0


# --------------------------------------------------------------------------- drafts


def ready_persons_query(unit: Unit, kind: str | None = None):
    """The unit's records (of one ``kind``, or of both) ready for the police and in no open
    batch."""
    in_open = select(BatchRow.open_person_id).where(BatchRow.open_person_id.is_not(None))
    stmt = (
        select(Person)
        .where(Person.unit_id == unit.id, Person.status == "ready", Person.id.not_in(in_open))
        .order_by(Person.hamlet, Person.name_key, Person.id)
    )
    return stmt if kind is None else stmt.where(Person.kind == kind)


def ready_by_hamlet(session: Session, unit: Unit, kind: str | None = None) -> list:
    """(hamlet, ready records) of a commune, for splitting a list too long ("" no hamlet)."""
    q = ready_persons_query(unit, kind).order_by(None).subquery()
    rows = session.execute(select(q.c.hamlet, func.count()).group_by(q.c.hamlet))
    return sorted((h or "", n) for h, n in rows)


def create_draft(
    session: Session,
    unit: Unit,
    *,
    user: User | None,
    today: date,
    person_ids: Iterable[int] | None = None,
    kind: str = "child",
    hamlet: str | None = None,
    first_only: bool = False,
    max_rows: int = MAX_BATCH_ROWS,
) -> Batch:
    """A new draft of a commune's ready records of one ``kind``: all, one `hamlet` ("": none),
    `person_ids`, or (`first_only`) the first `max_rows`. BatchError when none is ready, when
    more than `max_rows` are (says how to split), or for a unit with units below it."""
    if session.scalar(select(Unit.id).where(Unit.parent_id == unit.id).limit(1)) is not None:
        raise BatchError("Danh sách chuyển công an được lập cho từng xã/phường.")
    stmt = ready_persons_query(unit, kind)
    if person_ids is not None:
        stmt = stmt.where(Person.id.in_(list(person_ids)))
    if hamlet is not None:
        stmt = stmt.where(Person.hamlet == hamlet if hamlet else Person.hamlet.is_(None))
    if first_only:
        stmt = stmt.limit(max_rows)
    persons = list(session.scalars(stmt))
    if not persons:
        raise BatchError("Không có hồ sơ nào sẵn sàng chuyển công an.")
    if len(persons) > max_rows:
        raise BatchError(too_many(len(persons), max_rows))
    seq = (
        session.scalar(
            select(func.max(Batch.seq)).where(Batch.unit_id == unit.id, Batch.year == today.year)
        )
        or 0
    ) + 1
    batch = Batch(
        unit_id=unit.id,
        unit=unit,
        year=today.year,
        seq=seq,
        number=f"{seq:02d}/{NUMBER_SYMBOL}",
        state=BatchState.DRAFT,
        person_kind=kind,
        token=secrets.token_urlsafe(24),
        created_by_id=user.id if user else None,
    )
    session.add(batch)
    session.flush()
    _add(session, batch, persons, user)
    return batch


def _require(batch: Batch, *states: BatchState, action: str) -> None:
    if batch.state not in states:
        raise BatchError(f"Không thể {action}: danh sách đang ở trạng thái “{batch.state_label}”.")


def _event(person: Person, user: User | None, old: str, new: str, note: str) -> PersonEvent:
    return PersonEvent(
        person=person,
        user_id=user.id if user else None,
        field="status",
        old_value=old,
        new_value=new,
        source="officer",
        note=note,
    )


def _add(session: Session, batch: Batch, persons: list[Person], user: User | None) -> int:
    for person in persons:
        session.add(
            BatchRow(
                batch_id=batch.id,
                person_id=person.id,
                open_person_id=person.id,
                added_by_id=user.id if user else None,
            )
        )
        old = person.status
        person.status = "in_batch"
        session.add(_event(person, user, old, "in_batch", f"Đưa vào danh sách số {batch.number}"))
    batch.row_count = (batch.row_count or 0) + len(persons)
    session.flush()
    return len(persons)


def add_persons(
    session: Session,
    batch: Batch,
    person_ids: Iterable[int],
    *,
    user: User | None,
    max_rows: int = MAX_BATCH_ROWS,
) -> int:
    """Add ready records of the batch's commune to a draft; returns how many were added.

    Records that are not ready, are elsewhere or already in an open batch are skipped.
    """
    _require(batch, BatchState.DRAFT, action="thêm hồ sơ")
    ids = [int(i) for i in person_ids]
    if not ids:
        return 0
    persons = list(
        session.scalars(
            ready_persons_query(batch.unit, batch.person_kind).where(Person.id.in_(ids))
        )
    )
    if (batch.row_count or 0) + len(persons) > max_rows:
        raise BatchError(too_many((batch.row_count or 0) + len(persons), max_rows))
    return _add(session, batch, persons, user)


def _release(session: Session, person: Person, user: User | None, note: str) -> None:
    """A record leaves its open batch: its status goes back to what its findings say."""
    if person.status != "in_batch":
        return
    person.status = "ready"  # not a kept status: workflow_status decides again
    open_findings = [f for f in person.findings if f.status == "open"]
    person.status = workflow_status(person, open_findings)
    session.add(_event(person, user, "in_batch", person.status, note))


def remove_persons(
    session: Session, batch: Batch, person_ids: Iterable[int], *, user: User | None
) -> int:
    """Take records out of a draft (the rows go; each record's history keeps the event)."""
    _require(batch, BatchState.DRAFT, action="rút hồ sơ")
    ids = [int(i) for i in person_ids]
    rows = list(
        session.scalars(
            select(BatchRow)
            .where(BatchRow.batch_id == batch.id, BatchRow.person_id.in_(ids))
            .options(selectinload(BatchRow.person).selectinload(Person.findings))
        )
    )
    for row in rows:
        _release(session, row.person, user, f"Rút khỏi danh sách số {batch.number}")
        session.delete(row)
    batch.row_count = max(0, (batch.row_count or 0) - len(rows))
    session.flush()
    return len(rows)


# --------------------------------------------------------------------------- issuing


def snapshot_of(person: Person, corrected_fields: Iterable[str]) -> dict:
    """The facts printed for one record (text, as shown to the police)."""
    fields = [f for f in FACT_FIELDS if f in set(corrected_fields)]
    extra = {"allowance_category": person.allowance_category or ""}
    return (extra if person.kind == "beneficiary" else {}) | {
        "full_name": person.full_name or "",
        "dob": format_date(person.dob, person.dob_precision or "day"),
        "sex": sex_text(person),
        "ethnicity": ethnicity_name(person.ethnicity) or (person.ethnicity or ""),
        "guardians": guardians_text(person),
        "hamlet": person.hamlet or "",
        "id_number": person.id_number or "",
        "corrected": ", ".join(FIELD_LABELS.get(f, f) for f in fields),
    }


def compute_hash(batch: Batch, rows: list[BatchRow]) -> str:
    """SHA-256 over the batch identity and every row's key, record id, version and facts."""
    payload = {
        "batch": batch.id,
        "unit": batch.unit.code,
        "number": batch.number,
        "year": batch.year,
        "rows": [[r.position, r.row_key, r.person_id, r.person_version, r.snapshot] for r in rows],
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _row_keys(n: int) -> list[str]:
    keys: set[str] = set()
    while len(keys) < n:
        keys.add("".join(secrets.choice(ROW_KEY_ALPHABET) for _ in range(ROW_KEY_LENGTH)))
    return list(keys)


def issue(
    session: Session,
    batch: Batch,
    *,
    user: User | None,
    today: date,
    max_rows: int = MAX_BATCH_ROWS,
) -> JobRun:
    """Lock a draft and record the documents job (enqueue it after the commit): the first step
    of a batch's documents, then `render_documents` and `record_documents`.

    Raises InvalidTransition when the batch is not a draft, BatchError when it is empty or a
    record in it has meanwhile gained an error other than about its ID number.
    """
    target = transition(batch.state, BatchState.ISSUED)
    rows = list(
        session.scalars(
            select(BatchRow)
            .where(BatchRow.batch_id == batch.id)
            .options(selectinload(BatchRow.person).selectinload(Person.findings))
        )
    )
    if not rows:
        raise BatchError("Danh sách chưa có hồ sơ nào.")
    if len(rows) > max_rows:
        raise BatchError(too_many(len(rows), max_rows))
    blocked = [
        r.person
        for r in rows
        if any(
            f.status == "open" and f.severity == "error" and not f.rule.startswith("ID_")
            for f in r.person.findings
        )
    ]
    if blocked:
        names = ", ".join(p.full_name or f"#{p.id}" for p in blocked[:5])
        raise BatchError(
            f"{len(blocked)} hồ sơ vừa phát sinh lỗi (ví dụ: {names}); "
            "rút các hồ sơ này khỏi danh sách hoặc sửa lỗi trước khi chuyển công an."
        )
    corrected: dict[int, set[str]] = {}
    for person_id, field in session.execute(
        select(PersonEvent.person_id, PersonEvent.field)
        .where(
            PersonEvent.person_id.in_([r.person_id for r in rows]),
            PersonEvent.source.in_(CORRECTION_SOURCES),
            PersonEvent.field.in_(FACT_FIELDS),
        )
        .distinct()
    ):
        corrected.setdefault(person_id, set()).add(field)
    rows.sort(key=lambda r: (r.person.hamlet or "", r.person.name_key or "", r.person_id))
    for position, (row, key) in enumerate(zip(rows, _row_keys(len(rows)), strict=True), 1):
        row.position = position
        row.row_key = key
        row.person_version = row.person.version
        row.snapshot_json = json.dumps(
            snapshot_of(row.person, corrected.get(row.person_id, ())), ensure_ascii=False
        )
    cadence = cadence_for(session, batch.unit)
    batch.state = target
    batch.issued_by_id = user.id if user else None
    batch.issued_at = utcnow()
    batch.issued_on = today
    batch.handover_on = cadence.handover_on(today)
    batch.due_on = cadence.due_on(batch.handover_on)
    batch.row_count = len(rows)
    batch.content_hash = compute_hash(batch, rows)
    run = job_runs.record(session, "batch_documents", batch.unit, user, [batch.id])
    batch.job_run_id = run.id
    session.flush()
    return run


def cancel(session: Session, batch: Batch, reason: str, *, user: User | None) -> None:
    """Cancel a draft or an issued batch, with a reason; its records leave it."""
    reason = (reason or "").strip()
    if not reason:
        raise BatchError("Vui lòng ghi rõ lý do hủy danh sách.")
    batch.state = transition(batch.state, BatchState.CANCELLED)
    batch.cancelled_at = utcnow()
    batch.cancelled_by_id = user.id if user else None
    batch.cancel_reason = reason
    _close_rows(session, batch, user, f"Danh sách số {batch.number} bị hủy: {reason}")


def mark_returned(session: Session, batch: Batch, *, user: User | None) -> None:
    """The police handed the list back (its sheet is then ingested, SPEC step 3)."""
    batch.state = transition(batch.state, BatchState.RETURNED)
    batch.returned_at = utcnow()
    session.flush()


def close(session: Session, batch: Batch, *, user: User | None) -> None:
    """The return has been processed: the records are free for a later batch."""
    batch.state = transition(batch.state, BatchState.CLOSED)
    batch.closed_at = utcnow()
    _close_rows(session, batch, user, f"Hoàn tất danh sách số {batch.number}")


def _close_rows(session: Session, batch: Batch, user: User | None, note: str) -> None:
    rows = session.scalars(
        select(BatchRow)
        .where(BatchRow.batch_id == batch.id, BatchRow.open_person_id.is_not(None))
        .options(selectinload(BatchRow.person).selectinload(Person.findings))
    )
    for row in rows:
        row.open_person_id = None
        _release(session, row.person, user, note)
    session.flush()


def batches_of_person(session: Session, person: Person, user: User | None = None) -> list[BatchRow]:
    """The batches a record has been in, newest first (those `user` may see, when given)."""
    stmt = select(BatchRow).where(BatchRow.person_id == person.id)
    if user is not None:
        stmt = stmt.where(BatchRow.batch_id.in_(scoped(user, Batch).with_only_columns(Batch.id)))
    return list(
        session.scalars(stmt.options(selectinload(BatchRow.batch)).order_by(BatchRow.id.desc()))
    )


def open_finding_counts(session: Session, batch: Batch) -> dict[int, list[str]]:
    """Open error rules per person in a draft (shown beside each row)."""
    rows = session.execute(
        select(Finding.person_id, Finding.rule)
        .join(BatchRow, BatchRow.person_id == Finding.person_id)
        .where(BatchRow.batch_id == batch.id, Finding.status == "open", Finding.severity == "error")
    )
    out: dict[int, list[str]] = {}
    for person_id, rule in rows:
        out.setdefault(person_id, []).append(rule)
    return out


# --------------------------------------------------------------------------- documents


def document_for(batch: Batch, public_url: str):
    """The printable list of an issued batch, from its locked rows."""
    from ..files.batch_pdf import BatchDocument, DocRow

    rows = [
        DocRow(position=r.position, row_key=r.row_key or "", **r.snapshot)
        for r in sorted(batch.rows, key=lambda r: r.position)
    ]
    for row in rows:
        row.id_number = row.id_number or "Chưa có"
    if batch.person_kind == "beneficiary":  # column (6): the allowance category, not parents
        for row in rows:
            row.relation = row.allowance_category
    agency, governing = agency_names(batch.unit)
    return BatchDocument(
        kind=batch.person_kind,
        number=batch.number,
        unit_name=batch.unit.name,
        agency=agency,
        governing_agency=governing,
        place_date=place_date_line(place_name(batch.unit.name), batch.issued_on or local_today()),
        police_name=f"Công an {batch.unit.name[0].lower()}{batch.unit.name[1:]}",
        preparer=batch.issued_by.full_name if batch.issued_by else "",
        verify_url=f"{public_url.rstrip('/')}/v/{batch.token}",
        content_hash=batch.content_hash or "",
        rows=rows,
    )


def document_names(batch: Batch) -> tuple[str, str]:
    base = f"{batch.unit.code}-{batch.year}-{batch.seq:02d}"
    return f"danh-sach-cong-an-{base}.pdf", f"tra-ket-qua-{base}.xlsx"


def render_documents(
    session: Session,
    batch: Batch,
    out_dir: Path,
    *,
    public_url: str,
    progress: Progress | None = None,
    sheet_password: str | None = None,
    workers: int | None = None,
) -> tuple[Path, Path]:
    """Write the PDF list and the return sheet of an issued batch into `out_dir`.

    The content hash is checked first, so a batch whose locked rows were altered is refused.
    Files appear under their final names only when complete.
    """
    from ..files.batch_pdf import render_batch_pdf
    from ..files.return_sheet import write_return_sheet

    if batch.state not in RETURNABLE_STATES | {BatchState.CLOSED}:
        raise BatchError("Chỉ tạo tệp cho danh sách đã chuyển công an.")
    rows = sorted(batch.rows, key=lambda r: r.position)
    if compute_hash(batch, rows) != batch.content_hash:
        raise BatchError("Nội dung danh sách không khớp mã kiểm tra; không tạo tệp.")
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_name, xlsx_name = document_names(batch)
    pdf_path, xlsx_path = out_dir / pdf_name, out_dir / xlsx_name
    doc = document_for(batch, public_url)
    total = len(rows)
    if progress:
        progress(0, total, "Đang dựng danh sách PDF và tệp trả kết quả")

    def sheet() -> None:
        tmp = xlsx_path.with_suffix(".part")
        write_return_sheet(tmp, batch, doc, password=sheet_password)
        tmp.replace(xlsx_path)

    data = render_batch_pdf(doc, workers=workers, progress=progress, side_work=sheet)
    if progress:
        progress(total, total, "Đang lưu tệp")
    write_whole(pdf_path, data)
    return pdf_path, xlsx_path


def record_documents(session: Session, batch: Batch, pdf: Path, xlsx: Path) -> tuple[dict, str]:
    """Remember where an issued batch's files are; returns (summary, Vietnamese message).

    The documents run recorded at issue gets the PDF as its result. A run still queued is
    finished here: its files were made by ``treem batch issue``, not by its worker (a worker
    finishes its own run with the summary and message returned).
    """
    batch.pdf_path, batch.xlsx_path = str(pdf.resolve()), str(xlsx.resolve())
    summary = {"batch_id": batch.id, "rows": batch.row_count, "pdf": pdf.name, "xlsx": xlsx.name}
    message = f"Đã tạo danh sách PDF và tệp trả kết quả cho {vn_number(batch.row_count)} trẻ em."
    run = batch.job_run
    if run is not None:
        run.result_file = batch.pdf_path
        if run.status == "queued":
            job_runs.finish(run, summary, message)
    session.flush()
    return summary, message
