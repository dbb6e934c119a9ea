"""Step 3: the police's answers reach the records (SPEC section 5 "Return", section 6
`batch ingest`).

A returned sheet is stored like an import (file, SHA-256, uploader, time), recognised (its batch,
its content hash, every fixed cell, the rows' order), then every row is judged by
:func:`treem_app.domain.police_returns.judge` and applied in one transaction: a verified number
through the one way to change a person (source "police", naming the batch), a negative answer
kept on the record as a finding, a conflict left for the officer. Functions flush; the job, the
request or the CLI commits.
"""

from __future__ import annotations

import functools
import gc
import json
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import flag_modified

from ..domain.batch_states import RETURNABLE_STATES, BatchState, can_transition, label
from ..domain.formatting import vn_number
from ..domain.police_returns import (
    ANSWER_CHANGED,
    ANSWER_RULES,
    CONFLICT,
    EMPTY,
    REJECTED,
    VERIFIED,
    Answer,
    Outcome,
    RecordNow,
    clean_number,
    facts_digest,
    judge,
    read_result,
    text_of,
)
from ..domain.vocabulary import VERIFIED_ID_SOURCES
from ..files.return_read import (
    NOT_A_RETURN_SHEET,
    ReturnedSheet,
    ReturnSheetError,
    names_its_sheets,
    read_return_sheet,
)
from ..files.stored import StorageFull, keep_by_digest
from ..files.upload_checks import UploadError, check_upload, shown_name
from ..models import Batch, BatchReturn, BatchRow, Person, PersonEvent, User
from ..models._common import utcnow
from .audit import log_upload
from .beneficiaries import holders_read_ahead
from .findings import rescreen
from .persons import facts_of, set_fact
from .return_recognise import recognise, refusal, since_issue

Progress = Callable[[int, int, str], None]
# A row's answer, written whole: the rows' UPDATEs then have one shape, sent as one executemany.
ANSWER_COLUMNS = ("outcome", "reason", "outcome_message", "police_id", "police_result",
                  "police_note", "return_id", "outcome_at", "decided_by_id")  # fmt: skip


class ReturnRefused(ValueError):
    """The sheet is refused as a whole; the message (Vietnamese) says what is wrong. Nothing was
    written."""


# --------------------------------------------------------------------------- storing


def require_returnable(batch: Batch) -> None:
    if batch.state not in RETURNABLE_STATES:
        raise ReturnRefused(
            f"Danh sách số {batch.number} đang ở trạng thái “{label(batch.state)}”: "
            "không nhận kết quả của công an cho danh sách này."
        )


def earlier_return(session: Session, batch: Batch, sha256: str) -> BatchReturn | None:
    """The return of this batch already taken from the very same file, if any."""
    return session.scalar(
        select(BatchReturn)
        .where(
            BatchReturn.batch_id == batch.id,
            BatchReturn.sha256 == sha256,
            BatchReturn.status.in_(("applied", "unchanged")),
        )
        .order_by(BatchReturn.id)
        .limit(1)
    )


def store_return(
    session: Session,
    batch: Batch,
    data: bytes,
    filename: str,
    *,
    user: User | None,
    files_dir: Path,
    max_bytes: int,
) -> BatchReturn:
    """Check and keep an uploaded returned sheet; ReturnRefused when it cannot be one."""
    require_returnable(batch)
    try:
        checked = check_upload(data, filename, max_bytes=max_bytes)
    except UploadError as exc:
        raise ReturnRefused(str(exc)) from exc
    if checked.kind != "xlsx":
        raise ReturnRefused(
            "Tệp trả kết quả phải là tệp Excel (.xlsx) tải xuống cùng danh sách, "
            "sau khi công an ghi kết quả."
        )
    if not names_its_sheets(checked.data):
        raise ReturnRefused(NOT_A_RETURN_SHEET)
    try:
        path, digest = keep_by_digest(
            Path(files_dir) / "returns" / str(batch.id), checked.data, "xlsx"
        )
    except StorageFull as exc:
        raise ReturnRefused(str(exc)) from exc
    ret = BatchReturn(
        batch_id=batch.id,
        kind="sheet",
        original_name=shown_name(filename)[-255:],
        stored_path=str(path),
        sha256=digest,
        size=len(checked.data),
        uploaded_by_id=user.id if user else None,
        status="queued",
    )
    session.add(ret)
    session.flush()
    log_upload(user, batch.unit, f"batch {batch.id} returned sheet {ret.id}")
    return ret


# --------------------------------------------------------------------------- judging


def _record_now(row: BatchRow) -> RecordNow:
    """What a row's answer is judged against: the record as it is now, and what changed since
    the list was issued."""
    person = row.person
    return RecordNow(
        person_id=person.id,
        sex=person.sex,
        birth_year=person.dob.year if person.dob else None,
        id_number=person.id_number,
        id_verified=bool(person.id_number) and person.id_source in VERIFIED_ID_SOURCES,
        changed_fields=tuple(label for label, _then, _now in since_issue(row)),
    )


def _holders(session: Session, numbers: set[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    ordered = sorted(numbers)
    for i in range(0, len(ordered), 900):
        chunk = ordered[i : i + 900]
        for number, pid in session.execute(
            select(Person.id_number, Person.id).where(
                Person.id_number.in_(chunk),
                Person.status.not_in(("moved", "deceased", "duplicate")),
            )
        ):
            out.setdefault(number, pid)
    return out


Judged = list[tuple[BatchRow, int, Answer, Outcome]]


def judge_answers(
    session: Session,
    rows: list[BatchRow],
    answers: list[tuple[int, Answer]],
    *,
    elsewhere: dict[str, list[int]] | None = None,
    within: str = "trong tệp (cả dòng {rows})",
) -> Judged:
    """Every row's answer judged against the record as it is now and the whole registry, by
    the domain's judge. ``answers``: (where the row is, its answer) for each of ``rows``:
    the sheet's Excel row, or a keyed row's position; ``elsewhere``: where each number is
    written in the rest of the entry, when only part of it is judged (the live check)."""
    cleaned = [clean_number(a.number) for _, a in answers]
    by_number: dict[str, list[int]] = {k: list(v) for k, v in (elsewhere or {}).items()}
    for (place, _), (number, ok) in zip(answers, cleaned, strict=True):
        if number and ok:
            by_number.setdefault(number, []).append(place)
    holders = _holders(session, set(by_number))
    out = []
    for row, (place, answer), (number, _) in zip(rows, answers, cleaned, strict=True):
        record = _record_now(row)
        others = tuple(n for n in by_number.get(number or "", ()) if n != place)
        holder = holders.get(number or "")
        if holder == record.person_id:
            holder = None
        outcome = judge(answer, record, holder=holder, sheet_rows=others, within=within)
        out.append((row, place, answer, outcome))
    return out


def judge_sheet(session: Session, sheet: ReturnedSheet, rows: list[BatchRow]) -> Judged:
    """Every row of a returned sheet judged (:func:`judge_answers`)."""
    answers = [(r.excel_row, Answer(r.number, r.result, r.note)) for r in sheet.rows]
    return judge_answers(session, rows, answers)


# --------------------------------------------------------------------------- applying


def _same_answer(row: BatchRow, outcome: Outcome) -> bool:
    """The row already holds this answer (the same sheet again, or the same number twice)."""
    if row.outcome is None or (row.police_id or None) != outcome.number:
        return False
    return row.outcome != REJECTED or row.reason == outcome.reason


def effect(row: BatchRow, outcome: Outcome) -> tuple[str, str | None, str]:
    """What applying ``outcome`` to ``row`` does, as (status, reason, message): "unchanged"
    (the row holds this answer already, or nothing new came), an ANSWER_CHANGED conflict (a
    row verified or in conflict keeps its first answer), or the outcome itself."""
    if _same_answer(row, outcome) or (row.outcome is not None and outcome.status == EMPTY):
        return "unchanged", None, ""
    if row.outcome in (VERIFIED, CONFLICT):
        return (
            CONFLICT,
            ANSWER_CHANGED,
            f"Dòng đã có kết quả “{row.outcome_message or row.outcome}”; lần trả kết quả này "
            f"ghi khác ({outcome.message}). Giữ kết quả đã nhận; kiểm tra lại với công an.",
        )
    return outcome.status, outcome.reason, outcome.message


def apply_outcomes(
    session: Session,
    batch: Batch,
    judged: Judged,
    *,
    user: User | None,
    today: date,
    ret: BatchReturn | None,
    progress: Progress | None = None,
) -> dict:
    """Write the judged answers; returns the summary (counts and every row's result)."""
    counts = Counter()
    results = []
    touched: list[Person] = []
    released: list[tuple[Person, str]] = []
    now = utcnow()
    note = f"Danh sách số {batch.number}"
    total = len(judged)
    # No autoflush while the answers are written: set_fact's look-up of the other registry's
    # record of a number (beneficiaries.link_by_number; a list is of one kind, and that
    # registry is not written here) flushed every row on its own, 1,807 flushes and 14 of the
    # 18 s of a 2,000-row sheet. The re-screen's flush writes every row and person once. That
    # look-up is read ahead for the whole sheet's numbers (one query instead of one a row).
    numbers = [outcome.number for *_, outcome in judged if outcome.status == VERIFIED]
    with session.no_autoflush, holders_read_ahead(session, numbers):
        for n, (row, excel_row, answer, outcome) in enumerate(judged, start=1):
            status, reason, message = effect(row, outcome)
            if status == "unchanged":
                counts["unchanged"] += 1
                continue
            if row.outcome in (VERIFIED, CONFLICT):  # a later answer fills only open rows
                counts[CONFLICT] += 1
                results.append(_result(row, excel_row, status, reason, message))
                continue
            if status == EMPTY:
                counts[EMPTY] += 1
                continue
            person = row.person
            row.outcome, row.reason, row.outcome_message = status, reason, message
            row.police_id = outcome.number
            row.police_result = text_of(answer.result)
            row.police_note = text_of(answer.note)
            row.return_id = ret.id if ret else None
            row.outcome_at = now
            row.decided_by_id = None
            for column in ANSWER_COLUMNS:  # also when unchanged: all rows then share one UPDATE
                flag_modified(row, column)
            if status == VERIFIED:
                _verify(session, person, outcome.number, user, note)
            elif status == REJECTED:
                _keep_answer(session, person, answer, outcome, user, note)
            if status in (VERIFIED, REJECTED):
                row.open_person_id = None
                released.append((person, person.status))
                if person.status == "in_batch":
                    person.status = "ready"  # not a kept status: the re-screen decides it
            touched.append(person)
            counts[status] += 1
            results.append(_result(row, excel_row, status, reason, message))
            if progress and (n % 200 == 0 or n == total):
                progress(n, total, "Đang ghi kết quả vào hồ sơ")
    if touched:
        # The re-screen decides every touched person's status before anything is written: each
        # person is then updated once (one versioned UPDATE), in the re-screen's own flush.
        with session.no_autoflush:
            rescreen(session, touched, today)
    session.flush()
    for person, old in released:
        if old != person.status:
            session.add(
                PersonEvent(
                    person_id=person.id,
                    user_id=user.id if user else None,
                    field="status",
                    old_value=old,
                    new_value=person.status,
                    source="police",
                    note=f"Công an trả kết quả, {note}",
                )
            )
    _move_state(session, batch)
    session.flush()
    return {
        "batch_id": batch.id,
        "rows": len(judged),
        "verified": counts[VERIFIED],
        "rejected": counts[REJECTED],
        "conflicts": counts[CONFLICT],
        "empty": counts[EMPTY],
        "unchanged": counts["unchanged"],
        "results": results,
    }


def _result(row: BatchRow, excel_row: int, status: str, reason: str | None, message: str):
    return {
        "row": excel_row,
        "status": status,
        "reason": reason or "",
        "message": message,
        "row_key": row.row_key,
        "person_id": row.person_id,
        "position": row.position,
    }


def _verify(session: Session, person: Person, number: str, user: User | None, note: str) -> None:
    set_fact(
        session,
        person,
        "id_number",
        {"id_number": number},
        source="police",
        user_id=user.id if user else None,
        note=note,
        id_source="police",
    )
    person.police_answer = person.police_note = person.police_facts = None


def _keep_answer(
    session: Session,
    person: Person,
    answer: Answer,
    outcome: Outcome,
    user: User | None,
    note: str,
) -> None:
    """A negative answer stays on the record (as a finding) while the facts it was about do."""
    result = read_result(answer.result)
    kind = result if result in ANSWER_RULES else "invalid"
    person.police_answer = kind
    person.police_note = outcome.message
    person.police_facts = facts_digest(facts_of(person))
    session.add(
        PersonEvent(
            person_id=person.id,
            user_id=user.id if user else None,
            field="police_answer",
            old_value=None,
            new_value=outcome.message[:500],
            source="police",
            note=note,
        )
    )


def open_rows(session: Session, batch: Batch) -> int:
    """Rows still waiting for an answer, or with a conflict the officer has not decided."""
    return sum(1 for r in batch.rows if r.outcome not in (VERIFIED, REJECTED))


def _move_state(session: Session, batch: Batch) -> None:
    session.flush()
    # Counted by the database: reloading a large batch's rows costs more than the answers.
    counts = dict(
        session.execute(
            select(BatchRow.outcome, func.count())
            .where(BatchRow.batch_id == batch.id)
            .group_by(BatchRow.outcome)
        ).all()
    )
    waiting = sum(n for outcome, n in counts.items() if outcome not in (VERIFIED, REJECTED))
    target = BatchState.RETURNED if waiting == 0 else BatchState.PARTLY_RETURNED
    answered = any(outcome for outcome in counts)
    if not answered or batch.state == target:
        return
    if can_transition(batch.state, target):
        batch.state = target
        if batch.returned_at is None:
            batch.returned_at = utcnow()


# --------------------------------------------------------------------------- the whole step


def batch_rows(session: Session, batch: Batch) -> list[BatchRow]:
    return list(
        session.scalars(
            select(BatchRow)
            .where(BatchRow.batch_id == batch.id)
            .order_by(BatchRow.position, BatchRow.id)
            # The persons, not their findings: the re-screen reads those of the whole set.
            .options(selectinload(BatchRow.person))
        )
    )


def _collector_paused(fn):
    """Run ``fn`` with Python's cycle collector paused (the job and the CLI call it, never a
    request thread). A sheet's thousands of ORM objects otherwise trigger full collections
    that walk the whole process, a third of the time of a 2,000-row sheet; the garbage is
    collected as usual afterwards."""

    @functools.wraps(fn)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@_collector_paused
def ingest_file(
    session: Session,
    batch: Batch,
    path: Path,
    *,
    user: User | None,
    today: date,
    ret: BatchReturn | None = None,
    progress: Progress | None = None,
) -> dict:
    """Recognise, judge and apply one returned sheet; ReturnRefused when it is not this
    batch's untouched list (nothing written then)."""
    # One sheet of a batch at a time (PostgreSQL; SQLite has one writer anyway): a second
    # ingestion (another upload, a job left by a dead worker) waits for the first to commit,
    # then finds its answers already there instead of failing on the records' versions.
    session.flush()
    session.refresh(batch, with_for_update=True)
    require_returnable(batch)
    try:
        sheet = read_return_sheet(Path(path))
    except ReturnSheetError as exc:
        raise ReturnRefused(str(exc)) from exc
    rows = batch_rows(session, batch)
    problems = recognise(batch, sheet, rows)
    if problems:
        raise ReturnRefused(refusal(problems))
    if progress:
        progress(0, len(rows), "Đang kiểm tra từng dòng")
    judged = judge_sheet(session, sheet, rows)
    summary = apply_outcomes(
        session, batch, judged, user=user, today=today, ret=ret, progress=progress
    )
    if ret is not None:
        ret.status = "applied" if summary["rows"] != summary["unchanged"] else "unchanged"
        ret.summary_json = json.dumps(summary, ensure_ascii=False)
        ret.message = result_message(summary)
    return summary


def result_message(summary: dict) -> str:
    if summary["rows"] and summary["unchanged"] == summary["rows"]:
        return "Tệp này không mang kết quả nào mới: không có gì thay đổi."
    parts = [
        f"{vn_number(summary['verified'])} đã xác thực",
        f"{vn_number(summary['rejected'])} bị trả lại",
        f"{vn_number(summary['conflicts'])} cần cán bộ quyết định",
    ]
    if summary.get("empty"):
        parts.append(f"{vn_number(summary['empty'])} chưa có kết quả")
    if summary.get("unchanged"):
        parts.append(f"{vn_number(summary['unchanged'])} không đổi")
    return "Đã nhận kết quả của công an: " + ", ".join(parts) + "."


def unchanged_message(earlier: BatchReturn) -> str:
    from ..domain.formatting import vn_datetime

    who = earlier.uploaded_by.full_name if earlier.uploaded_by else "một người dùng"
    return (
        f"Tệp này đã được nhận lúc {vn_datetime(earlier.uploaded_at)} ({who}): "
        "không có gì thay đổi."
    )


# --------------------------------------------------------------------------- the officer decides


def decide_conflict(
    session: Session, row: BatchRow, accept: bool, *, user: User | None, today: date
) -> str:
    """The officer's decision on a conflict: apply the police's number (through the one way to
    change a person) or keep the record as it is (it goes back to the work queue). Returns the
    Vietnamese message."""
    if row.outcome != CONFLICT or not row.police_id:
        raise ReturnRefused("Dòng này không còn chờ quyết định.")
    batch = row.batch
    person = row.person
    old = person.status
    note = f"Danh sách số {batch.number}, cán bộ quyết định khi công an trả kết quả"
    if accept:
        _verify(session, person, row.police_id, user, note)
        row.outcome = VERIFIED
        row.outcome_message = f"Cán bộ chấp nhận số {row.police_id} công an ghi."
    else:
        row.outcome = REJECTED
        row.outcome_message = f"Cán bộ giữ nguyên hồ sơ, không dùng số {row.police_id}."
    row.decided_by_id = user.id if user else None
    row.outcome_at = utcnow()
    row.open_person_id = None
    if person.status == "in_batch":
        person.status = "ready"
    session.flush()
    rescreen(session, [person], today)
    if old != person.status:
        session.add(
            PersonEvent(
                person_id=person.id,
                user_id=user.id if user else None,
                field="status",
                old_value=old,
                new_value=person.status,
                source="officer",
                note=note,
            )
        )
    _move_state(session, batch)
    session.flush()
    return row.outcome_message


def outcome_counts(batch: Batch) -> dict[str, int]:
    counts = Counter(r.outcome or EMPTY for r in batch.rows)
    return {k: counts.get(k, 0) for k in (VERIFIED, REJECTED, CONFLICT, EMPTY)}
