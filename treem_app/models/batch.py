from __future__ import annotations

import json
import secrets
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.batch_states import STATE_LABELS
from ..extensions import db
from ._common import utcnow
from .job import JobRun
from .person import Person
from .unit import Unit
from .user import User

BATCH_STATES = {str(k): v for k, v in STATE_LABELS.items()}

# Results the police write on the return sheet (SPEC section 5, "Return").
POLICE_RESULTS = ("Đã xác thực", "Không khớp thông tin", "Không tìm thấy")


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class Batch(db.Model):
    """A weekly handover list of a commune's ready records for the commune police.

    Issuing locks it: `content_hash` covers every row's person id, version and shown facts; the
    PDF list and the return sheet are rendered by a job and their paths kept here.
    """

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("unit_id", "year", "seq", name="uq_batches_unit_year_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(default=0)
    seq: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    # One kind of person per batch (children or beneficiaries): its own title and columns.
    person_kind: Mapped[str] = mapped_column(String(16), default="child", server_default="child")
    # Unguessable: the public verification page is /v/<token>.
    token: Mapped[str] = mapped_column(String(48), unique=True, default=_new_token)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime | None]
    issued_on: Mapped[date | None]
    handover_on: Mapped[date | None]
    due_on: Mapped[date | None]
    content_hash: Mapped[str | None] = mapped_column(String(64))
    row_count: Mapped[int] = mapped_column(default=0)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))
    pdf_path: Mapped[str | None] = mapped_column(String(255))
    xlsx_path: Mapped[str | None] = mapped_column(String(255))
    returned_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    job_run: Mapped[JobRun | None] = relationship()
    rows: Mapped[list[BatchRow]] = relationship(
        back_populates="batch", order_by="BatchRow.position, BatchRow.id", passive_deletes=True
    )

    @property
    def state_label(self) -> str:
        return BATCH_STATES.get(self.state, self.state)


class BatchRow(db.Model):
    """One record in a batch; at issue it keeps the record's version and the facts shown."""

    __tablename__ = "batch_rows"
    __table_args__ = (
        UniqueConstraint("batch_id", "person_id", name="uq_batch_rows_batch_person"),
        UniqueConstraint("batch_id", "row_key", name="uq_batch_rows_batch_row_key"),
        Index("ix_batch_rows_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    # Set while the batch is open, NULL once it is closed or cancelled: the unique constraint
    # makes "a record is in at most one open batch" hold in the database itself.
    open_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    row_key: Mapped[str | None] = mapped_column(String(12))
    person_version: Mapped[int | None]
    snapshot_json: Mapped[str | None] = mapped_column(Text)
    # The police's answer (step 3): verified / rejected / conflict, None while none came back.
    outcome: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    police_id: Mapped[str | None] = mapped_column(String(32))
    police_result: Mapped[str | None] = mapped_column(String(64))
    police_note: Mapped[str | None] = mapped_column(Text)
    outcome_message: Mapped[str | None] = mapped_column(Text)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("batch_returns.id"))
    outcome_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship(back_populates="rows")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])

    @property
    def snapshot(self) -> dict:
        return json.loads(self.snapshot_json) if self.snapshot_json else {}


class BatchReturn(db.Model):
    """One returned sheet (or keyed entry) for a batch: the stored file, who sent it, when, and
    what ingesting it did (``summary_json``: counts and every row's outcome)."""

    __tablename__ = "batch_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="sheet")
    original_name: Mapped[str | None] = mapped_column(String(255))
    stored_path: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # queued -> applied | unchanged | refused | failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    message: Mapped[str | None] = mapped_column(Text)
    summary_json: Mapped[str | None] = mapped_column(Text)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))

    batch: Mapped[Batch] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    job_run: Mapped[JobRun | None] = relationship()

    @property
    def summary(self) -> dict:
        return json.loads(self.summary_json) if self.summary_json else {}


class HandoverSettings(db.Model):
    """The weekly cadence of a province (its root unit): hand over on one weekday, the return
    expected on another (Monday = 0). Defaults: Thursday and the following Wednesday. Also the
    weekly report's cut-off (default Friday 10:00 local time)."""

    __tablename__ = "handover_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    handover_weekday: Mapped[int] = mapped_column(default=3)
    return_weekday: Mapped[int] = mapped_column(default=2)
    # The weekly report's cut-off (issue 14): weekday and local hour, default Friday 10:00.
    report_weekday: Mapped[int] = mapped_column(default=4, server_default="4")
    report_hour: Mapped[int] = mapped_column(default=10, server_default="10")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()


class SignedCopy(db.Model):
    """The scan or photo of the list as the police signed and stamped it: kept like every upload
    (stored file, SHA-256, who, when), never replaced; a batch may have several (one per page)."""

    __tablename__ = "signed_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # pdf, jpeg, png
    original_name: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(default=0)
    pages: Mapped[int] = mapped_column(default=1)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    batch: Mapped[Batch] = relationship()
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])


class ReturnKeying(db.Model):
    """The police's answers keyed from the signed paper list of a batch: started once, as single
    or double entry (keyed twice, only the rows both passes agree on are applied)."""

    __tablename__ = "return_keyings"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), unique=True)
    double: Mapped[bool] = mapped_column(default=False)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)

    started_by: Mapped[User | None] = relationship()


class ReturnEntry(db.Model):
    """One row of a batch as keyed in one pass (1, or 2 with double entry): a draft kept on the
    server until it is applied, so the keying survives a reload."""

    __tablename__ = "return_entries"
    __table_args__ = (
        UniqueConstraint("row_id", "pass_no", name="uq_return_entries_row_pass"),
        Index("ix_return_entries_batch_pass", "batch_id", "pass_no"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    pass_no: Mapped[int] = mapped_column(default=1)
    row_id: Mapped[int] = mapped_column(ForeignKey("batch_rows.id"))
    number: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()
