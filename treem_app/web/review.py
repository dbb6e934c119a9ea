from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..domain.dates import parse_day
from ..extensions import db
from ..models import Person, Proposal, User
from ..models.person import FIELD_LABELS
from ..models.review import PROPOSAL_STATUSES
from ..services import review
from ..services.access import scoped
from ..services.duplicates import (
    DUPLICATE_REASONS,
    MERGED_FIELDS,
    check_merge,
    dismiss_pair,
    duplicate_pairs,
    kept_differences,
    merge_persons,
    taken_from_other,
)
from ..services.proposals import (
    NEW_PERSON,
    child_candidates,
    decide_proposal,
    own_proposals,
    pending_proposals,
    set_volunteer_hamlets,
    volunteer_hamlets,
)
from ..services.work_queue import unit_hamlets
from .decorators import role_required
from .scope import get_or_404

bp = Blueprint("review", __name__)


@bp.get("/duplicates")
@role_required("officer")
def duplicates():
    pairs = duplicate_pairs(db.session, current_user)
    return render_template(
        "review/duplicates.html",
        pairs=pairs,
        fields=MERGED_FIELDS,
        reasons=DUPLICATE_REASONS,
    )


def _pair_from_form() -> tuple[Person, Person]:
    a = get_or_404(current_user, Person, request.form.get("keep", type=int) or 0)
    b = get_or_404(current_user, Person, request.form.get("other", type=int) or 0)
    return a, b


@bp.get("/duplicates/merge")
@role_required("officer")
def confirm_merge():
    """What a merge will do, before it is done: the kept record, the facts taken from the other
    and those that differ (the kept record's value stays). Nothing changes here."""
    keep = get_or_404(current_user, Person, request.args.get("keep", type=int) or 0)
    other = get_or_404(current_user, Person, request.args.get("other", type=int) or 0)
    try:
        check_merge(keep, other)
        error = None
    except review.ReviewError as exc:
        error = str(exc)
    return render_template(
        "review/merge_confirm.html",
        keep=keep,
        other=other,
        taken=taken_from_other(keep, other),
        differing=kept_differences(keep, other),
        error=error,
    ), (409 if error else 200)


@bp.post("/duplicates/merge")
@role_required("officer")
def merge():
    keep, other = _pair_from_form()
    try:
        merge_persons(
            db.session,
            keep,
            other,
            user=current_user,
            note=request.form.get("note"),
            today=clock.today(),
        )
        db.session.commit()
        flash(
            f"Đã gộp hồ sơ #{other.id} vào hồ sơ #{keep.id}; lịch sử của cả hai được giữ.",
            "success",
        )
    except review.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for("review.duplicates"))


@bp.post("/duplicates/dismiss")
@role_required("officer")
def dismiss():
    a, b = _pair_from_form()
    dismiss_pair(db.session, a, b, user=current_user, today=clock.today())
    db.session.commit()
    flash(f"Đã ghi nhận hồ sơ #{a.id} và #{b.id} là hai trẻ khác nhau.", "success")
    return redirect(url_for("review.duplicates"))


@bp.get("/proposals")
@role_required("officer")
def proposals():
    pending = pending_proposals(db.session, current_user)
    today = clock.today()
    return render_template(
        "review/proposals.html",
        proposals=pending,
        # A proposed new child's probable duplicates, to check before approving.
        candidates={p.id: child_candidates(db.session, p, today) for p in pending},
        sources=review.EDIT_SOURCES,
        labels=FIELD_LABELS,
    )


@bp.get("/proposals/mine")
@role_required("volunteer")
def my_proposals():
    """A volunteer's own proposals and what the officer decided."""
    rows, counts = own_proposals(db.session, current_user)
    return render_template(
        "review/my_proposals.html",
        proposals=rows,
        counts=counts,
        statuses=PROPOSAL_STATUSES,
        sources=review.EDIT_SOURCES,
    )


@bp.post("/proposals/<int:proposal_id>")
@role_required("officer")
def decide(proposal_id: int):
    proposal = get_or_404(current_user, Proposal, proposal_id)
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        flash("Vui lòng chọn duyệt hoặc từ chối.", "danger")
        return redirect(url_for("review.proposals"))
    approve = decision == "approve"
    try:
        decide_proposal(
            db.session,
            proposal,
            officer=current_user,
            approve=approve,
            reason=request.form.get("reason"),
            today=clock.today(),
            confirmed=request.form.get("confirm_duplicate") == "1",
        )
        db.session.commit()
        if not approve:
            message = "Đã từ chối đề xuất."
        elif proposal.kind == NEW_PERSON:
            message = f"Đã duyệt và thêm trẻ {proposal.person.full_name} vào danh sách."
        else:
            message = "Đã duyệt và cập nhật hồ sơ."
        flash(message, "success")
    except review.ReviewError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for("review.proposals"))


def _volunteers() -> list[User]:
    return list(
        db.session.scalars(
            scoped(current_user, User).where(User.role == "volunteer").order_by(User.full_name)
        )
    )


@bp.get("/volunteers")
@role_required("officer")
def volunteers():
    return _volunteers_page()


def _volunteers_page(refused: User | None = None, error: str | None = None):
    people = _volunteers()
    assigned = {v.id: volunteer_hamlets(db.session, v) for v in people}
    typed, errors = {}, {}
    if refused is not None:  # the refused card shows what was typed, and why
        assigned[refused.id] = request.form.getlist("hamlet")
        typed[refused.id] = request.form.get("expires_at", "")
        errors[refused.id] = error
    return render_template(
        "review/volunteers.html",
        volunteers=people,
        assigned=assigned,
        typed=typed,
        errors=errors,
        hamlets=unit_hamlets(db.session, current_user.unit),
    ), (422 if errors else 200)


@bp.post("/volunteers/<int:user_id>")
@role_required("officer")
def update_volunteer(user_id: int):
    volunteer = get_or_404(current_user, User, user_id)
    if volunteer.role != "volunteer":
        abort(404)
    try:
        end = parse_day(request.form.get("expires_at"), today=clock.today())
        set_volunteer_hamlets(db.session, volunteer, request.form.getlist("hamlet"))
        volunteer.expires_at = clock.end_of_day(end) if end else None
        db.session.commit()
    except ValueError as exc:  # a ReviewError too: nothing is changed, the card says why
        db.session.rollback()
        return _volunteers_page(refused=volunteer, error=str(exc))
    flash(f"Đã cập nhật phân công cho {volunteer.full_name}.", "success")
    return redirect(url_for("review.volunteers"))
