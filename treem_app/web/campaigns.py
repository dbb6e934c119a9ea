"""The campaign's settings page (issue 17): the plan a unit follows, and its own plan (phases,
handover and return days, report cut-offs) for those who may set it."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..domain import campaigns as dom
from ..domain.campaigns import CampaignError
from ..domain.formatting import vn_date
from ..domain.reports import WEEKDAYS
from ..domain.vocabulary import PERSON_KINDS
from ..extensions import db
from ..services import campaigns as service
from ..services.access import units_in_scope
from .decorators import permission_required
from .scope import unit_or_404

bp = Blueprint("campaigns", __name__)

BLANK_ROWS = 2


def _unit():
    code = request.values.get("unit")
    return unit_or_404(current_user, code) if code else current_user.unit


def _typed(campaign, schedule: dom.Schedule) -> tuple[dict, list[dict]]:
    """The form's values from a campaign (own or followed), or the defaults for a new one."""
    if campaign is None:
        form = {"name": service.DEFAULT_NAME}
        rows = []
    else:
        form = {"name": campaign.name}
        schedule = campaign.schedule
        rows = [
            {"kind": p.kind, "start": vn_date(p.starts_on), "end": vn_date(p.ends_on)}
            for p in campaign.phases
        ]
    form.update(
        handover_weekday=schedule.handover_weekday,
        return_weekday=schedule.return_weekday,
        report_weekday=schedule.report_weekday,
        report_hour=schedule.report_hour,
        monthly_day=schedule.monthly_day,
    )
    return form, rows


def _padded(rows: list[dict]) -> list[dict]:
    count = min(dom.MAX_PHASES, max(len(rows) + BLANK_ROWS, 3))
    return rows + [{"kind": "", "start": "", "end": ""}] * (count - len(rows))


def _posted_rows() -> list[dict]:
    rows = []
    for n in range(dom.MAX_PHASES):
        row = {part: request.form.get(f"phase-{n}-{part}", "") for part in ("kind", "start", "end")}
        rows.append(row)
    return rows


def _page(unit, *, form=None, rows=None, errors=None, status=200):
    followed = service.campaign_for(db.session, unit)
    own = followed if followed is not None and followed.unit_id == unit.id else None
    editable = service.may_set(current_user, unit)
    cadence = service.default_schedule(db.session, unit)
    if form is None:
        form, rows = _typed(followed, cadence)
    return render_template(
        "campaigns/index.html",
        unit=unit,
        followed=followed,
        own=own,
        editable=editable,
        form=form,
        rows=_padded(rows or []),
        errors=errors or {},
        weekdays=WEEKDAYS,
        kinds=PERSON_KINDS,
        province_cadence=cadence,
        below=service.campaigns_below(db.session, current_user.unit),
        scope_units=db.session.scalars(units_in_scope(current_user)).all(),
        today=clock.today(),
    ), status


@bp.get("/campaigns")
@permission_required("manage_campaign")
def index():
    return _page(_unit())


@bp.post("/campaigns")
@permission_required("manage_campaign")
def save():
    unit = _unit()
    fields = ("name", "handover_weekday", "return_weekday", "report_weekday", "report_hour",
              "monthly_day")  # fmt: skip
    form = {k: request.form.get(k, "") for k in fields}
    rows = _posted_rows()
    try:
        service.save_campaign(db.session, current_user, unit, form, rows, today=clock.today())
    except CampaignError as exc:
        db.session.rollback()
        # Keep the rows where the user typed them: the errors name rows by their number.
        last = max((n for n, r in enumerate(rows) if any(r.values())), default=-1)
        typed = rows[: last + 1]
        return _page(unit, form=form, rows=typed, errors=exc.errors, status=422)
    db.session.commit()
    flash(f"Đã lưu kế hoạch chiến dịch của {unit.name}.", "success")
    return redirect(url_for("campaigns.index", unit=unit.code))


@bp.post("/campaigns/remove")
@permission_required("manage_campaign")
def remove():
    unit = _unit()
    try:
        removed = service.remove_campaign(db.session, current_user, unit)
    except CampaignError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("campaigns.index", unit=unit.code))
    db.session.commit()
    if removed:
        flash(f"Đã bỏ kế hoạch riêng của {unit.name}; đơn vị theo kế hoạch cấp trên.", "success")
    return redirect(url_for("campaigns.index", unit=unit.code))
