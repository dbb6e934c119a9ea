"""Step 4: the change list ("Cập nhật lên phần mềm"): what the officer types back into the
national software, record by record, ticked as entered; and its printable work sheet."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..domain.vocabulary import PERSON_KINDS
from ..extensions import db
from ..models import Person
from ..services import job_runs
from ..services import software_sync as sync
from .decorators import permission_required
from .htmx import is_htmx
from .jobs import start_job
from .once import once
from .scope import get_or_404

bp = Blueprint("changes", __name__)

PAGE_SIZE = 50
UNKNOWN_HAMLET = "(Chưa rõ thôn)"


@dataclass
class HamletGroup:
    hamlet: str
    items: list[sync.ChangeItem]
    continued: bool  # the hamlet began on an earlier page


def _only() -> str:
    only = request.values.get("only", "all")
    return only if only in sync.FILTERS else "all"


def _kind() -> str | None:
    """The kind of persons shown (``?kind=child|beneficiary``); None: every kind."""
    kind = request.values.get("kind") or None
    return kind if kind in PERSON_KINDS else None


def group_by_hamlet(items: list[sync.ChangeItem], previous_hamlet: str | None) -> list[HamletGroup]:
    """The page's items under a heading per hamlet (they come ordered by hamlet)."""
    groups = []
    for hamlet, rows in groupby(items, key=lambda item: item.person.hamlet or UNKNOWN_HAMLET):
        continued = not groups and previous_hamlet is not None and hamlet == previous_hamlet
        groups.append(HamletGroup(hamlet, list(rows), continued))
    return groups


@bp.get("/changes")
@permission_required("sync_software")
def index():
    unit = current_user.unit
    only, kind = _only(), _kind()
    counts = sync.change_counts(db.session, unit, kind)
    total = counts.get(only, 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    offset = (page - 1) * PAGE_SIZE
    query = sync.change_query(unit, only, kind).options(selectinload(Person.entered_by))
    persons = list(db.session.scalars(query.offset(offset).limit(PAGE_SIZE)))
    previous = None
    if offset and persons:
        # The last record of the page before: does its hamlet go on here?
        before = db.session.scalars(query.offset(offset - 1).limit(1)).first()
        previous = (before.hamlet or UNKNOWN_HAMLET) if before else None
    items = sync.change_items(db.session, persons)
    return render_template(
        "changes/index.html",
        groups=group_by_hamlet(items, previous),
        filters=sync.FILTERS,
        only=only,
        kind=kind,
        person_kinds=PERSON_KINDS,
        show_kinds=kind is not None or sync.holds_other_kinds(db.session, unit),
        counts=counts,
        total=total,
        page=page,
        pages=pages,
        next_url=request.full_path.rstrip("?"),
    )


@bp.post("/changes/<int:person_id>/entered")
@permission_required("sync_software")
def entered(person_id: int):
    """Tick (entered=1) or untick the record; HTMX gets the row back, a plain form the page."""
    person = get_or_404(current_user, Person, person_id)
    want = request.form.getlist("entered")[-1:] == ["1"]
    error = None
    status = 200
    try:
        if want and person.sync_state == sync.PENDING:
            sync.mark_entered(db.session, person, current_user)
        elif not want and person.sync_state == sync.ENTERED:
            sync.unmark_entered(db.session, person, current_user)
        db.session.commit()
    except sync.SyncError as exc:
        db.session.rollback()
        error, status = str(exc), 409
    if not is_htmx():
        if error:
            flash(error, "danger")
        return redirect(f"{_back()}#change-{person.id}")
    items = sync.change_items(db.session, [person])
    if not items:  # no longer on the list (synced meanwhile)
        return render_template("changes/_gone.html", person=person), status
    return render_template(
        "changes/_row.html", item=items[0], error=error, next_url=_back()
    ), status


@bp.post("/changes/sheet")
@permission_required("sync_software")
@once
def sheet():
    """Print the work sheet of the current filter (a background job, like the visit sheets)."""
    only, kind = _only(), _kind()
    args = [only] if kind is None else [only, kind]
    run = job_runs.record(db.session, "change_sheet", current_user.unit, current_user, args)
    db.session.commit()
    start_job(run)
    return redirect(url_for("jobs.show", run_id=run.id))


def _back() -> str:
    """The change list page the form came from (its filter and page; never another site)."""
    target = request.form.get("next") or ""
    if not target.startswith("/changes") or "\\" in target:
        return url_for("changes.index")
    return target
