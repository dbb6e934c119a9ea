from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import Batch, JobRun
from ..services.access import person_rule, scoped
from ..services.dashboard import child_counts, unit_counts

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    return redirect(url_for("main.home"))


@bp.get("/home")
@login_required
def home():
    user = current_user
    # The persons the user sees, not the commune's: a volunteer's hamlets, the police's lists.
    counts = unit_counts(db.session, user.unit, where=person_rule(user))
    children = child_counts(db.session, user.unit) if user.role in ("reporter", "admin") else []
    recent_jobs = db.session.scalars(scoped(user, JobRun).order_by(JobRun.id.desc()).limit(5)).all()
    batches = (
        db.session.scalars(scoped(user, Batch).order_by(Batch.id.desc()).limit(10)).all()
        if user.role in ("police", "officer")
        else []
    )
    return render_template(
        f"home/{user.role}.html",
        counts=counts,
        children=children,
        recent_jobs=recent_jobs,
        batches=batches,
    )


@bp.get("/healthz")
def healthz():
    db.session.execute(select(1))
    return {"ok": True}
