"""The work queue's filter, rows and page (services.work_queue builds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from ..domain.vocabulary import PERSON_KINDS, PERSON_STATUSES
from ..domain.vocabulary import SEVERITY_LABELS as ALL_SEVERITIES
from ..models import ImportRun

STATUS_FILTERS = {
    "open": "Còn lỗi hoặc cảnh báo",
    "errors": "Còn lỗi",
    "ready": "Sẵn sàng chuyển công an",
    "clean": "Đã làm sạch",
    "all": "Tất cả hồ sơ đang quản lý",
    "marked": "Đã đánh dấu (chuyển đi, đã mất, trùng, ngoài độ tuổi)",
}
# The severities a queue filters on (info findings are history, never open work).
SEVERITY_LABELS = {k: ALL_SEVERITIES[k] for k in ("error", "warning")}


@dataclass
class QueueFilter:
    q: str = ""
    hamlet: str = ""
    rule: str = ""
    severity: str = ""
    status: str = "open"
    page: int = 1
    # An applied import (?import=N): only the persons its rows became; with a rule, those its
    # rows raised that rule on (what the import's summary counted), open or since resolved.
    imp: int = 0
    kind: str = ""  # children or beneficiaries (domain.vocabulary.PERSON_KINDS); "": both
    unit: str = ""  # the code of a unit below the user's (a commune of a province): its persons

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        status = args.get("status", "open")
        severity = args.get("severity", "")
        return cls(
            q=args.get("q", "").strip()[:100],
            hamlet=args.get("hamlet", "").strip(),
            rule=args.get("rule", "").strip().upper(),
            severity=severity if severity in SEVERITY_LABELS else "",
            status=status if status in STATUS_FILTERS else "open",
            page=max(1, args.get("page", 1, type=int) or 1),
            imp=max(0, args.get("import", 0, type=int) or 0),
            kind=kind if (kind := args.get("kind", "")) in PERSON_KINDS else "",
            unit=args.get("unit", "").strip()[:20],
        )

    def args(self, **changes) -> dict:
        """Query-string arguments for a link, without the defaults (bookmarkable URLs)."""
        values = {
            "q": self.q,
            "hamlet": self.hamlet,
            "rule": self.rule,
            "severity": self.severity,
            "status": self.status,
            "page": self.page,
            "import": self.imp,
            "kind": self.kind,
            "unit": self.unit,
        }
        values.update(changes)
        defaults = {"status": "open", "page": 1}
        return {k: v for k, v in values.items() if v and defaults.get(k) != v}


@dataclass(slots=True)
class QueueRow:
    """One line of the work queue: the facts it shows and the person's open errors and warnings
    (QueueFinding, oldest first). Plain rows, not Person entities: the page only reads them."""

    id: int
    full_name: str | None
    name_key: str | None
    dob: date | None
    dob_precision: str | None
    sex: str | None
    id_number: str | None
    hamlet: str | None
    status: str
    kind: str = "child"
    unit_id: int = 0
    findings: list[QueueFinding] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return PERSON_STATUSES.get(self.status, self.status)


class QueueFinding(NamedTuple):
    rule: str
    severity: str
    message: str


@dataclass
class QueuePage:
    items: list[QueueRow]
    total: int
    page: int
    pages: int
    hamlets: list[tuple[str, int]]
    rules: list[tuple[str, int]]
    severities: dict[str, int]
    imported: ImportRun | None = None  # the import filtered on, when the user may see it
    # A search that matched more persons than SEARCH_BY_ID_MAX: the page and its numbers are
    # those of the first SEARCH_BY_ID_MAX matches found (the page says so); 0 otherwise.
    capped: int = 0
    # The units below the user's, for the unit filter (code, name, depth below the user's
    # unit), and the names of the units the page lists when it lists several (the unit column);
    # empty for a user of one unit.
    units: list[tuple[str, str, int]] = field(default_factory=list)
    unit_names: dict[int, str] = field(default_factory=dict)

    @property
    def one_unit(self) -> bool:
        """Whether the page lists one unit's persons (a commune: its hamlets are filters)."""
        return not self.unit_names
