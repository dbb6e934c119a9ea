from __future__ import annotations

import io
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
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from .. import clock
from ..domain.formatting import vn_number
from ..domain.vocabulary import PERSON_KINDS
from ..extensions import db
from ..files.headers import column_letter, field_labels_for, fields_for, mapping_differences
from ..files.upload_checks import UploadError
from ..files.xlsx_read import preview
from ..models import Conflict, ImportRun, Person, Unit
from ..models.imports import CONFLICT_KINDS
from ..services.access import scoped, unit_by_code
from ..services.audit import log_download
from ..services.conflicts import (
    DECISION_KINDS,
    DECISIONS,
    check_decision,
    resolve_conflict,
    resolve_conflicts,
)
from ..services.roster_import import ImportBusy, queue_import
from ..services.roster_upload import (
    DISCARDABLE,
    ImportError_,
    discard_upload,
    earlier_upload,
    remembered_mapping,
    store_upload,
    validate_mapping,
)
from .decorators import role_required
from .htmx import render
from .jobs import start_job
from .once import once
from .scope import get_or_404

bp = Blueprint("imports", __name__)

READERS = ("officer", "reporter", "admin")


def _target_unit(code: str | None) -> Unit | None:
    """The unit an officer imports into: their own, or a unit below it; None when refused."""
    if not code or code == current_user.unit.code:
        return current_user.unit
    return unit_by_code(db.session, current_user, code)


def _index_context(**extra):
    runs = db.session.scalars(
        scoped(current_user, ImportRun).order_by(ImportRun.id.desc()).limit(50)
    ).all()
    open_conflicts = db.session.scalar(
        scoped(current_user, Conflict)
        .where(Conflict.status == "open")
        .with_only_columns(func.count(Conflict.id))
    )
    return {"runs": runs, "open_conflicts": open_conflicts, "person_kinds": PERSON_KINDS, **extra}


@bp.get("/imports")
@role_required(*READERS)
def index():
    return render_template("imports/index.html", **_index_context())


@bp.post("/imports")
@role_required("officer")
@once
def upload():
    unit = _target_unit(request.form.get("unit"))
    if unit is None:
        return render_template(
            "imports/index.html",
            **_index_context(error="Bạn không được nhập dữ liệu vào đơn vị này."),
        ), 403
    file = request.files.get("file")
    if file is None or not file.filename:
        return render_template(
            "imports/index.html", **_index_context(error="Hãy chọn tệp cần nhập.")
        ), 422
    data = file.read()
    try:
        run = store_upload(
            db.session,
            unit,
            current_user,
            file.filename,
            data,
            files_dir=current_app.config["TREEM_FILES_DIR"],
            max_bytes=current_app.config["MAX_CONTENT_LENGTH"] or 25 * 1024 * 1024,
            max_rows=current_app.config["TREEM_MAX_IMPORT_ROWS"],
            person_kind=request.form.get("person_kind", "child"),
        )
    except UploadError as exc:
        db.session.rollback()
        return render_template("imports/index.html", **_index_context(error=str(exc))), 422
    db.session.commit()
    return redirect(url_for("imports.show", run_id=run.id))


def _mapping_from_form(form) -> dict[int, str]:
    mapping = {}
    for key, value in form.items():
        if key.startswith("col-") and value:
            try:
                mapping[int(key[4:])] = value
            except ValueError:
                continue
    return mapping


def _show_context(run: ImportRun, mapping: dict[int, str] | None = None, problems=None):
    mapping = run.mapping if mapping is None else mapping
    remembered = remembered_mapping(db.session, run.unit_id, run.person_kind)
    warnings = []
    if remembered is not None and run.status == "uploaded":
        warnings = mapping_differences(
            remembered.headers, run.headers, remembered.mapping, run.mapping
        )
    samples = []
    if run.data_start is not None:
        samples = preview(Path(run.stored_path), run.kind, run.sheet or "", run.data_start, 3)
    columns = [
        {
            "index": i,
            "letter": column_letter(i),
            "text": text,
            "field": mapping.get(i, ""),
            "samples": [s[i] if i < len(s) else "" for s in samples],
        }
        for i, text in enumerate(run.headers)
    ]
    return {
        "run": run,
        "discardable": DISCARDABLE,
        "columns": columns,
        "person_kind_label": PERSON_KINDS.get(run.person_kind, run.person_kind),
        "fields": fields_for(run.person_kind),
        "field_labels": field_labels_for(run.person_kind),
        "warnings": warnings,
        "problems": validate_mapping(mapping, run.person_kind) if problems is None else problems,
        "summary": run.summary,
        "apply_run": run,
        "remembered": remembered is not None,
        "earlier": earlier_upload(db.session, run) if run.status == "uploaded" else None,
    }


@bp.get("/imports/<int:run_id>")
@role_required(*READERS)
def show(run_id: int):
    run = get_or_404(current_user, ImportRun, run_id)
    return render_template("imports/show.html", **_show_context(run))


@bp.post("/imports/<int:run_id>/mapping")
@role_required("officer")
def check_mapping(run_id: int):
    run = get_or_404(current_user, ImportRun, run_id)
    mapping = _mapping_from_form(request.form)
    return render("imports/show.html", "mapping", **_show_context(run, mapping))


@bp.post("/imports/<int:run_id>/start")
@role_required("officer")
@once
def start(run_id: int):
    run = get_or_404(current_user, ImportRun, run_id)
    apply = request.form.get("mode") == "apply"
    mapping = _mapping_from_form(request.form) or run.mapping
    try:
        job = queue_import(
            db.session, run, mapping, current_user, screening_date=clock.today(), apply=apply
        )
    except ImportBusy as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("imports.show", run_id=run.id))
    except ImportError_ as exc:
        db.session.rollback()
        ctx = _show_context(run, mapping, problems=[str(exc)])
        return render_template("imports/show.html", **ctx), 422
    db.session.commit()
    start_job(job)
    return redirect(url_for("jobs.show", run_id=job.id))


@bp.post("/imports/<int:run_id>/discard")
@role_required("officer")
def discard(run_id: int):
    """Set aside an upload nothing was imported from (waiting at the mapping, a dry run)."""
    run = get_or_404(current_user, ImportRun, run_id)
    try:
        discard_upload(db.session, run, current_user)
    except ImportError_ as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("imports.show", run_id=run.id))
    db.session.commit()
    flash(f"Đã hủy bỏ lần tải lên #{run.id}; tệp vẫn được lưu để đối chiếu.", "success")
    return redirect(url_for("imports.index"))


@bp.get("/imports/<int:run_id>/annotated.xlsx")
@role_required(*READERS)
def annotated(run_id: int):
    run = get_or_404(current_user, ImportRun, run_id)
    if not run.annotated_path or not Path(run.annotated_path).exists():
        abort(404)
    stem = Path(run.original_name).stem or "tep"
    log_download(db.session, current_user, run.unit, f"import {run.id} annotated copy")
    db.session.commit()
    return send_file(
        run.annotated_path,
        as_attachment=True,
        download_name=f"{stem}-ket-qua-ra-soat.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/imports/sample.xlsx")
@role_required("officer")
def sample():
    from ..demo import sample_export_rows, write_sample_export

    unit = current_user.unit
    rows = sample_export_rows(db.session, unit)
    buffer = io.BytesIO()
    write_sample_export(unit, rows, buffer, exported_on=clock.today())
    buffer.seek(0)
    log_download(db.session, current_user, unit, "sample export")
    db.session.commit()
    return send_file(
        buffer,
        as_attachment=True,
        download_name=f"danh-sach-tre-em-{unit.code}-mau.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _open_conflicts() -> list[Conflict]:
    return db.session.scalars(
        scoped(current_user, Conflict)
        .where(Conflict.status == "open")
        .options(selectinload(Conflict.person).selectinload(Person.unit))
        .order_by(Conflict.id)
        .limit(500)
    ).all()


def _conflicts_page(rows: list[Conflict], **extra):
    counts = {kind: sum(1 for c in rows if c.kind == kind) for kind in CONFLICT_KINDS}
    return {
        "conflicts": rows,
        "kinds": [(k, label, counts[k]) for k, label in CONFLICT_KINDS.items() if counts[k]],
        "decisions": DECISIONS,
        "decision_kinds": DECISION_KINDS,
        "kind_labels": CONFLICT_KINDS,
        "selected": set(),
        **extra,
    }


@bp.get("/imports/conflicts")
@role_required(*READERS)
def conflicts():
    return render("imports/conflicts.html", None, **_conflicts_page(_open_conflicts()))


@bp.post("/imports/conflicts/bulk")
@role_required("officer")
def decide_many():
    """One decision for the selected conflicts: first a confirmation naming how many (nothing
    changes), then, with confirm=1, each conflict through the same service as one by one."""
    ids = {i for i in request.form.getlist("conflict", type=int) if i}
    chosen = db.session.scalars(scoped(current_user, Conflict).where(Conflict.id.in_(ids))).all()
    if len(chosen) != len(ids):
        abort(404)
    chosen = sorted(chosen, key=lambda c: c.id)
    decision = request.form.get("decision", "")
    try:
        check_decision([c for c in chosen if c.status == "open"] or chosen, decision)
    except ImportError_ as exc:
        ctx = _conflicts_page(_open_conflicts(), selected=ids, bulk_error=str(exc))
        resp = render("imports/conflicts.html", "bulk_confirm", **ctx)
        return resp, 422
    if request.form.get("confirm") != "1":
        counts = {k: sum(1 for c in chosen if c.kind == k) for k in CONFLICT_KINDS}
        ctx = _conflicts_page(
            _open_conflicts(),
            selected=ids,
            bulk={"ids": [c.id for c in chosen], "decision": decision, "counts": counts},
        )
        return render("imports/conflicts.html", "bulk_confirm", **ctx)
    try:
        done = resolve_conflicts(db.session, chosen, decision, current_user, clock.today())
    except ImportError_ as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("imports.conflicts"))
    db.session.commit()
    current_app.logger.info(
        "conflicts: %s decided %s for %s items", current_user.id, decision, done
    )
    flash(f"Đã áp dụng “{DECISIONS[decision]}” cho {vn_number(done)} mục.", "success")
    return redirect(url_for("imports.conflicts"))


@bp.post("/imports/conflicts/<int:conflict_id>")
@role_required("officer")
def decide(conflict_id: int):
    conflict = get_or_404(current_user, Conflict, conflict_id)
    try:
        resolve_conflict(
            db.session, conflict, request.form.get("decision", ""), current_user, clock.today()
        )
    except ImportError_ as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("imports.conflicts"))
    db.session.commit()
    flash("Đã ghi nhận quyết định.", "success")
    return redirect(url_for("imports.conflicts"))
