"""Rendering an issued list's documents again (issue 19): when the documents job failed or its
worker died, the list stays issued (its content is locked and numbered) and shows "documents
missing" with one action that records a new documents run. Issuing and rendering stay one
recoverable step: nothing about the list's content changes, only its files are made again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from ..domain.batch_states import BatchState
from ..models import Batch, JobRun, User
from . import job_runs
from .batches import BatchError

# States in which a list has (or must have) its PDF and return sheet.
WITH_DOCUMENTS = (BatchState.ISSUED, BatchState.PARTLY_RETURNED, BatchState.RETURNED)


def documents_missing(batch: Batch) -> bool:
    """Issued, its documents run over (failed, interrupted, or gone) and no file on disk."""
    if batch.state not in WITH_DOCUMENTS:
        return False
    run = batch.job_run
    if run is not None and run.status in ("queued", "running"):
        return False
    pdf = Path(batch.pdf_path) if batch.pdf_path else None
    sheet = Path(batch.xlsx_path) if batch.xlsx_path else None
    return not (pdf and pdf.exists() and sheet and sheet.exists())


def render_again(session: Session, batch: Batch, *, user: User | None) -> JobRun:
    """A new documents run for a list whose documents are missing (the caller commits, then
    enqueues it). Raises BatchError in Vietnamese otherwise."""
    if batch.state not in WITH_DOCUMENTS:
        raise BatchError("Chỉ tạo lại tệp cho danh sách đã chuyển công an.")
    run = batch.job_run
    if run is not None and run.status in ("queued", "running"):
        raise BatchError("Tệp của danh sách đang được tạo; vui lòng chờ.")
    if not documents_missing(batch):
        raise BatchError("Danh sách đã có đủ tệp PDF và tệp trả kết quả.")
    again = job_runs.record(session, "batch_documents", batch.unit, user, [batch.id])
    batch.job_run = again
    session.flush()
    return again
