"""The reporters' dashboard (issue 14): per child unit, the week's progress with links to the
lists that make each figure, drill-down into a district, the past weeks' clean rate."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from .. import clock
from ..domain.campaigns import vn_pace
from ..domain.reports import vn_rate, vn_week
from ..extensions import db
from ..models import Batch, Person
from ..models._common import utcnow
from ..services import campaign_pace
from ..services import progress_board as service
from .decorators import permission_required
from .scope import unit_or_404

bp = Blueprint("dashboard", __name__)
bp.add_app_template_filter(vn_week, "vn_week")
bp.add_app_template_filter(vn_rate, "vn_rate")
bp.add_app_template_global(vn_pace, "vn_pace")

PAGE_SIZE = 100


def _unit():
    code = request.args.get("unit")
    return unit_or_404(current_user, code) if code else current_user.unit


def _live_cache() -> service.LiveCache | None:
    """The process's kept counts of the dashboard (None when TREEM_DASHBOARD_CACHE_S is 0)."""
    seconds = current_app.config.get("TREEM_DASHBOARD_CACHE_S", 0)
    if not seconds:
        return None
    return current_app.extensions.setdefault("treem_live_cache", service.LiveCache(seconds))


def _pace_cache() -> campaign_pace.PaceCache | None:
    """The process's kept "still to clean" counts (None when TREEM_DASHBOARD_CACHE_S is 0)."""
    seconds = current_app.config.get("TREEM_DASHBOARD_CACHE_S", 0)
    if not seconds:
        return None
    return current_app.extensions.setdefault("treem_pace_cache", campaign_pace.PaceCache(seconds))


def _campaign_pace(rows, today):
    """The campaign's pace of the communes shown (issue 17), from the live (6) just counted."""
    leaves = [r for r in rows if not r.is_group]
    return campaign_pace.board_pace(
        db.session,
        [r.unit for r in leaves],
        {r.unit.id: r.figures.cleaned for r in leaves},
        now=clock.now(),
        today=today,
        zone_name=clock.zone_name(),
        cache=_pace_cache(),
    )


@bp.get("/dashboard")
@permission_required("view_reports")
def index():
    unit = _unit()
    board = service.board(
        db.session,
        current_user,
        unit,
        now=utcnow(),
        today=clock.today(),
        zone_name=clock.zone_name(),
        cache=_live_cache(),
    )
    idle_only = request.args.get("idle") == "1"
    rows = board.rows
    if idle_only:
        rows = [r for r in board.leaf_rows if r.idle]
    parent = None
    if unit.id != current_user.unit.id and unit.parent is not None:
        parent = unit.parent
    return render_template(
        "dashboard/index.html",
        board=board,
        rows=rows,
        idle_only=idle_only,
        parent=parent,
        failed_days=service.FAILED_DAYS,
        pace=_campaign_pace(rows, clock.today()),
    )


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.get("/dashboard/records")
@permission_required("view_reports")
def records():
    unit = _unit()
    column = request.args.get("column", "")
    if column not in service.BOARD_LISTS:
        abort(404)
    leaves = service.leaf_ids_under(db.session, unit)
    stmt = service.board_list_query(current_user, leaves, column)
    total = db.session.scalar(stmt.order_by(None).with_only_columns(func.count(Person.id)))
    page = _page()
    persons = db.session.scalars(
        stmt.options(selectinload(Person.unit)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "dashboard/records.html",
        unit=unit,
        column=column,
        title=service.BOARD_LISTS[column],
        persons=persons,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


@bp.get("/dashboard/overdue")
@permission_required("view_reports")
def overdue():
    unit = _unit()
    today = clock.today()
    leaves = service.leaf_ids_under(db.session, unit)
    batches = db.session.scalars(
        service.overdue_batches(current_user, leaves, today).options(selectinload(Batch.unit))
    ).all()
    return render_template("dashboard/overdue.html", unit=unit, batches=batches, today=today)
