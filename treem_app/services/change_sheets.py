"""The printed work sheet of step 4 ("Phiếu cập nhật lên phần mềm"): the change list of a
commune, grouped by hamlet, with a box per record to tick by hand once it is typed in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from ..files.stored import write_whole
from ..models import Unit, User
from . import software_sync as sync
from .batches import agency_names, place_date_line, place_name

Progress = Callable[[int, int, str], None]

CHUNK = 500  # records read (and their sources looked up) at a time
UNKNOWN_HAMLET = "(Chưa rõ thôn)"


@dataclass
class SheetHamlet:
    hamlet: str
    items: list[sync.ChangeItem] = field(default_factory=list)


def change_items_in_order(
    session: Session, unit: Unit, only: str, chunk: int = CHUNK, kind: str | None = None
) -> Iterator[sync.ChangeItem]:
    """Every record of the change list (filter `only`, one kind of person when given) in the
    list's order, a chunk at a time."""
    query = sync.change_query(unit, only, kind)
    offset = 0
    while True:
        persons = list(session.scalars(query.offset(offset).limit(chunk)))
        if not persons:
            return
        yield from sync.change_items(session, persons)
        offset += len(persons)


def sheet_hamlets(
    session: Session, unit: Unit, only: str, kind: str | None = None
) -> list[SheetHamlet]:
    hamlets: list[SheetHamlet] = []
    for item in change_items_in_order(session, unit, only, kind=kind):
        name = item.person.hamlet or UNKNOWN_HAMLET
        if not hamlets or hamlets[-1].hamlet != name:
            hamlets.append(SheetHamlet(name))
        hamlets[-1].items.append(item)
    return hamlets


def render_change_sheet(
    session: Session,
    unit: Unit,
    only: str,
    target: Path,
    *,
    today: date,
    preparer: User | None = None,
    progress: Progress | None = None,
    kind: str | None = None,
) -> dict:
    """Write the PDF work sheet to `target`; returns a summary."""
    from ..files.pdf import render_document

    if only not in sync.FILTERS:
        only = "all"
    if progress:
        progress(0, 0, "Đang đọc danh sách hồ sơ")
    hamlets = sheet_hamlets(session, unit, only, kind)
    total = sum(len(h.items) for h in hamlets)
    if progress:
        progress(total // 2, total, "Đang tạo tệp PDF")
    agency, governing = agency_names(unit)
    pdf = render_document(
        "documents/change_sheet.html",
        unit=unit,
        hamlets=hamlets,
        total=total,
        filter_label=sync.FILTERS[only],
        only=only,
        agency=agency,
        governing_agency=governing,
        place_date=place_date_line(place_name(unit.name), today),
        preparer=preparer.full_name if preparer else "",
        today=today,
    )
    write_whole(target, pdf)
    return {"hamlets": len(hamlets), "children": total, "only": only, "bytes": len(pdf)}
