"""Reports (issue 14): the stored weekly and monthly reports, building one on demand, the
communes' own counts of their children (column (3)) and the province's cut-off."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import exists, select

from .. import clock
from ..domain import reports as dom
from ..domain.vocabulary import PERSON_KIND_NOUNS, PERSON_KINDS
from ..extensions import db
from ..models import ReportFile, Unit
from ..models._common import utcnow
from ..services import job_runs, report_files
from ..services import reports as svc
from ..services.access import units_in_scope
from ..services.audit import log_download
from .batches import settings_page
from .decorators import permission_required, role_required
from .jobs import start_job
from .scope import get_or_404, unit_or_404

bp = Blueprint("reports", __name__)


def _is_commune(unit: Unit) -> bool:
    return not db.session.scalar(select(exists().where(Unit.parent_id == unit.id)))


@bp.get("/reports")
@permission_required("view_reports")
def index():
    now = utcnow()
    unit = current_user.unit
    weekday, hour = svc.cutoff_settings(db.session, unit)
    return render_template(
        "reports/index.html",
        files=report_files.stored_reports(db.session, current_user),
        units=db.session.scalars(units_in_scope(current_user)).all(),
        weeks=report_files.recent_weeks(db.session, unit, now=now, zone_name=clock.zone_name()),
        months=report_files.recent_months(clock.today()),
        formats=report_files.available_formats(),
        failures=report_files.last_failures(db.session, unit),
        cutoff_label=f"{dom.WEEKDAYS[weekday]} {hour:02d}:00",
        vn_week=dom.vn_week,
        vn_month=dom.vn_month,
        person_kinds=PERSON_KINDS,
    )


@bp.post("/reports/build")
@permission_required("view_reports")
def build():
    unit = unit_or_404(current_user, request.form.get("unit") or current_user.unit.code)
    kind = request.form.get("kind", "weekly")
    period = request.form.get("week" if kind == "weekly" else "month", "")
    if kind == "weekly" and request.form.get("week_text", "").strip():
        period = request.form["week_text"]
    try:
        fmt = request.form.get("format", "")
        kind, period, fmt = report_files.normal_request(kind, period, fmt)
        person_kind = svc.check_kind(request.form.get("person_kind") or "child")
    except svc.ReportError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("reports.index"))
    args = [kind, period, fmt, person_kind]
    run = job_runs.record(db.session, "report_file", unit, current_user, args)
    db.session.commit()
    start_job(run)
    return redirect(url_for("jobs.show", run_id=run.id))


@bp.get("/reports/files/<int:file_id>")
@permission_required("view_reports")
def download(file_id: int):
    row = get_or_404(current_user, ReportFile, file_id)
    path = Path(row.stored_path)
    if not path.is_file():
        abort(404)
    log_download(db.session, current_user, row.unit, f"report {row.id}: {path.name}")
    db.session.commit()
    return send_file(path, as_attachment=True, download_name=report_files.download_name(row))


def _person_kind() -> str:
    """The kind of persons counted in column (3) on the totals pages (?kind=, or the form's)."""
    kind = request.values.get("kind", "child")
    return kind if kind in PERSON_KINDS else "child"


def _kind_context(kind: str) -> dict:
    """What the totals pages need of the kind: it, its ?kind= (none for the children, the
    default), its words ("trẻ em", ...) and the tabs' kinds."""
    return {"kind": kind, "kind_arg": _kind_arg(kind), "counted": PERSON_KIND_NOUNS,
            "person_kinds": PERSON_KINDS}  # fmt: skip


def _kind_arg(kind: str) -> str | None:
    return None if kind == "child" else kind


@bp.get("/reports/totals")
@permission_required("enter_totals")
def totals():
    kind = _person_kind()
    if _is_commune(current_user.unit):
        return redirect(url_for("reports.total", code=current_user.unit.code, kind=_kind_arg(kind)))
    communes = report_files.communes_in_scope(db.session, current_user)
    in_force = svc.reported_totals(
        db.session, [u.id for u in communes], clock.today(), utcnow(), kind
    )
    return render_template(
        "reports/totals.html",
        communes=communes,
        in_force=in_force,
        period_label=_period_label,
        **_kind_context(kind),
    )


def _period_label(period: str) -> str:
    return dom.vn_week(period) if "W" in period else dom.vn_month(period)


@bp.route("/reports/totals/<code>", methods=["GET", "POST"])
@permission_required("enter_totals")
def total(code: str):
    unit = unit_or_404(current_user, code)
    if not _is_commune(unit):
        abort(404)
    kind = _person_kind()
    form, error = {"period": clock.today().strftime("%Y-%m")}, None
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("period", "total", "note")}
        try:
            svc.enter_total(db.session, unit, form["period"], form["total"], current_user,
                            form["note"], person_kind=kind)  # fmt: skip
            db.session.commit()
            flash(f"Đã ghi tổng số {PERSON_KIND_NOUNS[kind]} của {unit.name}.", "success")
            return redirect(url_for("reports.total", code=unit.code, kind=_kind_arg(kind)))
        except svc.ReportError as exc:
            db.session.rollback()
            error = str(exc)
    return render_template(
        "reports/total.html",
        unit=unit,
        current=svc.reported_total(db.session, unit, clock.today(), person_kind=kind),
        history=svc.total_history(db.session, unit, kind),
        months=report_files.recent_months(clock.today()),
        weeks=report_files.recent_weeks(
            db.session, unit, now=utcnow(), zone_name=clock.zone_name()
        ),
        form=form,
        error=error,
        period_label=_period_label,
        **_kind_context(kind),
    ), (422 if error else 200)


@bp.post("/reports/cutoff")
@role_required("admin")
def cutoff():
    province = unit_or_404(current_user, request.form.get("unit"))
    try:
        svc.set_report_cutoff(
            db.session,
            province,
            request.form.get("report_weekday", type=int),
            request.form.get("report_hour", type=int),
            user=current_user,
        )
        db.session.commit()
        flash(f"Đã lưu giờ chốt số liệu của {province.name}.", "success")
    except svc.ReportError as exc:
        db.session.rollback()
        if exc.field_name:
            return settings_page({(province.code, exc.field_name): str(exc)})
        flash(str(exc), "warning")
    return redirect(url_for("batches.settings"))
