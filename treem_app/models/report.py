"""Reports (issue 14): locally reported totals (with history), frozen weekly figures, and the
report files built from them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._common import utcnow
from .job import JobRun
from .unit import Unit
from .user import User


class ReportedTotal(db.Model):
    """A commune's own count of its children (column (3)) for a period: a month "2026-12" or a
    week "2026-W49". Never updated in place: each entry is a new row, and the entry in force at
    a time is the latest entered by then for the latest period starting on or before the day
    asked about. The rows are the history."""

    __tablename__ = "reported_totals"
    __table_args__ = (
        Index("ix_reported_totals_unit", "unit_id", "person_kind", "period_start", "entered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date]
    total: Mapped[int]
    # The kind of persons counted (``vocabulary.PERSON_KINDS``): children unless said.
    person_kind: Mapped[str] = mapped_column(String(16), default="child", server_default="child")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()
    entered_by: Mapped[User | None] = relationship()


class WeekSnapshot(db.Model):
    """A commune's figures of one kind of person for a reporting week, stored when the week was
    frozen (at or after its cut-off) and never changed or recomputed afterwards."""

    __tablename__ = "week_snapshots"
    __table_args__ = (
        UniqueConstraint("unit_id", "week", "person_kind", name="uq_week_snapshots_unit_week_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    week: Mapped[str] = mapped_column(String(8), index=True)
    # The kind of persons counted (``vocabulary.PERSON_KINDS``): children unless said.
    person_kind: Mapped[str] = mapped_column(String(16), default="child", server_default="child")
    reported: Mapped[int | None]
    # The reported_totals row (3) was read from (None: the commune had entered none).
    reported_total_id: Mapped[int | None] = mapped_column(ForeignKey("reported_totals.id"))
    in_software: Mapped[int]
    cleaned: Mapped[int]
    frozen_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()


class ReportFile(db.Model):
    """A built report (.xlsx or PDF) kept for download: who or which job built it, when, as of
    when, and its SHA-256."""

    __tablename__ = "report_files"
    __table_args__ = (Index("ix_report_files_unit", "unit_id", "kind", "period", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(8))  # weekly | monthly
    period: Mapped[str] = mapped_column(String(8))  # "2026-W49" | "2026-12"
    # The kind of persons counted (``vocabulary.PERSON_KINDS``): children unless said.
    person_kind: Mapped[str] = mapped_column(String(16), default="child", server_default="child")
    format: Mapped[str] = mapped_column(String(8))  # xlsx | pdf
    stored_path: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(default=0)
    as_of: Mapped[datetime | None]
    frozen: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User | None] = relationship()
    job_run: Mapped[JobRun | None] = relationship()
