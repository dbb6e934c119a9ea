from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from .. import clock
from ..extensions import db
from ..models import ImportRun, JobRun
from ..queue import enqueue_run, job_view
from ..services import job_runs
from ..services.access import get_scoped, scoped
from ..services.audit import log_download
from .decorators import role_required
from .htmx import render
from .once import once
from .scope import get_or_404, unit_or_404

bp = Blueprint("jobs", __name__)

QUEUE_DOWN = (
    "Hệ thống xử lý tạm thời chưa sẵn sàng. Yêu cầu của bạn đã được ghi nhận "
    "và sẽ được xử lý khi hệ thống hoạt động trở lại."
)


def start_job(run: JobRun, *, timeout: int = 3600) -> None:
    """Enqueue a committed run; when Redis is down, say so (the run is kept and requeued)."""
    if not enqueue_run(run, timeout=timeout):
        flash(QUEUE_DOWN, "warning")


@bp.get("/jobs")
@login_required
def index():
    runs = db.session.scalars(
        scoped(current_user, JobRun).order_by(JobRun.id.desc()).limit(100)
    ).all()
    return render_template("jobs/index.html", runs=runs)


@bp.get("/jobs/<int:run_id>")
@login_required
def show(run_id: int):
    run = get_or_404(current_user, JobRun, run_id)
    apply_run = None
    if run.kind == "roster_import" and run.status == "finished":
        # A dry run's page offers the real import of the same upload.
        apply_run = get_scoped(db.session, current_user, ImportRun, run.result.get("import_id"))
    return render("jobs/show.html", "status", view=job_view(run), apply_run=apply_run)


@bp.post("/jobs/rebuild-findings")
@role_required("officer", "admin")
@once
def rebuild_findings():
    unit = unit_or_404(current_user, request.form.get("unit") or current_user.unit.code)
    run = job_runs.record(
        db.session, "rebuild_findings", unit, current_user, [clock.today().isoformat()]
    )
    db.session.commit()
    start_job(run)
    return redirect(url_for("jobs.show", run_id=run.id))


@bp.post("/visit-sheets")
@role_required("officer")
@once
def visit_sheets():
    hamlet = request.form.get("hamlet") or None
    run = job_runs.record(db.session, "visit_sheets", current_user.unit, current_user, [hamlet])
    db.session.commit()
    start_job(run)
    return redirect(url_for("jobs.show", run_id=run.id))


@bp.get("/jobs/<int:run_id>/download")
@role_required("officer", "police")
def download(run_id: int):
    run = get_or_404(current_user, JobRun, run_id)
    if run.status != "finished" or not run.result_file or not Path(run.result_file).is_file():
        abort(404)
    path = Path(run.result_file)
    log_download(db.session, current_user, run.unit, f"job {run.id} {run.kind}: {path.name}")
    db.session.commit()
    names = {
        "visit_sheets": f"phieu-xac-minh-{run.unit.code}-{run.id}.pdf",
        "change_sheet": f"phieu-cap-nhat-phan-mem-{run.unit.code}-{run.id}.pdf",
    }
    return send_file(path, as_attachment=True, download_name=names.get(run.kind, path.name))
