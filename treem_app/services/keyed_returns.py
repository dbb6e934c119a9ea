"""Step 3 by hand: the police's answers keyed from the signed paper list (SPEC section 5,
"Return": "a fast keyboard-first entry grid with the same checks live").

Each row keyed is kept as a draft (:class:`ReturnEntry`, per pass). The live check and the
confirmation judge the rows with :func:`batch_ingest.judge_answers`, and applying goes through
:func:`batch_ingest.apply_outcomes` with a :class:`BatchReturn` of kind "keyed": outcomes,
conflicts, history, the batch's state and the results page are those of an uploaded sheet, and
the same answers applied again change nothing. Functions flush; the request commits.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.formatting import vn_datetime, vn_number
from ..domain.keyed_returns import DUPLICATE_WITHIN, Keyed, pair
from ..domain.police_returns import EMPTY, Outcome, clean_number
from ..models import Batch, BatchReturn, BatchRow, ReturnEntry, ReturnKeying, User
from ..models._common import utcnow
from .batch_ingest import (
    Judged,
    ReturnRefused,
    apply_outcomes,
    batch_rows,
    earlier_return,
    effect,
    judge_answers,
    require_returnable,
    result_message,
)


def keying_of(session: Session, batch: Batch) -> ReturnKeying | None:
    return session.scalar(select(ReturnKeying).where(ReturnKeying.batch_id == batch.id))


def start(session: Session, batch: Batch, *, double: bool, user: User | None) -> ReturnKeying:
    """Start keying the batch's answers (single or double entry); once started, the choice
    stays."""
    require_returnable(batch)
    keying = keying_of(session, batch)
    if keying is None:
        keying = ReturnKeying(batch_id=batch.id, double=double, started_by_id=_uid(user))
        session.add(keying)
        session.flush()
    return keying


def _uid(user: User | None) -> int | None:
    return user.id if user else None


def passes(keying: ReturnKeying) -> tuple[int, ...]:
    return (1, 2) if keying.double else (1,)


def drafts(session: Session, batch: Batch, pass_no: int) -> dict[int, ReturnEntry]:
    """The rows keyed in one pass, by batch row id."""
    return {
        e.row_id: e
        for e in session.scalars(
            select(ReturnEntry).where(
                ReturnEntry.batch_id == batch.id, ReturnEntry.pass_no == pass_no
            )
        )
    }


def keyed_of(entry: ReturnEntry | None) -> Keyed:
    return Keyed(entry.number, entry.result, entry.note) if entry else Keyed()


def save(
    session: Session,
    batch: Batch,
    row: BatchRow,
    pass_no: int,
    keyed: Keyed,
    *,
    user: User | None,
) -> None:
    """Keep one row as keyed in one pass (a row emptied again is forgotten)."""
    require_returnable(batch)
    entry = session.scalar(
        select(ReturnEntry).where(ReturnEntry.row_id == row.id, ReturnEntry.pass_no == pass_no)
    )
    if keyed.empty:
        if entry is not None:
            session.delete(entry)
            session.flush()
        return
    if entry is None:
        entry = ReturnEntry(batch_id=batch.id, row_id=row.id, pass_no=pass_no)
        session.add(entry)
    if (entry.number, entry.result, entry.note) != (keyed.number, keyed.result, keyed.note):
        entry.number, entry.result, entry.note = keyed.number, keyed.result, keyed.note
        entry.user_id, entry.at = _uid(user), utcnow()
    session.flush()


def check_row(session: Session, batch: Batch, row: BatchRow, pass_no: int) -> Outcome:
    """The live check of one keyed row: the sheet's judge, with the numbers keyed for the other
    rows of the same pass and the whole registry."""
    entries = drafts(session, batch, pass_no)
    keyed = keyed_of(entries.get(row.id))
    number, ok = clean_number(keyed.number)
    elsewhere: dict[str, list[int]] = {}
    if number and ok:
        positions = {r.id: r.position for r in batch.rows}
        for entry in entries.values():
            if entry.row_id != row.id and clean_number(entry.number) == (number, True):
                elsewhere.setdefault(number, []).append(positions[entry.row_id])
    answers = [(row.position, keyed.answer())]
    judged = judge_answers(session, [row], answers, elsewhere=elsewhere, within=DUPLICATE_WITHIN)
    return judged[0][3]


def sharing_rows(
    batch: Batch, row: BatchRow, entries: dict[int, ReturnEntry], numbers: set[str | None]
) -> list[BatchRow]:
    """The other rows of the pass (`entries`: its drafts, see :func:`drafts`) keyed with one
    of `numbers` (as cleaned): their live check changes when `row` takes or leaves that
    number. `row`'s own entry is left out, so the drafts read before saving it will do."""
    wanted = {n for n, ok in map(clean_number, numbers) if n and ok}
    if not wanted:
        return []
    ids = {
        e.row_id
        for e in entries.values()
        if e.row_id != row.id and clean_number(e.number)[0] in wanted
    }
    return [r for r in batch.rows if r.id in ids]


def check_pass(session: Session, batch: Batch, pass_no: int) -> dict[int, Outcome]:
    """Every keyed row of one pass checked together (the grid as it opens), by batch row id."""
    rows = batch_rows(session, batch)
    entries = drafts(session, batch, pass_no)
    judged = _judge(session, rows, {r.id: keyed_of(entries.get(r.id)) for r in rows})
    return {row.id: outcome for row, _, _, outcome in judged if row.id in entries}


def _judge(session: Session, rows: list[BatchRow], keyed: dict[int, Keyed]) -> Judged:
    answers = [(r.position, (keyed.get(r.id) or Keyed()).answer()) for r in rows]
    return judge_answers(session, rows, answers, within=DUPLICATE_WITHIN)


# --------------------------------------------------------------------------- confirmation


@dataclass
class Plan:
    """What applying the keyed answers would do, shown before anything is written."""

    judged: Judged
    effects: list[tuple[BatchRow, str, str | None, str]]  # row, status, reason, message
    mismatches: list[tuple[BatchRow, Keyed, Keyed]]
    digest: str
    counts: Counter = field(default_factory=Counter)  # by effect, every row of the batch

    @property
    def applicable(self) -> bool:
        return any(status != "unchanged" and status != EMPTY for _, status, _, _ in self.effects)


def plan(session: Session, batch: Batch) -> Plan:
    """The agreed answers (single entry: the one pass; double: the rows both passes agree on),
    judged, and each row's effect; the rows the passes disagree on, listed."""
    keying = keying_of(session, batch)
    rows = batch_rows(session, batch)
    first = drafts(session, batch, 1)
    second = drafts(session, batch, 2) if keying and keying.double else None
    agreed: dict[int, Keyed] = {}
    mismatches = []
    for row in rows:
        if second is None:
            keyed = keyed_of(first.get(row.id))
            if not keyed.empty:
                agreed[row.id] = keyed
            continue
        one, two = keyed_of(first.get(row.id)), keyed_of(second.get(row.id))
        keyed, differ = pair(one, two)
        if differ:
            mismatches.append((row, one, two))
        elif keyed is not None:
            agreed[row.id] = keyed
    judged = _judge(session, rows, agreed)
    effects, counts = [], Counter()
    for row, _, _, outcome in judged:
        status, reason, message = effect(row, outcome)
        counts[status] += 1
        if row.id in agreed:
            effects.append((row, status, reason, message))
    text = json.dumps(
        [[rid, k.number, k.result, k.note] for rid, k in sorted(agreed.items())],
        ensure_ascii=False,
    )
    digest = hashlib.sha256(f"keyed:{batch.id}:{text}".encode()).hexdigest()
    return Plan(judged, effects, mismatches, digest, counts)


def resolve(
    session: Session, batch: Batch, row: BatchRow, keyed: Keyed, *, user: User | None
) -> None:
    """Settle a row the two passes disagree on: the value read again on the paper, typed once,
    becomes both passes'."""
    for pass_no in (1, 2):
        save(session, batch, row, pass_no, keyed, user=user)


def apply(
    session: Session, batch: Batch, digest: str, *, user: User | None, today: date
) -> tuple[BatchReturn, bool]:
    """Apply what the confirmation showed (``digest`` names it: keyed rows changed meanwhile
    are refused, nothing written) through the sheet's path; (the return, whether it is new).
    The same answers applied again give back the earlier return and change nothing."""
    require_returnable(batch)
    planned = plan(session, batch)
    if digest != planned.digest:
        raise ReturnRefused(
            "Bảng nhập đã thay đổi sau khi anh/chị xem lại: chưa áp dụng gì. Xem lại rồi xác "
            "nhận lần nữa."
        )
    earlier = earlier_return(session, batch, planned.digest)
    if earlier is not None:
        return earlier, False
    ret = BatchReturn(
        batch_id=batch.id,
        kind="keyed",
        sha256=planned.digest,
        uploaded_by_id=_uid(user),
        status="queued",
    )
    session.add(ret)
    session.flush()
    summary = apply_outcomes(session, batch, planned.judged, user=user, today=today, ret=ret)
    ret.status = "applied" if summary["rows"] != summary["unchanged"] else "unchanged"
    ret.summary_json = json.dumps(summary, ensure_ascii=False)
    ret.message = result_message(summary).replace("Tệp này", "Bảng nhập này")
    session.flush()
    return ret, True


def applied_message(earlier: BatchReturn) -> str:
    who = earlier.uploaded_by.full_name if earlier.uploaded_by else "một người dùng"
    return (
        f"Các kết quả này đã được áp dụng lúc {vn_datetime(earlier.uploaded_at)} ({who}): "
        "không có gì thay đổi."
    )


def keyed_count(session: Session, batch: Batch, pass_no: int) -> str:
    return vn_number(len(drafts(session, batch, pass_no)))
