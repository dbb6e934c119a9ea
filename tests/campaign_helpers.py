"""Campaign tests (issue 17): a fixed moment for the app's clock, the Cao Đức plan's children
phase, and frozen weekly counts of column (6)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from treem_app.extensions import db
from treem_app.models import Campaign, CampaignPhase, WeekSnapshot

# Thursday 11/06/2026, 10:00 in Vietnam: the second week of the children's phase (04/06 to
# 18/06); the open reporting week is 2026-W24 (cut-off Friday 12/06 10:00), the four before it
# were frozen on 15/05, 22/05, 29/05 and 05/06.
THURSDAY_10 = datetime(2026, 6, 11, 3, 0)
THURSDAY = date(2026, 6, 11)
PAST_WEEKS = ("2026-W20", "2026-W21", "2026-W22", "2026-W23")


@pytest.fixture
def fixed_now(app, web_app):
    """fixed_now(moment) sets the clock of both apps (data and web) to a naive UTC moment."""

    def set_now(moment: datetime) -> None:
        app.config["TREEM_FIXED_NOW"] = moment
        web_app.config["TREEM_FIXED_NOW"] = moment

    yield set_now
    app.config.pop("TREEM_FIXED_NOW", None)
    web_app.config.pop("TREEM_FIXED_NOW", None)


def add_campaign(unit, *phases: tuple[str, date, date], name: str = "Kế hoạch thử") -> Campaign:
    campaign = Campaign(unit_id=unit.id, name=name)
    campaign.phases = [CampaignPhase(kind=k, starts_on=s, ends_on=e) for k, s, e in phases]
    db.session.add(campaign)
    db.session.commit()
    return campaign


def freeze_cleaned(unit, *counts: int, weeks=PAST_WEEKS, kind: str = "child") -> None:
    """Column (6) of one kind as frozen at the cut-offs of `weeks` (the other columns are not
    read)."""
    for week, n in zip(weeks, counts, strict=True):
        db.session.add(
            WeekSnapshot(
                unit_id=unit.id,
                week=week,
                person_kind=kind,
                reported=None,
                in_software=n,
                cleaned=n,
            )  # fmt: skip
        )
    db.session.commit()


CHILDREN = ("child", date(2026, 6, 4), date(2026, 6, 18))
BENEFICIARIES = ("beneficiary", date(2026, 6, 19), date(2026, 7, 31))
