"""Step 3 by hand: the police's answers keyed from the signed paper list, on a keyboard-first
grid (a live check per row), double entry, a confirmation, then the sheet's path."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from .. import clock
from ..domain.keyed_returns import RESULT_CHOICES, Keyed, live_message
from ..domain.police_returns import OUTCOME_LABELS, REASON_LABELS
from ..extensions import db
from ..models import Batch, BatchRow
from ..services import keyed_returns as keyed
from ..services.batch_ingest import ReturnRefused, batch_rows
from .decorators import permission_required
from .htmx import render
from .once import once
from .scope import get_or_404

bp = Blueprint("keyed", __name__)

RETURNABLE = ("issued", "partly_returned", "returned")


def _batch(batch_id: int) -> Batch:
    batch = get_or_404(current_user, Batch, batch_id)
    if batch.state not in RETURNABLE:
        abort(404)
    return batch


def _row(batch: Batch, row_id: int) -> BatchRow:
    row = db.session.get(BatchRow, row_id)
    if row is None or row.batch_id != batch.id:
        abort(404)
    return row


def _pass(batch: Batch, pass_no: int):
    keying = keyed.keying_of(db.session, batch)
    if keying is None or pass_no not in keyed.passes(keying):
        abort(404)
    return keying


def _typed(row_id: int) -> Keyed:
    form = request.form
    return Keyed.typed(
        form.get(f"number-{row_id}"), form.get(f"result-{row_id}"), form.get(f"note-{row_id}")
    )


def birth_year(snapshot: dict) -> str:
    """The year of birth shown on the list (its date is d/m/yyyy, m/yyyy or yyyy)."""
    found = re.search(r"(\d{4})\s*$", snapshot.get("dob") or "")
    return found.group(1) if found else ""


@bp.get("/batches/<int:batch_id>/keyed")
@permission_required("return_batches")
def index(batch_id: int):
    batch = _batch(batch_id)
    keying = keyed.keying_of(db.session, batch)
    if keying is not None and not keying.double:
        return redirect(url_for("keyed.grid", batch_id=batch.id, pass_no=1))
    counts = {}
    if keying is not None:
        counts = {p: keyed.keyed_count(db.session, batch, p) for p in keyed.passes(keying)}
    return render("batches/keyed_start.html", batch=batch, keying=keying, counts=counts)


@bp.post("/batches/<int:batch_id>/keyed")
@permission_required("return_batches")
def begin(batch_id: int):
    batch = _batch(batch_id)
    try:
        keyed.start(
            db.session, batch, double=request.form.get("mode") == "double", user=current_user
        )
    except ReturnRefused as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("batches.show", batch_id=batch.id))
    db.session.commit()
    return redirect(url_for("keyed.index", batch_id=batch.id))


@bp.get("/batches/<int:batch_id>/keyed/<int:pass_no>")
@permission_required("return_batches")
def grid(batch_id: int, pass_no: int):
    batch = _batch(batch_id)
    keying = _pass(batch, pass_no)
    entries = keyed.drafts(db.session, batch, pass_no)
    checks = keyed.check_pass(db.session, batch, pass_no)
    return render(
        "batches/keyed.html",
        batch=batch,
        keying=keying,
        pass_no=pass_no,
        rows=batch_rows(db.session, batch),
        entries={rid: keyed.keyed_of(e) for rid, e in entries.items()},
        messages={rid: live_message(o) for rid, o in checks.items()},
        choices=RESULT_CHOICES,
        birth_year=birth_year,
    )


@bp.post("/batches/<int:batch_id>/keyed/<int:pass_no>/rows/<int:row_id>")
@permission_required("return_batches")
def check(batch_id: int, pass_no: int, row_id: int):
    """Save one row as typed and say what the judge makes of it (the grid's live check)."""
    batch = _batch(batch_id)
    _pass(batch, pass_no)
    row = _row(batch, row_id)
    typed = _typed(row.id)
    entries = keyed.drafts(db.session, batch, pass_no)  # before this row is saved
    before = keyed.keyed_of(entries.get(row.id)).number
    try:
        keyed.save(db.session, batch, row, pass_no, typed, user=current_user)
    except ReturnRefused as exc:
        db.session.rollback()
        return render("batches/_keyed_message.html", tone="error", text=str(exc))
    tone, text = live_message(keyed.check_row(db.session, batch, row, pass_no))
    # A row that shared (or now shares) the number is told at once, not at the next reload.
    others = [
        (other.id, live_message(keyed.check_row(db.session, batch, other, pass_no)))
        for other in keyed.sharing_rows(batch, row, entries, {before, typed.number})
    ]
    db.session.commit()
    return render("batches/_keyed_message.html", tone=tone, text=text, others=others)


@bp.post("/batches/<int:batch_id>/keyed/<int:pass_no>")
@permission_required("return_batches")
def save_all(batch_id: int, pass_no: int):
    """The whole grid sent at once (without JavaScript, and the 'review' button): every row
    kept, then the confirmation."""
    batch = _batch(batch_id)
    _pass(batch, pass_no)
    try:
        for row in batch.rows:
            if f"number-{row.id}" in request.form:
                keyed.save(db.session, batch, row, pass_no, _typed(row.id), user=current_user)
    except ReturnRefused as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("batches.show", batch_id=batch.id))
    db.session.commit()
    if request.form.get("next") == "stay":
        flash("Đã lưu bảng nhập.", "success")
        return redirect(url_for("keyed.grid", batch_id=batch.id, pass_no=pass_no))
    return redirect(url_for("keyed.review", batch_id=batch.id))


@bp.get("/batches/<int:batch_id>/keyed/review")
@permission_required("return_batches")
def review(batch_id: int):
    batch = _batch(batch_id)
    keying = keyed.keying_of(db.session, batch)
    if keying is None:
        return redirect(url_for("keyed.index", batch_id=batch.id))
    return render(
        "batches/keyed_review.html",
        batch=batch,
        keying=keying,
        plan=keyed.plan(db.session, batch),
        outcome_labels=OUTCOME_LABELS,
        reason_labels=REASON_LABELS,
        choices=RESULT_CHOICES,
    )


@bp.post("/batches/<int:batch_id>/keyed/resolve/<int:row_id>")
@permission_required("return_batches")
def resolve(batch_id: int, row_id: int):
    batch = _batch(batch_id)
    keying = keyed.keying_of(db.session, batch)
    if keying is None or not keying.double:
        abort(404)
    row = _row(batch, row_id)
    keyed.resolve(db.session, batch, row, _typed(row.id), user=current_user)
    db.session.commit()
    flash(f"STT {row.position}: đã ghi giá trị đọc lại trên bản giấy.", "success")
    return redirect(url_for("keyed.review", batch_id=batch.id) + "#mismatches")


@bp.post("/batches/<int:batch_id>/keyed/apply")
@permission_required("return_batches")
@once
def apply(batch_id: int):
    batch = _batch(batch_id)
    try:
        ret, new = keyed.apply(
            db.session,
            batch,
            request.form.get("digest", ""),
            user=current_user,
            today=clock.today(),
        )
    except ReturnRefused as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("keyed.review", batch_id=batch.id))
    db.session.commit()
    if not new:
        flash(keyed.applied_message(ret), "info")
    return redirect(url_for("returns.show", batch_id=batch.id, return_id=ret.id))
