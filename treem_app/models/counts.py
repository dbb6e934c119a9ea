"""The work queue's counts per unit, kept in step by database triggers (migration 0024)."""

from __future__ import annotations

from sqlalchemy import SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# What a row counts (QueueCount.kind).
HAMLET, RULE, SEVERITY = 0, 1, 2


class QueueCount(db.Model):
    """Persons of one unit with one status and open rank: per hamlet (kind 0, ``name`` the
    hamlet or ''), with an open finding of a rule and severity (kind 1, ``name`` the rule), or
    with an open finding of a severity (kind 2, ``name`` '').

    Written only by the triggers of migration 0024 (every insert, delete or relevant change of
    a person or a finding, whatever wrote it) and by ``services.queue_counts.rebuild``; read by
    the work queue for several units (services/work_queue.py)."""

    __tablename__ = "queue_counts"

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    severity: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    open_rank: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    persons: Mapped[int]
