"""Step 1, upload: check and keep an uploaded export, propose and confirm its column mapping.

The file is kept under ``TREEM_FILES_DIR/imports/UNIT/`` with its SHA-256 before anything is
read, so an import can be re-run or audited.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.formatting import vn_number
from ..domain.vocabulary import PERSON_KINDS
from ..files.headers import FIELD_LABELS as COLUMN_LABELS
from ..files.headers import REQUIRED, fields_for, fold
from ..files.stored import StorageFull, write_whole
from ..files.upload_checks import UploadError, check_upload, shown_name
from ..files.xls_formulas import xls_sheet_has_formulas
from ..files.xlsx_read import choose_sheet, data_rows, sheet_has_formulas
from ..models import ColumnMapping, ImportRun, Unit, User
from ..models._common import utcnow
from .access import may_change
from .audit import log_upload

log = logging.getLogger(__name__)


class ImportError_(UploadError):
    """An import that cannot go ahead; the message is Vietnamese, for the user."""


def store_upload(
    session: Session,
    unit: Unit,
    user: User | None,
    filename: str,
    data: bytes,
    *,
    files_dir: str | Path,
    max_bytes: int,
    max_rows: int,
    person_kind: str = "child",
) -> ImportRun:
    """Check an uploaded file, keep it under ``files_dir`` and propose a column mapping.

    ``person_kind`` says whom the file lists (children, or social-protection beneficiaries
    exported from the social-assistance software): the fields offered, the mapping remembered
    and the persons it becomes follow it. Raises UploadError (Vietnamese message) and keeps
    nothing when the file is refused, or when the unit is outside the user's own subtree.
    """
    if not may_change(user, unit):
        raise UploadError("Bạn không được nhập dữ liệu vào đơn vị này.")
    if person_kind not in PERSON_KINDS:
        raise UploadError("Hãy chọn loại danh sách: trẻ em hoặc đối tượng bảo trợ xã hội.")
    checked = check_upload(data, filename, max_bytes=max_bytes)
    digest = hashlib.sha256(checked.data).hexdigest()
    folder = Path(files_dir) / "imports" / unit.code
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{digest[:16]}.{checked.kind}"
    try:
        write_whole(path, checked.data)
    except StorageFull as exc:
        raise UploadError(str(exc)) from exc
    try:
        choice = choose_sheet(path, checked.kind)
        formulas = choice.has_formulas
        if formulas is None and checked.kind == "xlsx":
            formulas = sheet_has_formulas(path, choice.sheet)
        elif checked.kind == "xls":
            formulas = xls_sheet_has_formulas(path, choice.sheet)
        if formulas:
            raise UploadError(
                "Trang tính có ô chứa công thức thay vì giá trị. Hãy chép toàn bộ và dán lại "
                "dạng giá trị (Dán đặc biệt → Giá trị) rồi tải lên lại."
            )
        # The row count from the sheet's used range (blank rows included): the sheet is read
        # whole only by the import itself, which checks again.
        rows = max(0, choice.height - choice.header.data_start)
        if choice.height <= len(choice.preview):  # a short sheet: count its non-blank rows
            rows = len(data_rows(choice.preview, choice.header))
        if not rows:
            raise UploadError("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")
        if rows > max_rows:
            raise UploadError(
                f"Tệp có {vn_number(rows)} dòng, vượt giới hạn {vn_number(max_rows)} dòng "
                "cho một lần nhập."
            )
    except UploadError:
        path.unlink(missing_ok=True)
        raise
    except Exception as exc:  # a reader's surprise on a hostile file: refused, never a 500
        path.unlink(missing_ok=True)
        log.warning("upload refused: %s while reading", type(exc).__name__)
        raise UploadError("Tệp Excel bị hỏng hoặc không đọc được.") from exc
    headers = choice.header.headers
    remembered = remembered_mapping(session, unit.id, person_kind)
    allowed = fields_for(person_kind)
    detected = {i: f for i, f in choice.header.mapping.items() if f in allowed}
    mapping = propose_mapping(detected, headers, remembered)
    run = ImportRun(
        unit=unit,
        original_name=shown_name(filename)[:255],
        stored_path=str(path),
        kind=checked.kind,
        person_kind=person_kind,
        sha256=digest,
        size=len(checked.data),
        macros_removed=checked.macros_removed,
        uploaded_by=user,
        sheet=choice.sheet,
        header_row=choice.header.header_row,
        data_start=choice.header.data_start,
        headers_json=json.dumps(headers, ensure_ascii=False),
        mapping_json=json.dumps({str(k): v for k, v in mapping.items()}),
        status="uploaded",
        summary_json=json.dumps({"rows": rows, "skipped_sheets": choice.skipped}),
    )
    session.add(run)
    session.flush()
    log_upload(user, unit, f"import {run.id}")
    return run


def remembered_mapping(
    session: Session, unit_id: int, person_kind: str = "child"
) -> ColumnMapping | None:
    """The mapping an officer last confirmed for the unit's exports of that kind, if any."""
    return session.scalar(
        select(ColumnMapping).where(
            ColumnMapping.unit_id == unit_id, ColumnMapping.person_kind == person_kind
        )
    )


def propose_mapping(
    detected: dict[int, str], headers: list[str], remembered: ColumnMapping | None
) -> dict[int, str]:
    """The detected mapping, overridden by what the officer confirmed for the same header text."""
    if remembered is None:
        return dict(detected)
    by_text = {fold(h): remembered.mapping.get(i) for i, h in enumerate(remembered.headers)}
    out: dict[int, str] = {}
    for i, h in enumerate(headers):
        key = fold(h)
        if key in by_text:
            if by_text[key]:
                out[i] = by_text[key]
        elif i in detected:
            out[i] = detected[i]
    # A field taken twice (a renamed column now detected as well) keeps its first column.
    seen: set[str] = set()
    for i in sorted(out):
        if out[i] in seen:
            del out[i]
        else:
            seen.add(out[i])
    return out


def validate_mapping(mapping: dict[int, str], person_kind: str = "child") -> list[str]:
    """Problems with a mapping of an export of ``person_kind``, in Vietnamese (empty when it
    can be used)."""
    problems = []
    fields = list(mapping.values())
    for f in REQUIRED:
        if f not in fields:
            problems.append(f"Chưa chọn cột cho «{COLUMN_LABELS[f]}».")
    for f in sorted(set(fields)):
        if fields.count(f) > 1:
            problems.append(f"«{COLUMN_LABELS.get(f, f)}» được chọn cho nhiều cột.")
    allowed = fields_for(person_kind)
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        problems.append("Có cột được gán cho trường không tồn tại.")
    return problems


def confirm_mapping(
    session: Session, run: ImportRun, mapping: dict[int, str], user: User | None
) -> None:
    """Save the officer's mapping on the import and remember it for the unit's next export."""
    problems = validate_mapping(mapping, run.person_kind)
    if problems:
        raise ImportError_(" ".join(problems))
    as_json = json.dumps({str(k): v for k, v in sorted(mapping.items())})
    run.mapping_json = as_json
    remembered = remembered_mapping(session, run.unit_id, run.person_kind)
    if remembered is None:
        remembered = ColumnMapping(unit_id=run.unit_id, person_kind=run.person_kind)
        session.add(remembered)
    remembered.headers_json = run.headers_json or "[]"
    remembered.mapping_json = as_json
    remembered.updated_by_id = user.id if user else None
    session.flush()


def earlier_upload(session: Session, run: ImportRun) -> ImportRun | None:
    """The unit's latest earlier upload of the very same file (same SHA-256), if any."""
    return session.scalar(
        select(ImportRun)
        .where(
            ImportRun.unit_id == run.unit_id,
            ImportRun.sha256 == run.sha256,
            ImportRun.id < run.id,
        )
        .order_by(ImportRun.id.desc())
        .limit(1)
    )


# An upload may be set aside while nothing of it reached the records: waiting at the mapping, or
# after a dry run or a failure. The stored file and the run stay (audit); only its state changes.
DISCARDABLE = ("uploaded", "dry_run", "failed")


def discard_upload(session: Session, run: ImportRun, user: User) -> None:
    """Set an upload aside ("Đã hủy bỏ"): it leaves the waiting work and cannot be started.

    Raises ImportError_ when records were imported from it or it is running.
    """
    if run.status not in DISCARDABLE:
        raise ImportError_(
            f"Không thể hủy bỏ lần nhập ở trạng thái “{run.status_label}”: "
            "chỉ hủy được khi dữ liệu chưa được nhập vào hồ sơ."
        )
    run.status = "discarded"
    session.flush()
    log.info("import %s discarded by user %s", run.id, user.id)
