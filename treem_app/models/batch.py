from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ._common import utcnow
from .unit import Unit
from .user import User

BATCH_STATES = {
    "draft": "Đang soạn",
    "issued": "Đã chuyển công an",
    "returned": "Công an đã trả",
    "closed": "Đã hoàn tất",
    "cancelled": "Đã hủy",
}


class Batch(db.Model):
    """A weekly handover list for the commune police (filled in by the handover step)."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def state_label(self) -> str:
        return BATCH_STATES.get(self.state, self.state)
