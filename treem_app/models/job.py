from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._common import utcnow
from .unit import Unit
from .user import User

JOB_STATUSES = {
    "queued": "Đang chờ",
    "running": "Đang chạy",
    "finished": "Hoàn thành",
    "failed": "Lỗi",
}
JOB_KINDS = {
    "batch_documents": "Danh sách chuyển công an (PDF, tệp trả kết quả)",
    "batch_ingest": "Nhận kết quả xác thực của công an",
    "change_sheet": "Phiếu cập nhật lên phần mềm",
    "rebuild_findings": "Rà soát lại hồ sơ",
    "report_file": "Lập báo cáo tiến độ",
    "roster_import": "Nhập dữ liệu từ phần mềm",
    "scheduled_reports": "Lập báo cáo tiến độ theo lịch",
    "visit_sheets": "Phiếu xác minh tại hộ gia đình",
}


class JobRun(db.Model):
    """The database's record of a background job, so a job stays visible when Redis forgets it."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    result_file: Mapped[str | None] = mapped_column(String(255))
    result_json: Mapped[str | None] = mapped_column(Text)
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    # The job's arguments after the run id (JSON list), so a run recorded while Redis was down
    # can be enqueued again later exactly as it was asked for.
    params: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def result(self) -> dict:
        return json.loads(self.result_json) if self.result_json else {}

    @property
    def kind_label(self) -> str:
        return JOB_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return JOB_STATUSES.get(self.status, self.status)

    @property
    def is_dry_run(self) -> bool:
        """A roster import that only screens: its recorded `apply` argument is false."""
        if self.kind != "roster_import" or not self.params:
            return False
        args = json.loads(self.params)  # [import id, screening date, apply]
        return len(args) >= 3 and not args[2]

    @property
    def import_run_id(self) -> int | None:
        """The import a roster_import run works on (its first recorded argument)."""
        if self.kind != "roster_import" or not self.params:
            return None
        args = json.loads(self.params)
        return int(args[0]) if args else None

    @property
    def done(self) -> bool:
        return self.status in ("finished", "failed")
