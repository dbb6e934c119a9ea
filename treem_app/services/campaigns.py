"""Campaigns (issue 17): the plan in force for a unit, and setting one.

A unit's campaign is its own, or else the nearest one above it (a commune follows its
district's, then its province's). A district or province campaign is set by an administrator
or reporter of that unit or above (``access.may_change``); a commune's own by its officer, or
an administrator or reporter above it. Removing a commune's own plan makes it follow the one
above again.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..domain import campaigns as dom
from ..domain.campaigns import CampaignError
from ..domain.permissions import can
from ..models import Campaign, CampaignPhase, Unit, User
from ..models.unit import path_ids
from .access import may_change, subtree_ids
from .batches import cadence_for
from .id_sets import among
from .reports import cutoff_settings

NAME_MAX = 200
DEFAULT_NAME = "Chiến dịch chuẩn hóa và làm sạch dữ liệu"


def ancestor_ids(unit: Unit) -> list[int]:
    """The unit's own id and those above it, nearest first (from the materialised path)."""
    return list(reversed(path_ids(unit.path))) or [unit.id]


def campaigns_for(session: Session, units: list[Unit]) -> dict[int, Campaign | None]:
    """The campaign each unit follows (its own, else the nearest above), {unit_id: campaign}:
    one statement (per 900 units on SQLite) over the units and all those above them, with the
    phases."""
    chains = {u.id: ancestor_ids(u) for u in units}
    wanted = sorted({i for chain in chains.values() for i in chain})
    found: dict[int, Campaign] = {}
    for among_ids in among(session, Campaign.unit_id, wanted):
        for campaign in session.scalars(
            select(Campaign)
            .where(among_ids)
            .options(selectinload(Campaign.phases), selectinload(Campaign.unit))
        ):
            found[campaign.unit_id] = campaign
    return {
        uid: next((found[a] for a in chain if a in found), None) for uid, chain in chains.items()
    }


def campaign_for(session: Session, unit: Unit) -> Campaign | None:
    """The campaign a unit follows (None: no unit on its way up has one)."""
    return campaigns_for(session, [unit])[unit.id]


def own_campaign(session: Session, unit: Unit) -> Campaign | None:
    return session.scalar(select(Campaign).where(Campaign.unit_id == unit.id))


def campaigns_below(session: Session, unit: Unit) -> list[Campaign]:
    """The campaigns set for the unit and the units below it, in tree order."""
    return session.scalars(
        select(Campaign)
        .join(Unit, Unit.id == Campaign.unit_id)
        .where(Campaign.unit_id.in_(subtree_ids(unit)))
        .options(selectinload(Campaign.phases), selectinload(Campaign.unit))
        .order_by(Unit.path)
    ).all()


def may_set(user: User | None, unit: Unit) -> bool:
    """Whether the user may set or remove `unit`'s own campaign: an administrator or reporter
    for their unit and below, an officer for their own commune only."""
    if user is None:
        return True
    if not can(user.role, "manage_campaign") or not may_change(user, unit):
        return False
    return user.role != "officer" or unit.id == user.unit_id


def default_schedule(session: Session, unit: Unit) -> dom.Schedule:
    """A new campaign's deadlines: the province's handover cadence and weekly cut-off (set on
    the "Lịch bàn giao" page), and the plan's monthly day."""
    cadence = cadence_for(session, unit)
    weekday, hour = cutoff_settings(session, unit)
    return dom.Schedule(cadence.handover_weekday, cadence.return_weekday, weekday, hour)


def save_campaign(
    session: Session,
    user: User | None,
    unit: Unit,
    form: dict,
    phase_rows: list[dict],
    *,
    today: date | None = None,
) -> Campaign:
    """Create or replace `unit`'s own campaign from a form: `form` holds "name" and the
    schedule's fields (``domain.campaigns.read_schedule``), `phase_rows` the phases' rows
    ({"kind", "start", "end"} as typed). Raises CampaignError with the errors by field name
    (nothing written) for a user who may not, a blank or long name, or a bad field."""
    if not may_set(user, unit):
        raise CampaignError({"unit": "Bạn không được đặt kế hoạch cho đơn vị này."})
    errors: dict[str, str] = {}
    name = " ".join((form.get("name") or "").split())
    if not name:
        errors["name"] = "Hãy nhập tên chiến dịch."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Tên chiến dịch dài tối đa {NAME_MAX} ký tự."
    schedule, schedule_errors = dom.read_schedule(form)
    phases, phase_errors = dom.read_phases(phase_rows, today=today)
    errors.update(schedule_errors)
    errors.update(phase_errors)
    if errors:
        raise CampaignError(errors)
    campaign = own_campaign(session, unit)
    if campaign is None:
        campaign = Campaign(unit_id=unit.id, created_by_id=user.id if user else None)
        session.add(campaign)
    campaign.name = name
    campaign.handover_weekday = schedule.handover_weekday
    campaign.return_weekday = schedule.return_weekday
    campaign.report_weekday = schedule.report_weekday
    campaign.report_hour = schedule.report_hour
    campaign.monthly_day = schedule.monthly_day
    campaign.updated_by_id = user.id if user else None
    campaign.phases = [
        CampaignPhase(kind=p.kind, starts_on=p.starts_on, ends_on=p.ends_on) for p in phases
    ]
    session.flush()
    return campaign


def remove_campaign(session: Session, user: User | None, unit: Unit) -> bool:
    """Remove `unit`'s own campaign (it follows the one above again); False when it had none.
    Raises CampaignError for a user who may not."""
    if not may_set(user, unit):
        raise CampaignError({"unit": "Bạn không được đặt kế hoạch cho đơn vị này."})
    campaign = own_campaign(session, unit)
    if campaign is None:
        return False
    session.delete(campaign)
    session.flush()
    return True
