"""Step 3 pages: the police's returned sheet uploaded on a batch, its results, the conflicts."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..domain.formatting import vn_datetime
from ..domain.police_returns import CONFLICT, OUTCOME_LABELS, REASON_LABELS
from ..extensions import db
from ..files.signed_copy import SignedCopyError
from ..models import Batch, BatchReturn, BatchRow
from ..services import job_runs, signed_copies
from ..services.audit import log_download
from ..services.batch_ingest import (
    ReturnRefused,
    decide_conflict,
    earlier_return,
    store_return,
    unchanged_message,
)
from .decorators import role_required
from .htmx import render
from .jobs import start_job
from .once import once
from .scope import get_or_404

bp = Blueprint("returns", __name__)

RETURNERS = ("officer", "police")


def _return_of(batch: Batch, return_id: int) -> BatchReturn:
    ret = db.session.get(BatchReturn, return_id)
    if ret is None or ret.batch_id != batch.id:
        abort(404)
    return ret


@bp.post("/batches/<int:batch_id>/returns")
@role_required(*RETURNERS)
@once
def upload(batch_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    back = redirect(url_for("batches.show", batch_id=batch.id) + "#police-results")
    file = request.files.get("file")
    if file is None or not file.filename:
        flash("Vui lòng chọn tệp trả kết quả (.xlsx) để tải lên.", "warning")
        return back
    data = file.read()
    earlier = earlier_return(db.session, batch, hashlib.sha256(data).hexdigest())
    if earlier is not None:
        flash(unchanged_message(earlier), "info")
        return back
    try:
        ret = store_return(
            db.session,
            batch,
            data,
            file.filename,
            user=current_user,
            files_dir=Path(current_app.config["TREEM_FILES_DIR"]),
            max_bytes=current_app.config["MAX_CONTENT_LENGTH"] or 25 * 1024 * 1024,
        )
    except ReturnRefused as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return back
    run = job_runs.record(db.session, "batch_ingest", batch.unit, current_user, [ret.id])
    ret.job_run_id = run.id
    db.session.commit()
    start_job(run)
    flash("Đã nhận tệp; đang kiểm tra và ghi kết quả của công an.", "info")
    return redirect(url_for("returns.show", batch_id=batch.id, return_id=ret.id))


@bp.get("/batches/<int:batch_id>/returns/<int:return_id>")
@role_required(*RETURNERS, "reporter")
def show(batch_id: int, return_id: int):
    from ..queue import job_view

    batch = get_or_404(current_user, Batch, batch_id)
    ret = _return_of(batch, return_id)
    view = job_view(ret.job_run) if ret.job_run else None
    if ret.status == "queued" and view is not None and view.status == "failed":
        ret.status, ret.message = "failed", ret.job_run.message  # its worker died
        db.session.commit()
    conflicts = db.session.scalars(
        select(BatchRow)
        .where(BatchRow.batch_id == batch.id, BatchRow.outcome == CONFLICT)
        .order_by(BatchRow.position)
    ).all()
    return render(
        "batches/return.html",
        "status",
        batch=batch,
        ret=ret,
        summary=ret.summary,
        view=view,
        conflicts=conflicts,
        people={r.person_id: r.person for r in batch.rows},
        outcome_labels=OUTCOME_LABELS,
        reason_labels=REASON_LABELS,
    )


@bp.get("/batches/<int:batch_id>/returns/<int:return_id>/ket-qua.xlsx")
@role_required(*RETURNERS)
def annotated(batch_id: int, return_id: int):
    from ..files.return_read import annotate_return

    batch = get_or_404(current_user, Batch, batch_id)
    ret = _return_of(batch, return_id)
    if not ret.stored_path or not Path(ret.stored_path).is_file() or ret.status != "applied":
        abort(404)
    outcomes = {
        r["row"]: (OUTCOME_LABELS.get(r["status"], r["status"]), r["message"])
        for r in ret.summary.get("results", [])
    }
    buffer = io.BytesIO()
    annotate_return(Path(ret.stored_path), buffer, outcomes)
    buffer.seek(0)
    name = f"ket-qua-nhan-{batch.unit.code}-{batch.year}-{batch.seq:02d}-{ret.id}.xlsx"
    log_download(db.session, current_user, batch.unit, f"batch {batch.id} return {ret.id}: {name}")
    db.session.commit()
    return send_file(buffer, as_attachment=True, download_name=name)


@bp.post("/batches/<int:batch_id>/rows/<int:row_id>/decision")
@role_required("officer")
def decide(batch_id: int, row_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    row = db.session.get(BatchRow, row_id)
    if row is None or row.batch_id != batch.id:
        abort(404)
    decision = request.form.get("decision")
    if decision not in ("accept", "keep"):
        abort(400)
    try:
        message = decide_conflict(
            db.session, row, decision == "accept", user=current_user, today=clock.today()
        )
    except ReturnRefused as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        db.session.commit()
        flash(f"{row.person.full_name}: {message}", "success")
    target = request.form.get("back")
    if target and target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("batches.show", batch_id=batch.id) + "#police-results")


# --------------------------------------------------------------------------- the signed copy


@bp.post("/batches/<int:batch_id>/signed")
@role_required(*RETURNERS)
@once
def upload_signed(batch_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    back = redirect(url_for("batches.show", batch_id=batch.id) + "#signed-copy")
    file = request.files.get("file")
    if file is None or not file.filename:
        flash("Vui lòng chọn tệp quét hoặc ảnh chụp bản đã ký để tải lên.", "warning")
        return back
    try:
        copy, new = signed_copies.store_signed_copy(
            db.session,
            batch,
            file.read(),
            file.filename,
            user=current_user,
            files_dir=Path(current_app.config["TREEM_FILES_DIR"]),
            max_bytes=current_app.config["MAX_CONTENT_LENGTH"] or 25 * 1024 * 1024,
        )
    except SignedCopyError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return back
    if not new:
        who = copy.uploaded_by.full_name if copy.uploaded_by else "hệ thống"
        when = vn_datetime(copy.uploaded_at, clock.zone_name())
        flash(f"Tệp này đã được lưu trước đó ({who}, {when}); không lưu thêm bản nữa.", "info")
        return back
    db.session.commit()
    flash(f"Đã lưu bản đã ký «{copy.original_name}».", "success")
    return back


@bp.get("/batches/<int:batch_id>/signed/<int:copy_id>")
@role_required(*RETURNERS)
def signed_copy(batch_id: int, copy_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    copies = signed_copies.copies_of(db.session, batch)
    index = next((i for i, c in enumerate(copies, 1) if c.id == copy_id), None)
    if index is None or not Path(copies[index - 1].stored_path).is_file():
        abort(404)
    copy = copies[index - 1]
    name = signed_copies.download_name(batch, copy, index)
    log_download(db.session, current_user, batch.unit, f"batch {batch.id} signed {copy.id}: {name}")
    db.session.commit()
    return send_file(
        Path(copy.stored_path),
        mimetype=signed_copies.MIMETYPES[copy.kind],
        as_attachment=True,
        download_name=name,
    )
