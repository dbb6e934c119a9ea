"""Campaigns (issue 17): a unit's plan in phases with its deadlines. A commune without a plan
of its own follows the nearest one above it (its district's, then its province's)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain import campaigns as dom
from ..extensions import db
from ._common import utcnow
from .unit import Unit
from .user import User


class Campaign(db.Model):
    """A unit's campaign: its name, the weekly handover and return days, the report cut-offs
    (weekly weekday and hour, the monthly day) and its phases. At most one per unit."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    handover_weekday: Mapped[int] = mapped_column(default=dom.DEFAULT_HANDOVER_WEEKDAY)
    return_weekday: Mapped[int] = mapped_column(default=dom.DEFAULT_RETURN_WEEKDAY)
    report_weekday: Mapped[int] = mapped_column(default=dom.DEFAULT_REPORT_WEEKDAY)
    report_hour: Mapped[int] = mapped_column(default=dom.DEFAULT_REPORT_HOUR)
    monthly_day: Mapped[int] = mapped_column(default=dom.DEFAULT_MONTHLY_DAY)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    phases: Mapped[list[CampaignPhase]] = relationship(
        back_populates="campaign",
        order_by="CampaignPhase.starts_on, CampaignPhase.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def schedule(self) -> dom.Schedule:
        return dom.Schedule(
            self.handover_weekday,
            self.return_weekday,
            self.report_weekday,
            self.report_hour,
            self.monthly_day,
        )

    @property
    def plan(self) -> list[dom.Phase]:
        return [dom.Phase(p.kind, p.starts_on, p.ends_on) for p in self.phases]


class CampaignPhase(db.Model):
    """One phase of a campaign: the records of one kind (PERSON_KINDS) clean by `ends_on`."""

    __tablename__ = "campaign_phases"
    __table_args__ = (Index("ix_campaign_phases_campaign", "campaign_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    campaign: Mapped[Campaign] = relationship(back_populates="phases")
