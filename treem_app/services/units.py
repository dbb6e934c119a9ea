"""Administrative units: importing the tree from CSV and keeping materialised paths."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Unit, User
from .access import may_change
from .queue_counts import rebuild_rollups

REQUIRED_COLUMNS = ("code", "name", "level", "parent")


class UnitImportError(ValueError):
    """A units CSV that cannot be loaded, or a unit the admin page cannot add; the message is
    shown to the user as is (next to the form's field `field_name` when it is about one)."""

    field_name: str | None = None

    def __init__(self, *args, field_name: str | None = None):
        super().__init__(*args)
        if field_name:
            self.field_name = field_name


@dataclass
class UnitRow:
    code: str
    name: str
    level: str
    parent: str | None


def parse_units_csv(text: str) -> list[UnitRow]:
    """Parse a units CSV with columns code,name,level,parent (parent code; empty for a root)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [
        c
        for c in REQUIRED_COLUMNS
        if c not in header and not (c == "parent" and "parent_code" in header)
    ]
    if missing:
        raise UnitImportError(
            "Tệp CSV thiếu cột: " + ", ".join(missing) + " (cần: code,name,level,parent)."
        )
    rows = []
    for lineno, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        code = row.get("code", "")
        name = row.get("name", "")
        level = row.get("level", "")
        parent = row.get("parent", row.get("parent_code", "")) or None
        if not code or not name or not level:
            raise UnitImportError(f"Dòng {lineno}: thiếu mã, tên hoặc cấp đơn vị.")
        rows.append(UnitRow(code, name, level, parent))
    return rows


def import_units(session: Session, rows: Iterable[UnitRow]) -> tuple[int, int]:
    """Create or update units; parents may appear in the file or already exist.

    Returns (created, updated). Raises UnitImportError (nothing flushed) on unknown parents
    or cycles.
    """
    rows = list(rows)
    by_code = {u.code: u for u in session.scalars(select(Unit))}
    in_file = {r.code: r for r in rows}
    for r in rows:
        if r.parent and r.parent not in in_file and r.parent not in by_code:
            raise UnitImportError(f"Đơn vị {r.code}: không tìm thấy đơn vị cấp trên {r.parent}.")
        if r.parent == r.code:
            raise UnitImportError(f"Đơn vị {r.code} không thể là cấp trên của chính nó.")
    created = updated = 0
    for r in rows:
        unit = by_code.get(r.code)
        if unit is None:
            unit = Unit(code=r.code, name=r.name, level=r.level, path="")
            session.add(unit)
            by_code[r.code] = unit
            created += 1
        elif (unit.name, unit.level) != (r.name, r.level) or (
            (unit.parent.code if unit.parent else None) != r.parent
        ):
            unit.name, unit.level = r.name, r.level
            updated += 1
    for r in rows:
        by_code[r.code].parent = by_code[r.parent] if r.parent else None
    session.flush()
    rebuild_paths(session)
    return created, updated


def rebuild_paths(session: Session) -> None:
    """Recompute every unit's materialised path; raises UnitImportError on a cycle."""
    units = list(session.scalars(select(Unit)))
    by_id = {u.id: u for u in units}
    moved = False
    for unit in units:
        chain, seen, node = [], set(), unit
        while node is not None:
            if node.id in seen:
                raise UnitImportError(f"Cây đơn vị có vòng lặp tại {node.code}.")
            seen.add(node.id)
            chain.append(node.id)
            node = by_id.get(node.parent_id) if node.parent_id else None
        path = "/" + "/".join(str(i) for i in reversed(chain)) + "/"
        if unit.path != path:
            moved = moved or bool(unit.path)  # a new unit ("") holds no one yet
            unit.path = path
    session.flush()
    if moved:  # the kept counts of the units above a moved unit are added up again
        rebuild_rollups(session)


def add_unit(
    session: Session,
    code: str,
    name: str,
    level: str,
    parent: Unit | None,
    *,
    actor: User | None = None,
) -> Unit:
    """Create one unit under `parent` (admin page). With an `actor` (None: the console), the
    parent must be in the actor's own subtree, and only an administrator of a root unit adds a
    root unit."""
    if actor is not None:
        if parent is None and actor.unit.parent_id is not None:
            raise UnitImportError(
                "Đơn vị mới phải thuộc một đơn vị trong phạm vi quản lý của bạn.",
                field_name="parent",
            )
        if parent is not None and not may_change(actor, parent):
            raise UnitImportError(
                "Đơn vị cấp trên nằm ngoài phạm vi quản lý của bạn.", field_name="parent"
            )
    if session.scalar(select(Unit).where(Unit.code == code)) is not None:
        raise UnitImportError(f"Mã đơn vị {code} đã tồn tại.", field_name="code")
    unit = Unit(code=code, name=name, level=level, parent=parent, path="")
    session.add(unit)
    session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    session.flush()
    return unit


def units_as_json(session: Session) -> list[dict]:
    """The units as SPEC section 6 lists them: code, name, level, parent code."""
    units = session.scalars(select(Unit).order_by(Unit.path))
    return [
        {
            "code": u.code,
            "name": u.name,
            "level": u.level,
            "parent": u.parent.code if u.parent else None,
        }
        for u in units
    ]
