from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Batch, Person
from ..services.access import get_or_404
from ..services.records import list_persons
from .htmx import render

bp = Blueprint("records", __name__)


@bp.get("/records")
@login_required
def index():
    q = request.args.get("q", "")
    only_open = request.args.get("open") == "1"
    page = list_persons(
        db.session,
        current_user,
        q=q,
        only_open=only_open,
        page=request.args.get("page", 1, type=int),
    )
    return render("records/index.html", "results", page=page, q=q, only_open=only_open)


@bp.get("/records/<int:person_id>")
@login_required
def show(person_id: int):
    from ..domain.ethnicity import ethnicity_name
    from ..domain.idnumber import explain_id

    person = get_or_404(current_user, Person, person_id)
    explanation = None
    if person.id_number and len(person.id_number) == 12 and person.id_number.isdigit():
        try:
            explanation = explain_id(person.id_number)
        except ValueError:
            explanation = None
    return render_template(
        "records/show.html",
        person=person,
        explanation=explanation,
        ethnicity=ethnicity_name(person.ethnicity) if person.ethnicity else None,
    )


@bp.get("/batches/<int:batch_id>")
@login_required
def batch(batch_id: int):
    batch = get_or_404(current_user, Batch, batch_id)
    return render_template("batches/show.html", batch=batch)
