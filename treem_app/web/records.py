from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_blocks
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..domain.ethnicity import ethnic_groups
from ..domain.permissions import can
from ..domain.vocabulary import PERSON_KINDS
from ..extensions import db
from ..models import Person, Proposal
from ..models.person import FIELD_LABELS
from ..services import audit, proposals, review, work_queue
from ..services.access import get_scoped, scoped
from ..services.batches import batches_of_person
from ..services.beneficiaries import linked_records
from .decorators import role_required
from .htmx import is_htmx, render
from .once import once
from .scope import get_or_404

bp = Blueprint("records", __name__)

EDITOR_ROLES = ("officer", "volunteer")


def _can_edit(person: Person) -> bool:
    return current_user.role in EDITOR_ROLES and person.status not in review.MARKS


@bp.get("/records")
@login_required
def index():
    filt = work_queue.QueueFilter.from_args(request.args)
    page = work_queue.queue_page(db.session, current_user, filt)
    resp = render(
        "records/index.html",
        "queue",
        page=page,
        filt=filt,
        statuses=work_queue.STATUS_FILTERS,
        severities=work_queue.SEVERITY_LABELS,
        kinds=PERSON_KINDS,
    )
    if is_htmx():
        # The address bar shows the canonical, shareable filter (no empty parameters).
        resp.headers["HX-Push-Url"] = url_for("records.index", **filt.args())
    return resp


def _record_context(person: Person, **extra) -> dict:
    pending = db.session.scalars(
        scoped(current_user, Proposal).where(
            Proposal.person_id == person.id, Proposal.status == "pending"
        )
    ).all()
    ctx = {
        "person": person,
        "fields": review.EDITABLE_FIELDS,
        "can_edit": _can_edit(person),
        "sources": review.EDIT_SOURCES,
        "ethnic_groups": ethnic_groups(),
        "history": audit.history(db.session, person),
        "pending": {p.field: p for p in pending},
        "marks": review.MARKS,
        "oob": False,
        "mode": "show",
        "error": None,
        "value": None,
        "batch_rows": (
            batches_of_person(db.session, person, current_user)
            if can(current_user.role, "view_batches")
            else []
        ),
    }
    ctx["linked"] = [
        other
        for other in linked_records(db.session, person)
        if get_scoped(db.session, current_user, Person, other.id) is not None
    ]
    ctx.setdefault("field_labels", FIELD_LABELS)
    ctx.update(extra)
    return ctx


@bp.get("/records/<int:person_id>")
@login_required
def show(person_id: int):
    person = get_or_404(current_user, Person, person_id)
    audit.log_access(db.session, current_user, person, "view")
    db.session.commit()
    editing = request.args.get("edit")
    ctx = _record_context(person, editing=editing if _can_edit(person) else None)
    if current_user.role == "officer":
        ctx["access_log"] = audit.access_log(db.session, person)
    return render_template("records/show.html", **ctx)


@bp.get("/records/<int:person_id>/facts/<field>")
@login_required
def fact(person_id: int, field: str):
    person = get_or_404(current_user, Person, person_id)
    if field not in review.EDITABLE_FIELDS:
        abort(404)
    mode = "edit" if request.args.get("edit") and _can_edit(person) else "show"
    # Back from an edit ("Hủy"): the focus returns to the field's edit button.
    ctx = _record_context(person, field=field, mode=mode, focus=mode == "show")
    return render_template("records/_fact.html", **ctx)


@bp.post("/records/<int:person_id>/facts/<field>")
@role_required(*EDITOR_ROLES)
def save_fact(person_id: int, field: str):
    person = get_or_404(current_user, Person, person_id)
    if field not in review.EDITABLE_FIELDS:
        abort(404)
    value = request.form.get("value", "")
    source = request.form.get("source", "")
    note = request.form.get("note", "")
    today = clock.today()
    status = 200
    try:
        if current_user.role == "volunteer":
            proposals.propose(
                db.session,
                person,
                field,
                value,
                user=current_user,
                source=source,
                note=note,
                today=today,
            )
            message = "Đã gửi đề xuất; cán bộ xã sẽ duyệt trước khi áp dụng."
        else:
            changed = review.update_fact(
                db.session,
                person,
                field,
                value,
                user=current_user,
                source=source,
                note=note,
                expected_version=request.form.get("version", type=int),
                today=today,
            )
            message = "Đã lưu." if changed else "Không có thay đổi."
        db.session.commit()
    except review.StaleRecord as exc:
        db.session.rollback()
        error, status = str(exc), 409
    except StaleDataError:
        db.session.rollback()
        db.session.refresh(person)
        error, status = str(review.StaleRecord(person, field)), 409
    except review.ReviewError as exc:
        db.session.rollback()
        error, status = str(exc), 422
    if status != 200:
        db.session.refresh(person)
        ctx = _record_context(
            person, field=field, mode="edit", error=error, value=value, source=source, note=note
        )
        if not is_htmx():
            flash(error, "danger")
            return redirect(url_for("records.show", person_id=person.id, edit=field))
        return render_template("records/_fact.html", **ctx), status
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("records.show", person_id=person.id))
    db.session.refresh(person)
    ctx = _record_context(person, field=field, saved=message, focus=True)
    row = render_template("records/_fact.html", **ctx)
    oob = render_blocks(
        "records/show.html", ["status_badge", "findings", "history"], **dict(ctx, oob=True)
    )
    return row + oob


@bp.post("/records/<int:person_id>/mark")
@role_required("officer")
def mark(person_id: int):
    person = get_or_404(current_user, Person, person_id)
    try:
        review.set_mark(
            db.session,
            person,
            request.form.get("mark", ""),
            request.form.get("reason", ""),
            user=current_user,
            today=clock.today(),
        )
        db.session.commit()
        flash(f"Đã cập nhật trạng thái: {person.status_label}.", "success")
    except review.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for("records.show", person_id=person.id))


@bp.route("/records/new", methods=["GET", "POST"])
@role_required(*EDITOR_ROLES)
@once
def new():
    """A child found on no record: the officer adds them; a volunteer proposes them (in their
    hamlets), and the officer decides on "Đề xuất chờ duyệt"."""
    form = request.form
    volunteer = current_user.role == "volunteer"
    candidates, error, field_errors = [], None, {}
    if request.method == "POST":
        raw = {f: form.get(f, "") for f in review.EDITABLE_FIELDS}
        try:
            if volunteer:
                proposal = proposals.propose_child(
                    db.session,
                    current_user.unit,
                    raw,
                    user=current_user,
                    source=form.get("source", ""),
                    note=form.get("note"),
                    today=clock.today(),
                )
                db.session.commit()
                flash(
                    f"Đã gửi đề xuất thêm trẻ {proposal.new_value}; cán bộ xã sẽ kiểm tra "
                    "và duyệt trước khi thêm vào danh sách.",
                    "success",
                )
                return redirect(url_for("records.index"))
            person = review.add_child(
                db.session,
                current_user.unit,
                raw,
                user=current_user,
                source=form.get("source", ""),
                note=form.get("note"),
                today=clock.today(),
                confirmed=form.get("confirm_duplicate") == "1",
            )
            db.session.commit()
            flash(f"Đã thêm trẻ {person.full_name}.", "success")
            return redirect(url_for("records.show", person_id=person.id))
        except review.DuplicateWarning as exc:
            db.session.rollback()
            candidates, error = exc.candidates, str(exc)
        except review.ReviewError as exc:
            db.session.rollback()
            error = str(exc)
            field_errors = {exc.field_name: error} if exc.field_name else {}
    status = 422 if error else 200
    hamlets = (
        proposals.volunteer_hamlets(db.session, current_user)
        if volunteer
        else work_queue.unit_hamlets(db.session, current_user.unit)
    )
    return render_template(
        "records/new.html",
        form=form,
        error=None if field_errors else error,
        errors=field_errors,
        candidates=candidates,
        fields=review.EDITABLE_FIELDS,
        labels=FIELD_LABELS,
        sources=review.EDIT_SOURCES,
        ethnic_groups=ethnic_groups(),
        hamlets=hamlets,
        volunteer=volunteer,
    ), status
