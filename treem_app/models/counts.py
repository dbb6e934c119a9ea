"""The work queue's counts per unit, kept in step by database triggers (migrations 0026, 0028)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, SmallInteger, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# What a row counts (QueueCount.kind).
HAMLET, RULE, SEVERITY = 0, 1, 2
# Added to a kind: the roll-up rows of a unit, every unit below it added up, without the
# hamlet (migration 0030; services.queue_counts).
ROLLUP = 10


class QueueCount(db.Model):
    """Persons of one unit and hamlet (``hamlet``, '' for none) with one status and open rank:
    all of them (kind 0, ``name`` the hamlet too), those with an open finding of a rule and
    severity (kind 1, ``name`` the rule), or with an open finding of a severity (kind 2,
    ``name`` ''). Split by hamlet (migration 0028) so that a province's hamlet counts under a
    rule or a severity filter, and its rule counts under a hamlet filter, are kept rows too.

    The triggers of migrations 0026 and 0028 append every change (an insert, a delete or a relevant
    change of a person or a finding, whatever wrote it) to ``queue_count_changes``; the counts
    are these rows plus those changes (services.queue_counts, which folds the changes in and
    rebuilds both from the records); read by the work queue for several units."""

    __tablename__ = "queue_counts"
    __table_args__ = (
        # The queue's counts read one kind's rows (a rule's, under a rule filter) from the
        # index alone, not the whole table four times (PostgreSQL, migration 0028).
        Index(
            "ix_queue_counts_kind",
            "kind",
            "name",
            "severity",
            "hamlet",
            "status",
            "open_rank",
            "unit_id",
            postgresql_include=["persons"],
        ).ddl_if(dialect="postgresql"),
    )

    unit_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    severity: Mapped[str] = mapped_column(String(8), primary_key=True)
    hamlet: Mapped[str] = mapped_column(String(120), primary_key=True, server_default="")
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    open_rank: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    persons: Mapped[int]


# The changes to QueueCount the triggers appended since the last fold (+1/-1 per row; only
# appended, so that a large import never updates one row thousands of times).
queue_count_changes = Table(
    "queue_count_changes",
    db.metadata,
    Column("unit_id", Integer, nullable=False),
    Column("kind", SmallInteger, nullable=False),
    Column("name", String(200), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("hamlet", String(120), nullable=False, server_default=""),
    Column("status", String(16), nullable=False),
    Column("open_rank", SmallInteger, nullable=False),
    Column("persons", Integer, nullable=False),
)
