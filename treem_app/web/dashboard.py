"""The reporters' dashboard (issue 14): per child unit, the week's progress with links to the
lists that make each figure, drill-down into a district, the past weeks' clean rate."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..domain.campaigns import vn_pace
from ..domain.reports import vn_rate, vn_week
from ..extensions import db
from ..files.shared_values import FolderStore
from ..models import Batch, Person, Unit
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


def _kept(name: str):
    """The process's kept `name` ("live": the communes' (4)/(6), "boards": the boards the web
    server's processes share through the instance folder, "pace": the communes' "still to
    clean"), made on first use; None when TREEM_DASHBOARD_CACHE_S is 0."""
    seconds = current_app.config.get("TREEM_DASHBOARD_CACHE_S", 0)
    if not seconds:
        return None
    kept = current_app.extensions.setdefault("treem_dashboard", {})
    if name not in kept:
        if name == "boards":
            store = FolderStore(Path(current_app.instance_path) / "dashboard")
            kept[name] = service.BoardCache(seconds, store=store)
        else:
            kept[name] = (service.LiveCache if name == "live" else campaign_pace.PaceCache)(seconds)
    return kept[name]


def _campaign_pace(shown, today):
    """The campaign's pace of the communes on the page (issue 17), from the live (6) of the
    board (the rows carry light unit references: the page's communes are read, at most a
    page of them, for their place in the tree)."""
    leaves = [r for r in shown.rows if not r.is_group]
    ids = [r.unit.id for r in leaves]
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}
    return campaign_pace.board_pace(
        db.session,
        [units[i] for i in ids if i in units],
        {r.unit.id: r.figures.cleaned for r in leaves},
        now=clock.now(),
        today=today,
        zone_name=clock.zone_name(),
        cache=_kept("pace"),
    )


@bp.get("/dashboard")
@permission_required("view_reports")
def index():
    unit = _unit()
    live, boards = _kept("live"), _kept("boards")
    board = service.board(
        db.session,
        current_user,
        unit,
        now=utcnow(),
        today=clock.today(),
        zone_name=clock.zone_name(),
        cache=live,
        boards=boards,
    )
    idle_only = request.args.get("idle") == "1"
    shown = service.board_page(
        board, order=request.args.get("order", "need"), page=_page(), idle_only=idle_only
    )
    parent = None
    if unit.id != current_user.unit.id and unit.parent is not None:
        parent = unit.parent
    board_html, pace_html = _board_html(board, shown, idle_only, kept=boards is not None)
    return render_template(
        "dashboard/index.html",
        board=board,
        board_html=board_html,
        pace_html=pace_html,
        parent=parent,
        failed_days=service.FAILED_DAYS,
    )


HTML_KEPT = 256  # rendered pages of kept boards, per process


def _board_html(board, shown, idle_only: bool, kept: bool) -> tuple[str, str]:
    """The board's totals, page of rows and chart (dashboard/_board.html), and the campaign
    pace of the page's communes (dashboard/_campaign.html), as HTML: the same for every viewer
    of the unit in a role, so a kept board's page is rendered once per process, its pace
    counted with it (the key holds the board's "as of" time: a board computed again is
    rendered and paced again)."""

    def render() -> tuple[str, str]:
        board_html = render_template(
            "dashboard/_board.html",
            board=board,
            shown=shown,
            orders=service.ORDERS,
            idle_only=idle_only,
        )
        pace = _campaign_pace(shown, clock.today())
        return board_html, render_template("dashboard/_campaign.html", pace=pace)

    if not kept:
        return render()
    key = (board.unit.id, board.week, board.as_of, current_user.role, shown.order, shown.number,
           idle_only, clock.today())  # fmt: skip
    pages = current_app.extensions.setdefault("treem_board_html", {})
    html = pages.get(key)
    if html is None:
        html = render()
        while len(pages) >= HTML_KEPT:
            pages.pop(next(iter(pages)), None)
        pages[key] = html
    return html


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
