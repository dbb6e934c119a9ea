"""Household-visit sheets: per hamlet, the children with open findings and what to verify."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from ..domain.dates import format_date
from ..domain.findings import RULE_LABELS
from ..files.stored import write_whole
from ..models import Finding, Person, Unit
from .access import subtree_ids
from .persons import guardians_text
from .review import MARKS

Progress = Callable[[int, int, str], None]


@dataclass
class SheetRow:
    person: Person
    dob: str
    parents: str
    to_check: list[str]


@dataclass
class HamletSheet:
    hamlet: str
    rows: list[SheetRow]


def sheets_for(session: Session, unit: Unit, hamlet: str | None = None) -> list[HamletSheet]:
    """The children of `unit` with open errors or warnings, grouped by hamlet."""
    has_open = exists().where(
        Finding.person_id == Person.id, Finding.status == "open", Finding.severity != "info"
    )
    stmt = (
        select(Person)
        .where(Person.unit_id.in_(subtree_ids(unit)), Person.status.not_in(tuple(MARKS)), has_open)
        .options(selectinload(Person.findings))
        .order_by(Person.hamlet, Person.name_key, Person.id)
    )
    if hamlet:
        stmt = stmt.where(Person.hamlet == hamlet)
    sheets: dict[str, HamletSheet] = {}
    for p in session.scalars(stmt):
        key = p.hamlet or "(Chưa rõ thôn)"
        checks = sorted(
            {
                RULE_LABELS.get(f.rule, f.rule)
                for f in p.findings
                if f.status == "open" and f.severity != "info"
            }
        )
        sheets.setdefault(key, HamletSheet(key, [])).rows.append(
            SheetRow(p, format_date(p.dob, p.dob_precision or "day"), guardians_text(p), checks)
        )
    return list(sheets.values())


def render_visit_sheets(
    session: Session,
    unit: Unit,
    hamlet: str | None,
    target: Path,
    *,
    today: date,
    progress: Progress | None = None,
) -> dict:
    """Write the PDF of the visit sheets to `target`; returns a summary."""
    from ..files.pdf import render_document

    sheets = sheets_for(session, unit, hamlet)
    total = sum(len(s.rows) for s in sheets)
    if progress:
        progress(0, total, "Đang dựng phiếu")
    if progress:
        progress(total // 2, total, "Đang tạo tệp PDF")
    pdf = render_document("documents/visit_sheet.html", unit=unit, sheets=sheets, today=today)
    write_whole(target, pdf)
    return {"hamlets": len(sheets), "children": total, "bytes": len(pdf)}
