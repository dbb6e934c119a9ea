from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ._common import utcnow


class FormSubmission(db.Model):
    """A form that creates something, as sent once: the one-time key its page put in a hidden
    field, recorded in the same transaction as what the form created. The same form sent again
    (a double click, a resend after a slow answer) finds its key and leads to the first answer
    instead of creating a second batch, import or proposal (web/once.py)."""

    __tablename__ = "form_submissions"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_form_submissions_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(64))
    endpoint: Mapped[str] = mapped_column(String(64))
    # Where the first answer led (a redirect), once it is known.
    result_url: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
