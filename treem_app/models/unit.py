from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

# Known level codes get a Vietnamese label; levels are data, so any other code is shown as is.
LEVEL_LABELS = {
    "province": "Tỉnh/Thành phố",
    "district": "Huyện/Quận",
    "commune": "Xã/Phường",
}


def path_ids(path: str | None) -> list[int]:
    """The unit ids on a materialised path, the top first ("/1/7/42/": 1, 7, 42)."""
    return [int(part) for part in (path or "").strip("/").split("/") if part]


def in_tree_order(units: list) -> list:
    """Units (anything with ``id``, ``name`` and ``path``) each after its parent, the units of
    one parent by name, accents folded (a picker's order: indent each by its depth)."""
    from ..domain.names import name_key

    named = {u.id: name_key(u.name) for u in units}
    return sorted(units, key=lambda u: [named.get(i, "") for i in path_ids(u.path)])


class Unit(db.Model):
    """An administrative unit in a tree whose levels are data (province → district → commune...).

    `path` is a materialised path of ids ("/1/7/42/") so that "this unit and everything below it"
    is one indexed prefix comparison on every database.
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1 if self.path else 0

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"
