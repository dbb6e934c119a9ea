"""Imports of the national export (step 1): the uploaded file, its mapping, its outcome."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._common import utcnow
from .job import JobRun
from .person import Person
from .unit import Unit
from .user import User

IMPORT_STATUSES = {
    "uploaded": "Chờ xác nhận cột",
    "queued": "Đang chờ chạy",
    "running": "Đang chạy",
    "dry_run": "Đã chạy thử",
    "applied": "Đã nhập",
    "failed": "Lỗi",
    "discarded": "Đã hủy bỏ",
}

CONFLICT_KINDS = {
    "value": "Tệp xuất khác giá trị đã sửa",
    "absent": "Không còn trong tệp xuất",
}


class ImportRun(db.Model):
    """One uploaded export: the stored file, who sent it, the confirmed mapping, the outcome.

    The file itself lives under TREEM_FILES_DIR (never in the database), so an import can be
    re-run or audited; ``summary_json`` holds the last run's summary (dry run or applied).
    """

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_path: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))  # the file's type: xlsx, xls or csv
    # The persons the file holds (domain.vocabulary.PERSON_KINDS): children or beneficiaries.
    person_kind: Mapped[str] = mapped_column(String(16), default="child", server_default="child")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    macros_removed: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    sheet: Mapped[str | None] = mapped_column(String(120))
    header_row: Mapped[int | None]
    data_start: Mapped[int | None]
    headers_json: Mapped[str | None] = mapped_column(Text)
    mapping_json: Mapped[str | None] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(16), default="uploaded")
    summary_json: Mapped[str | None] = mapped_column(Text)
    # Applied imports: {rule: [ids of the persons whose rows raised it]}, for the summary's links.
    affected_json: Mapped[str | None] = mapped_column(Text)
    annotated_path: Mapped[str | None] = mapped_column(String(255))
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))
    applied_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
    job_run: Mapped[JobRun | None] = relationship()

    @property
    def headers(self) -> list[str]:
        return json.loads(self.headers_json) if self.headers_json else []

    @property
    def mapping(self) -> dict[int, str]:
        raw = json.loads(self.mapping_json) if self.mapping_json else {}
        return {int(k): v for k, v in raw.items()}

    @property
    def summary(self) -> dict:
        return json.loads(self.summary_json) if self.summary_json else {}

    def affected(self, rule: str = "") -> list[int]:
        """Ids of the persons this applied import found with ``rule`` (with any rule if empty)."""
        by_rule = json.loads(self.affected_json) if self.affected_json else {}
        if rule:
            return by_rule.get(rule, [])
        return sorted({pid for ids in by_rule.values() for pid in ids})

    @property
    def status_label(self) -> str:
        return IMPORT_STATUSES.get(self.status, self.status)

    @property
    def is_dry_run(self) -> bool:
        """The last run asked of this upload only screens (a dry run), queued, done or failed."""
        return self.dry_run and self.status != "uploaded"


class ColumnMapping(db.Model):
    """The column mapping an officer last confirmed for a unit and kind of persons, reused for
    its next export of that kind."""

    __tablename__ = "column_mappings"
    __table_args__ = (
        UniqueConstraint("unit_id", "person_kind", name="uq_column_mappings_unit_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # One mapping per unit and kind: the children's export and the beneficiaries' differ.
    person_kind: Mapped[str] = mapped_column(String(16), default="child", server_default="child")
    headers_json: Mapped[str] = mapped_column(Text)
    mapping_json: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def headers(self) -> list[str]:
        return json.loads(self.headers_json)

    @property
    def mapping(self) -> dict[int, str]:
        return {int(k): v for k, v in json.loads(self.mapping_json).items()}


class Conflict(db.Model):
    """Something an export says that treem did not apply, waiting for an officer's decision.

    ``kind`` "value": the export disagrees with a fact corrected in treem (the correction is
    kept). ``kind`` "absent": a person who came with an earlier export is not in this one (the
    person is flagged, never deleted).
    """

    __tablename__ = "import_conflicts"
    __table_args__ = (Index("ix_import_conflicts_person_status", "person_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8), default="value")
    field: Mapped[str] = mapped_column(String(32))
    export_value: Mapped[str | None] = mapped_column(Text)
    current_value: Mapped[str | None] = mapped_column(Text)
    row: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(8), default="open")
    decision: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person: Mapped[Person] = relationship()
    import_run: Mapped[ImportRun] = relationship()

    @property
    def kind_label(self) -> str:
        return CONFLICT_KINDS.get(self.kind, self.kind)
