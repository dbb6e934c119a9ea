"""The signed copy of a handover list: the scan or photo of the paper the police signed and
stamped, kept on the batch like every upload (stored file, SHA-256, uploader, time)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.batch_states import BatchState
from ..files.signed_copy import SignedCopyError, check_signed_copy
from ..files.stored import StorageFull, write_whole
from ..files.upload_checks import shown_name
from ..models import Batch, SignedCopy, User
from .audit import log_upload

# A signed copy exists once the list was handed over; a draft was never signed, a cancelled list
# no longer counts.
ATTACHABLE = frozenset(
    {BatchState.ISSUED, BatchState.PARTLY_RETURNED, BatchState.RETURNED, BatchState.CLOSED}
)
KIND_LABELS = {"pdf": "Bản quét PDF", "jpeg": "Ảnh chụp (JPEG)", "png": "Ảnh chụp (PNG)"}


def can_attach(batch: Batch) -> bool:
    return batch.state in ATTACHABLE


def copies_of(session: Session, batch: Batch) -> list[SignedCopy]:
    return list(
        session.scalars(
            select(SignedCopy).where(SignedCopy.batch_id == batch.id).order_by(SignedCopy.id)
        )
    )


def store_signed_copy(
    session: Session,
    batch: Batch,
    data: bytes,
    filename: str,
    *,
    user: User | None,
    files_dir: Path,
    max_bytes: int,
) -> tuple[SignedCopy, bool]:
    """Check and keep one file; (copy, True) when it is new, (the earlier copy, False) when the
    very same file is already on the batch. SignedCopyError when it cannot be kept."""
    if not can_attach(batch):
        if batch.state == BatchState.CANCELLED:
            raise SignedCopyError("Danh sách đã hủy: không đính kèm bản đã ký.")
        raise SignedCopyError(
            "Danh sách chưa chuyển công an: chỉ đính kèm bản đã ký sau khi phát hành."
        )
    checked = check_signed_copy(data, filename, max_bytes=max_bytes)
    digest = hashlib.sha256(checked.data).hexdigest()
    earlier = session.scalar(
        select(SignedCopy).where(SignedCopy.batch_id == batch.id, SignedCopy.sha256 == digest)
    )
    if earlier is not None:
        return earlier, False
    folder = Path(files_dir) / "signed" / str(batch.id)
    path = folder / f"{digest}.{checked.extension}"
    if not path.exists():
        try:
            write_whole(path, checked.data)
        except StorageFull as exc:
            raise SignedCopyError(str(exc)) from exc
    copy = SignedCopy(
        batch_id=batch.id,
        kind=checked.kind,
        original_name=shown_name(filename or f"ban-ky.{checked.extension}")[-255:],
        stored_path=str(path),
        sha256=digest,
        size=len(checked.data),
        pages=checked.pages,
        uploaded_by_id=user.id if user else None,
    )
    session.add(copy)
    session.flush()
    log_upload(user, batch.unit, f"batch {batch.id} signed copy {copy.id}")
    return copy, True


def download_name(batch: Batch, copy: SignedCopy, index: int) -> str:
    ext = "pdf" if copy.kind == "pdf" else ("jpg" if copy.kind == "jpeg" else "png")
    number = batch.number.replace("/", "-")
    return f"ban-da-ky-{number}-{index}.{ext}"


MIMETYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
