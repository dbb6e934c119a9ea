"""The commune's hamlets and the officer's merges ("gộp thôn")."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..domain.formatting import vn_number
from ..extensions import db
from ..models import Hamlet
from ..services import hamlets
from .decorators import permission_required
from .scope import get_or_404

bp = Blueprint("hamlets", __name__)


def _page(plan=None, error=None, status=200, selected=(), into_id=None):
    unit = current_user.unit
    rows = hamlets.hamlet_rows(db.session, unit)
    db.session.commit()  # hamlets its persons hold joined the list
    return render_template(
        "hamlets/index.html",
        rows=rows,
        history=hamlets.merge_history(db.session, unit),
        plan=plan,
        error=error,
        selected=set(selected),
        into_id=into_id,
    ), status


def _form_ids() -> tuple[list[int], int]:
    """The hamlets chosen on the form (each in the user's scope, else 404) and the target."""
    sources = [
        get_or_404(current_user, Hamlet, i).id for i in request.form.getlist("source", type=int)
    ]
    into = request.form.get("into", type=int)
    if into is not None:
        into = get_or_404(current_user, Hamlet, into).id
    return sources, into or 0


@bp.get("/hamlets")
@permission_required("manage_hamlets")
def index():
    return _page()


@bp.post("/hamlets/merge")
@permission_required("manage_hamlets")
def merge():
    """First the confirmation (what goes into what, and what moves), then the merge."""
    sources, into = _form_ids()
    try:
        if request.form.get("confirm") != "1":
            plan = hamlets.plan_merge(db.session, current_user.unit, sources, into)
            return _page(plan=plan, selected=sources, into_id=into)
        done = hamlets.merge_hamlets(
            db.session, current_user.unit, sources, into, user=current_user, today=clock.today()
        )
        db.session.commit()
    except hamlets.HamletError as exc:
        db.session.rollback()
        return _page(error=str(exc), status=422, selected=sources, into_id=into)
    flash(
        f"Đã gộp {', '.join(f'«{n}»' for n in done.merged_names)} vào «{done.into_name}»: "
        f"{vn_number(done.persons)} hồ sơ, {vn_number(done.volunteers)} cộng tác viên chuyển sang.",
        "success",
    )
    return redirect(url_for("hamlets.index"))
