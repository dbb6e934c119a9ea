"""Step 4, the export: the commune's change list as an .xlsx laid out like its last import.

Shared by ``treem export cleaned`` and the officer's download. The records are those of the
change list (:func:`treem_app.services.software_sync.change_query`), in its order; the layout
(the rows above the data, the columns and what each holds) is the one of the file the commune
last imported for real, read again from where the upload kept it. Every export is logged.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from ..domain.formatting import DEFAULT_ZONE, zone
from ..domain.software_sync import SYNC_FIELDS
from ..domain.vocabulary import EXPORT_SOURCES
from ..files.cleaned_export import read_layout, write_cleaned
from ..files.upload_checks import UploadError
from ..models import ImportRun, Person, PersonEvent, Unit, User
from .audit import log_access, unit_label
from .persons import sync_texts
from .software_sync import change_query


class ExportRefused(ValueError):
    """An export that cannot be made; the message is Vietnamese, for the user."""


def last_applied_import(session: Session, unit: Unit, kind: str = "child") -> ImportRun | None:
    """The commune's latest import of this kind of person (children, or beneficiaries: the
    social-assistance software's export) applied for real (not a dry run)."""
    return session.scalar(
        select(ImportRun)
        .where(
            ImportRun.unit_id == unit.id,
            ImportRun.status == "applied",
            ImportRun.person_kind == kind,
        )
        .order_by(ImportRun.applied_at.desc().nulls_last(), ImportRun.id.desc())
        .limit(1)
    )


def start_of_local_day(day: date, zone_name: str = DEFAULT_ZONE) -> datetime:
    """The first instant of a local day, as a stored (naive UTC) time."""
    start = datetime.combine(day, datetime.min.time(), zone(zone_name))
    return start.astimezone(UTC).replace(tzinfo=None)


def changed_since(start: datetime):
    """Persons one of whose facts was changed in treem (not by an export) from ``start`` on,
    and children added in treem from then on."""
    changed = exists().where(
        PersonEvent.person_id == Person.id,
        PersonEvent.at >= start,
        PersonEvent.field.in_(SYNC_FIELDS),
        PersonEvent.source.not_in(EXPORT_SOURCES),
    )
    added = and_(Person.software_facts.is_(None), Person.created_at >= start)
    return or_(changed, added)


def export_records(
    session: Session,
    unit: Unit,
    *,
    since: date | None = None,
    zone_name: str = DEFAULT_ZONE,
    kind: str = "child",
) -> list[Person]:
    """The persons of one kind of the commune's change list (changed since the local day
    ``since``)."""
    query = change_query(unit, "all", kind)
    if since is not None:
        query = query.where(changed_since(start_of_local_day(since, zone_name)))
    return list(session.scalars(query))


def export_cleaned(
    session: Session,
    unit: Unit,
    out: Path | BinaryIO,
    *,
    since: date | None = None,
    user: User | None = None,
    zone_name: str = DEFAULT_ZONE,
    kind: str = "child",
) -> dict:
    """Write the commune's change list of one kind of person (children unless asked) as an
    .xlsx in the layout of its last applied import of that kind.

    ``out`` is a path (written whole or not at all) or a binary stream. Raises ExportRefused
    (Vietnamese message) and writes nothing when the commune has no import to copy the layout
    from, or its file cannot be read. Logs the export; flushes, never commits.
    """
    imp = last_applied_import(session, unit, kind)
    if imp is None and kind == "beneficiary":
        raise ExportRefused(
            f"{unit.name} chưa nhập tệp xuất danh sách đối tượng bảo trợ xã hội nào, nên chưa "
            "có mẫu cột để xuất theo. Hãy nhập tệp xuất đối tượng bảo trợ xã hội của xã trước."
        )
    if imp is None:
        raise ExportRefused(
            f"{unit.name} chưa nhập tệp xuất nào từ phần mềm quốc gia, nên chưa có mẫu cột để "
            "xuất theo. Hãy nhập tệp xuất của xã trước."
        )
    source = Path(imp.stored_path)
    if not source.exists():
        raise ExportRefused(
            "Không còn tệp của lần nhập gần nhất trên máy chủ, nên không lấy được mẫu cột. "
            "Hãy nhập lại tệp xuất mới nhất của xã."
        )
    try:
        layout = read_layout(
            source,
            imp.kind,
            imp.sheet or "",
            header_row=imp.header_row or 0,
            data_start=imp.data_start or 1,
            mapping=imp.mapping,
        )
    except UploadError as exc:
        raise ExportRefused(f"Không đọc được tệp của lần nhập gần nhất: {exc}") from exc
    persons = export_records(session, unit, since=since, zone_name=zone_name, kind=kind)
    # The facts the software holds, and its own key for the record.
    records = [sync_texts(p) | {"national_key": p.national_key} for p in persons]
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(f".{out.name}.part")
        try:
            write_cleaned(partial, layout, records)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    else:
        write_cleaned(out, layout, records)
    detail = f"xuất dữ liệu đã làm sạch: {len(records)} hồ sơ, mẫu lần nhập {imp.id}"
    if kind != "child":
        detail += f", {kind}"
    if since is not None:
        detail += f", thay đổi từ {since:%d/%m/%Y}"
    detail += f"; {unit_label(unit)}"
    log_access(session, user, None, "export", detail)
    session.flush()
    return {
        "rows": len(records),
        "import_id": imp.id,
        "layout_file": imp.original_name,
        "since": since.isoformat() if since else None,
    }
