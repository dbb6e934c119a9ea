from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import clock
from ..domain.formatting import local_today
from ..domain.police_returns import OUTCOME_LABELS, REASON_LABELS
from ..domain.vocabulary import PERSON_KINDS
from ..extensions import db
from ..models import Batch, BatchReturn, BatchRow, Person, Unit
from ..queue import job_view
from ..services import batch_redo, signed_copies
from ..services import batches as service
from ..services.access import may_change, scoped, units_in_scope
from ..services.audit import log_download
from ..services.batch_ingest import outcome_counts
from ..services.reports import cutoff_settings
from ..services.return_recognise import since_issue
from .decorators import role_required
from .htmx import render
from .jobs import start_job
from .once import once
from .scope import get_or_404

bp = Blueprint("batches", __name__)

READERS = ("officer", "police", "reporter")
DOWNLOADERS = ("officer", "police")


@bp.app_context_processor
def batch_globals():
    def overdue_batches() -> int:
        if not current_user.is_authenticated or current_user.role not in READERS:
            return 0
        return service.overdue_count(db.session, current_user, clock.today())

    # since_issue: what a "record changed" conflict shows (the shared _conflicts.html partial).
    return {
        "overdue_batches": overdue_batches,
        "is_overdue": service.is_overdue,
        "since_issue": since_issue,
    }


@bp.get("/batches")
@role_required(*READERS)
def index():
    today = clock.today()
    batches = db.session.scalars(
        scoped(current_user, Batch).options(selectinload(Batch.unit)).order_by(Batch.id.desc())
    ).all()
    ready, hamlets = 0, []
    if current_user.role == "officer":
        ready = len(db.session.scalars(service.ready_persons_query(current_user.unit)).all())
    if ready > _max_rows():  # too many for one list: offer to split it by hamlet or by week
        hamlets = service.ready_by_hamlet(db.session, current_user.unit)
    return render_template(
        "batches/index.html",
        batches=batches,
        ready=ready,
        hamlets=hamlets,
        max_rows=_max_rows(),
        today=today,
        cadence=service.cadence_for(db.session, current_user.unit),
        person_kinds=PERSON_KINDS,
    )


@bp.post("/batches")
@role_required("officer")
@once
def create():
    first_only = request.form.get("first_only") == "1"  # the first rows of the commune
    hamlet = None if first_only else request.form.get("hamlet")
    try:
        kind = request.form.get("person_kind", "child")
        if kind not in PERSON_KINDS:
            raise service.BatchError(
                "Hãy chọn loại danh sách: trẻ em hoặc đối tượng bảo trợ xã hội."
            )
        batch = service.create_draft(
            db.session,
            current_user.unit,
            user=current_user,
            today=clock.today(),
            kind=kind,
            hamlet=hamlet,
            first_only=first_only,
            max_rows=_max_rows(),
        )
        db.session.commit()
    except service.BatchError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("batches.index"))
    except IntegrityError:
        db.session.rollback()
        flash("Danh sách vừa được người khác cập nhật; vui lòng thử lại.", "warning")
        return redirect(url_for("batches.index"))
    flash(f"Đã lập danh sách số {batch.number} với {batch.row_count} hồ sơ.", "success")
    return redirect(url_for("batches.show", batch_id=batch.id))


def _show_context(batch: Batch) -> dict:
    today = clock.today()
    handover, due = service.planned_dates(db.session, batch, today)
    rows = db.session.scalars(
        select(BatchRow)
        .where(BatchRow.batch_id == batch.id)
        .options(selectinload(BatchRow.person))
        .order_by(BatchRow.position, BatchRow.id)
    ).all()
    ctx = {
        "batch": batch,
        "rows": rows,
        "handover": handover,
        "due": due,
        "overdue": service.is_overdue(batch, today),
        "view": job_view(batch.job_run) if batch.job_run else None,
        "documents_missing": batch_redo.documents_missing(batch),
        "ready": [],
        "errors": {},
        "verify_url": url_for("batches.verify", token=batch.token, _external=True),
        "outcome_counts": outcome_counts(batch),
        "returns": db.session.scalars(
            select(BatchReturn)
            .where(BatchReturn.batch_id == batch.id)
            .order_by(BatchReturn.id.desc())
        ).all(),
        "conflicts": [r for r in batch.rows if r.outcome == "conflict"],
        "signed_copies": signed_copies.copies_of(db.session, batch),
        "signed_kind_labels": signed_copies.KIND_LABELS,
        "reason_labels": REASON_LABELS,
        "outcome_labels": OUTCOME_LABELS,
    }
    if batch.state == "draft" and current_user.role == "officer":
        ctx["ready"] = db.session.scalars(
            service.ready_persons_query(batch.unit, batch.person_kind)
        ).all()
        ctx["errors"] = service.open_finding_counts(db.session, batch)
    return ctx


@bp.get("/batches/<int:batch_id>")
@role_required(*READERS)
def show(batch_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    return render("batches/show.html", "documents", **_show_context(batch))


def _done(batch: Batch, message: str | None = None, category: str = "success"):
    if message:
        flash(message, category)
    return redirect(url_for("batches.show", batch_id=batch.id))


class _Refused(Exception):
    """A batch action the service refused; already rolled back, the reason flashed."""


def _max_rows() -> int:
    return int(current_app.config.get("TREEM_MAX_BATCH_ROWS") or service.MAX_BATCH_ROWS)


def _apply(batch: Batch, action):
    """Run one batch action and commit it; a refused action is rolled back, its reason shown."""
    try:
        result = action()
        db.session.commit()
    except (service.BatchError, service.InvalidTransition) as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        raise _Refused from exc
    except IntegrityError as exc:  # the unique open-batch row, raced by another officer
        db.session.rollback()
        flash("Hồ sơ vừa được đưa vào danh sách khác; vui lòng thử lại.", "warning")
        raise _Refused from exc
    return result


@bp.errorhandler(_Refused)
def _refused(_exc):
    return redirect(url_for("batches.show", batch_id=request.view_args["batch_id"]))


def _person_ids(batch: Batch) -> list[int]:
    """The form's records, each one of the batch's commune that the user sees; else 404 and
    nothing done (another commune's id is not even confirmed to exist)."""
    ids = request.form.getlist("person_id", type=int)
    if ids:
        found = db.session.scalars(
            scoped(current_user, Person)
            .where(Person.id.in_(ids), Person.unit_id == batch.unit_id)
            .with_only_columns(Person.id)
        ).all()
        if set(found) != set(ids):
            abort(404)
    return ids


@bp.post("/batches/<int:batch_id>/rows")
@role_required("officer")
def add_rows(batch_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    ids = _person_ids(batch)
    n = _apply(
        batch,
        lambda: service.add_persons(
            db.session, batch, ids, user=current_user, max_rows=_max_rows()
        ),
    )
    return _done(batch, f"Đã thêm {n} hồ sơ.")


@bp.post("/batches/<int:batch_id>/rows/remove")
@role_required("officer")
def remove_rows(batch_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    ids = _person_ids(batch)
    n = _apply(batch, lambda: service.remove_persons(db.session, batch, ids, user=current_user))
    return _done(batch, f"Đã rút {n} hồ sơ khỏi danh sách.")


@bp.post("/batches/<int:batch_id>/issue")
@role_required("officer")
def issue(batch_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    run = _apply(
        batch,
        lambda: service.issue(
            db.session, batch, user=current_user, today=clock.today(), max_rows=_max_rows()
        ),
    )
    start_job(run)
    return _done(batch, "Đã khóa danh sách; đang tạo tệp PDF và tệp trả kết quả.")


@bp.post("/batches/<int:batch_id>/documents")
@role_required("officer")
@once
def render_again(batch_id: int):
    """Make an issued list's documents again after their job failed or its worker died."""
    batch = get_or_404(current_user, Batch, batch_id)
    run = _apply(batch, lambda: batch_redo.render_again(db.session, batch, user=current_user))
    start_job(run)
    return _done(batch, "Đang tạo lại tệp PDF và tệp trả kết quả.")


@bp.post("/batches/<int:batch_id>/cancel")
@role_required("officer")
def cancel(batch_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    reason = request.form.get("reason", "")
    _apply(batch, lambda: service.cancel(db.session, batch, reason, user=current_user))
    return _done(batch, "Đã hủy danh sách.")


@bp.post("/batches/<int:batch_id>/returned")
@role_required("officer")
def returned(batch_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    _apply(batch, lambda: service.mark_returned(db.session, batch, user=current_user))
    return _done(batch, "Đã ghi nhận công an trả danh sách.")


@bp.post("/batches/<int:batch_id>/close")
@role_required("officer")
def close(batch_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    _apply(batch, lambda: service.close(db.session, batch, user=current_user))
    return _done(batch, "Đã hoàn tất danh sách.")


@bp.get("/batches/<int:batch_id>/files/<kind>")
@role_required(*DOWNLOADERS)
def download(batch_id: int, kind: str):
    batch = get_or_404(current_user, Batch, batch_id)
    if kind not in ("pdf", "xlsx") or batch.state == "cancelled":
        abort(404)
    stored = batch.pdf_path if kind == "pdf" else batch.xlsx_path
    if not stored or not Path(stored).is_file():
        abort(404)
    name = service.document_names(batch)[0 if kind == "pdf" else 1]
    log_download(db.session, current_user, batch.unit, f"batch {batch.id} {kind}: {name}")
    db.session.commit()
    return send_file(Path(stored), as_attachment=True, download_name=name)


@bp.get("/v/<token>")
def verify(token: str):
    """Public (intranet) check of a printed list: no personal data, only the batch's identity."""
    batch = db.session.scalar(select(Batch).where(Batch.token == token))
    if batch is None or batch.state == "draft":
        abort(404)
    copies = signed_copies.copies_of(db.session, batch)
    resp = current_app.make_response(
        render_template(
            "batches/verify.html",
            batch=batch,
            signed_count=len(copies),
            signed_last=(
                local_today(clock.zone_name(), copies[-1].uploaded_at) if copies else None
            ),
        )
    )
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


@bp.route("/batches/settings", methods=["GET", "POST"])
@role_required("admin")
def settings():
    provinces = _setting_provinces()
    if request.method == "POST":
        unit = next((u for u in provinces if u.code == request.form.get("unit")), None)
        if unit is None:
            abort(404)
        try:
            service.set_cadence(
                db.session,
                unit,
                request.form.get("handover_weekday", type=int),
                request.form.get("return_weekday", type=int),
                user=current_user,
            )
            db.session.commit()
            flash(f"Đã lưu lịch bàn giao của {unit.name}.", "success")
        except service.BatchError as exc:
            db.session.rollback()
            days = ("handover_weekday", "return_weekday")
            bad = [f for f in days if request.form.get(f, type=int) not in range(7)]
            if bad and may_change(current_user, unit):  # a refused day: beside its select
                return settings_page({(unit.code, bad[0]): str(exc)})
            flash(str(exc), "warning")
        return redirect(url_for("batches.settings"))
    return settings_page()


def _setting_provinces() -> list[Unit]:
    provinces = db.session.scalars(
        units_in_scope(current_user)
        .where(Unit.parent_id.is_(None))
        .order_by(None)
        .order_by(Unit.code)
    ).all()
    if not provinces:
        provinces = [service.province_of(db.session, current_user.unit)]
    return provinces


def settings_page(errors: dict | None = None):
    """The handover and cut-off settings; `errors` maps (province code, field) to a refusal
    shown beside that field of that province's form (422)."""
    rows = [
        (
            u,
            service.cadence_for(db.session, u),
            cutoff_settings(db.session, u),
            may_change(current_user, u),
        )
        for u in _setting_provinces()
    ]
    page = render_template(
        "batches/settings.html", rows=rows, weekdays=service.WEEKDAYS, errors=errors or {}
    )
    return page, (422 if errors else 200)
