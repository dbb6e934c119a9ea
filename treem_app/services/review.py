"""Step 2, review: the work queue, corrections with sources, new children, record status,
duplicates and volunteers' proposals.

Every function takes a Session and flushes; the request (or job) commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from ..domain.matching import find_duplicate_persons
from ..domain.names import name_key
from ..domain.screening import screen_one, screen_rows
from ..models import (
    AccessLog,
    Finding,
    ImportRun,
    NotDuplicate,
    Person,
    PersonEvent,
    Proposal,
    Unit,
    User,
    VolunteerHamlet,
)
from ..models._common import utcnow
from ..models.person import FACT_FIELDS, FIELD_LABELS, INACTIVE_STATUSES, PERSON_STATUSES
from .access import scoped, subtree_ids
from .findings import person_as_row, sync_findings
from .persons import create_screened_person, fact_text, facts_of, open_rank_of, workflow_status

# Every fact but the key of the record in the national software, which only the export sets.
EDITABLE_FIELDS = tuple(f for f in FACT_FIELDS if f != "national_key")
# Where a correction comes from (SPEC section 3); police verification arrives with step 3.
EDIT_SOURCES = {
    "household_visit": "Xác minh tại hộ gia đình",
    "civil_registry": "Sổ hộ tịch",
    "birth_certificate": "Giấy khai sinh",
    "parent_statement": "Cha mẹ cung cấp",
    "officer": "Cán bộ cập nhật",
}
# A typed value that screening cannot read is refused, so no garbage is stored; a value that
# reads fine but contradicts another fact (ID_SEX_MISMATCH...) is saved and flagged.
REFUSED_ON_EDIT = {
    "NAME_MISSING",
    "NAME_INVALID",
    "DOB_INVALID",
    "DOB_FUTURE",
    "SEX_INVALID",
    "ETHNICITY_UNKNOWN",
    "ID_FORMAT",
    "ID_PROVINCE",
}
MARKS = {
    "moved": "Đã chuyển đi",
    "deceased": "Đã mất",
    "out_of_scope": "Ngoài độ tuổi (16 tuổi trở lên)",
    "duplicate": "Trùng với hồ sơ khác",
}


class ReviewError(ValueError):
    """A refused review action; the message is Vietnamese and shown to the user."""


class StaleRecord(ReviewError):
    """The record changed since the form was opened: nothing was saved."""

    def __init__(self, person: Person, field_name: str):
        current = fact_text(person, field_name) or "(trống)"
        super().__init__(
            "Hồ sơ vừa được người khác cập nhật nên thay đổi của bạn chưa được lưu. "
            f"{FIELD_LABELS.get(field_name, field_name)} hiện là: {current}. "
            "Vui lòng xem lại rồi lưu lại nếu vẫn cần sửa."
        )
        self.person = person


@dataclass
class DuplicateWarning(ReviewError):
    """A new child looks like children already on record; the officer must confirm."""

    candidates: list[Person] = field(default_factory=list)

    def __str__(self) -> str:
        return "Có thể trùng với trẻ đã có trong danh sách. Kiểm tra trước khi thêm."


# --------------------------------------------------------------------------- the work queue

STATUS_FILTERS = {
    "open": "Còn lỗi hoặc cảnh báo",
    "errors": "Còn lỗi",
    "ready": "Sẵn sàng chuyển công an",
    "clean": "Đã làm sạch",
    "all": "Tất cả hồ sơ đang quản lý",
    "marked": "Đã đánh dấu (chuyển đi, đã mất, trùng, ngoài độ tuổi)",
}
SEVERITY_LABELS = {"error": "Lỗi", "warning": "Cảnh báo"}
PAGE_SIZE = 50


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


# persons.open_rank (kept in step with the findings by every write, see
# services.persons.open_rank_of): 0 an open error, 1 open warnings only, 2 neither.
RANK_ERROR, RANK_NONE = 0, 2
# A search matching at most this many persons is run once; the queries of the page then read
# those persons by id instead of searching the whole unit again each.
SEARCH_BY_ID_MAX = 1000

# The queue reads the tables with Core: rows, not entities.
P = Person.__table__.c
F = Finding.__table__.c


@dataclass(frozen=True)
class _Shape:
    """What the queue's SQL depends on besides the values, which are bound parameters: its
    statements are built once per shape (see _statements) instead of once per request, which
    cost about as much Python as running them."""

    dialect: str
    units: str  # "one" (a commune) or "many" (a district or a province)
    volunteer: bool
    search: str  # "", "name" or "number" (the search condition), "ids" (the persons it found)
    status: str
    hamlet: bool
    rule: bool
    severity: str
    imported: bool  # the persons of one import (their ids bound as "import_ids")

    @classmethod
    def of(cls, dialect: str, user: User, units: list[int], filt: QueueFilter) -> _Shape:
        search = ""
        if filt.q:
            search = "number" if filt.q.replace(" ", "").isdigit() else "name"
        return cls(dialect, "one" if len(units) == 1 else "many", user.role == "volunteer",
                   search, filt.status, bool(filt.hamlet), bool(filt.rule),
                   filt.severity, bool(filt.imp))  # fmt: skip


def _id_list(column, name: str, dialect: str, *, unbounded: bool = False):
    """`column` in a list of ids bound as one parameter: an array on PostgreSQL (one statement
    text, and so one prepared statement, whatever the length), an expanding IN on SQLite, or,
    for a list that may pass SQLite's parameter limit (an import's persons: tens of thousands),
    a JSON array read with json_each (bind the list through :func:`_unbounded_ids`)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    if unbounded:
        each = func.json_each(bindparam(name)).table_valued("value")
        return column.in_(select(each.c.value))
    return column.in_(bindparam(name, expanding=True))


def _unbounded_ids(ids: list[int], dialect: str) -> object:
    """The value to bind for an ``unbounded`` :func:`_id_list`."""
    return ids if dialect == "postgresql" else json.dumps(ids)


def _open_finding(*conditions):
    return select(literal(1)).where(F.person_id == P.id, F.status == "open", *conditions).exists()


def _scope(shape: _Shape) -> list:
    """The user's persons as plain conditions: the unit ids are read first (one small query)
    so the database sees `unit_id = ?` for a commune and walks the queue's index in order,
    instead of a subquery it cannot see through; a search found few persons: their ids."""
    if shape.search == "ids":
        return [_id_list(P.id, "ids", shape.dialect)]
    if shape.units == "one":
        conditions = [P.unit_id == bindparam("unit_id")]
    else:
        conditions = [_id_list(P.unit_id, "unit_ids", shape.dialect)]
    if shape.volunteer:
        hamlets = select(VolunteerHamlet.hamlet).where(
            VolunteerHamlet.user_id == bindparam("user_id")
        )
        conditions.append(P.hamlet.in_(hamlets))
    if shape.imported:
        conditions.append(_id_list(P.id, "import_ids", shape.dialect, unbounded=True))
    if shape.search == "number":
        conditions.append(P.id_number.like(bindparam("search"), escape="/"))
    elif shape.search == "name":
        conditions.append(P.name_key.like(bindparam("search"), escape="/"))
    return conditions


def _filters(shape: _Shape, *, skip: str = "") -> list:
    """The queue's filters but the search as conditions on persons (`skip` "hamlet" or "rule"
    leaves that filter out, for the counts beside it)."""
    conditions = []
    if shape.status == "marked":
        conditions.append(P.status.in_(MARKS))
    else:
        conditions.append(P.status.not_in(MARKS))
        if shape.status == "open":
            conditions.append(P.open_rank < RANK_NONE)
        elif shape.status == "errors":
            conditions.append(P.open_rank == RANK_ERROR)
        elif shape.status in ("ready", "clean"):
            conditions.append(P.status == shape.status)
    if shape.hamlet and skip != "hamlet":
        conditions.append(P.hamlet == bindparam("hamlet"))
    if shape.rule and skip != "rule" and not shape.imported:  # an import's ids are the rule's
        conditions.append(_open_finding(F.rule == bindparam("rule")))
    if shape.severity and skip != "rule":
        if shape.severity == "error":
            conditions.append(P.open_rank == RANK_ERROR)
        else:  # an open warning: the rank says whether one can exist, the findings say which
            conditions.append(P.open_rank < RANK_NONE)
            conditions.append(_open_finding(F.severity == bindparam("severity")))
    return conditions


@dataclass(frozen=True)
class _Statements:
    search: Select | None
    counts: CompoundSelect
    page: Select


@cache
def _statements(shape: _Shape) -> _Statements:
    """The queue's statements for one shape (a few dozen shapes in all)."""
    scope = _scope(shape)
    search = None
    if shape.search in ("name", "number"):
        search = select(P.id).where(*scope).limit(SEARCH_BY_ID_MAX + 1)
    # The page (LIMIT/OFFSET in a subquery) with each person's open errors and warnings joined.
    rows = (
        select(
            P.id,
            P.full_name,
            P.name_key,
            P.dob,
            P.dob_precision,
            P.sex,
            P.id_number,
            P.hamlet,
            P.status,
            P.open_rank,
        )  # fmt: skip
        .where(*scope, *_filters(shape))
        .order_by(P.open_rank, P.name_key, P.id)
        .limit(PAGE_SIZE)
        .offset(bindparam("offset"))
        .subquery()
    )
    page = (
        select(rows, F.rule, F.severity, F.message)
        .outerjoin(
            Finding.__table__,
            and_(F.person_id == rows.c.id, F.status == "open", F.severity != "info"),
        )
        .order_by(rows.c.open_rank, rows.c.name_key, rows.c.id, F.id)
    )
    # The numbers beside the filters, in one statement: (0) persons per hamlet for the filters
    # but the hamlet one; among the persons that pass the filters but the rule and severity
    # ones, (1) persons per rule (and severity) of their open errors and warnings and (2)
    # persons per severity. One read of their open findings (only persons with rank below 2 can
    # have one) for both: the person-by-person probes are most of the cost.
    hamlets = (
        select(
            literal_column("0").label("kind"),
            P.hamlet.label("key"),
            null().label("severity"),
            func.count().label("persons"),
        )
        .where(*scope, *_filters(shape, skip="hamlet"))
        .group_by(P.hamlet)
    )
    found = (
        select(F.person_id, F.rule, F.severity)
        .select_from(Person.__table__.join(Finding.__table__, F.person_id == P.id))
        .where(
            *scope,
            *_filters(shape, skip="rule"),
            P.open_rank < RANK_NONE,
            F.status == "open",
            F.severity.in_(SEVERITY_LABELS),
        )
        .cte("open_findings")
    )
    persons = func.count(found.c.person_id.distinct())
    counts = union_all(
        hamlets,
        select(literal_column("1"), found.c.rule, found.c.severity, persons).group_by(
            found.c.rule, found.c.severity
        ),
        select(literal_column("2"), null(), found.c.severity, persons).group_by(found.c.severity),
    )
    counts = counts.order_by(*counts.selected_columns[:3])
    return _Statements(search, counts, page)


def _like_pattern(text: str, *, prefix: bool) -> str:
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return escaped + "%" if prefix else "%" + escaped + "%"


def queue_page(session: Session, user: User, filt: QueueFilter) -> QueuePage:
    """One page of the work queue (open errors first, then by name), with the counts beside
    each filter.

    All in SQL on the stored open rank: the hamlet counts (GROUP BY hamlet, the total is one of
    them or their sum), the page (ORDER BY open_rank, name_key, id with LIMIT/OFFSET, with the
    open findings of its persons) and the rule and severity counts (the open findings of the
    persons that pass the other filters). The search box takes an ID number prefix (digits) or
    a part of the name, with or without accents (name keys are folded). NULL names sort as the
    database sorts them (first on SQLite, last on PostgreSQL).
    """
    session.flush()
    conn = session.connection()
    dialect = conn.dialect.name
    units = conn.scalars(_UNIT_IDS, {"path": _like_pattern(user.unit.path, prefix=True)}).all()
    shape = _Shape.of(dialect, user, units, filt)
    params = {"unit_id": units[0], "unit_ids": units, "user_id": user.id, "hamlet": filt.hamlet,
              "rule": filt.rule, "severity": filt.severity}  # fmt: skip
    imported = None
    if filt.imp:
        imported = session.get(ImportRun, filt.imp)
        if imported is None or imported.unit_id not in units:  # not the user's: shows nothing
            imported = None
        ids = imported.affected(filt.rule) if imported is not None else []
        params["import_ids"] = _unbounded_ids(ids, dialect)
    if shape.search:
        if shape.search == "number":
            params["search"] = _like_pattern(filt.q.replace(" ", ""), prefix=True)
        else:
            params["search"] = _like_pattern(name_key(filt.q), prefix=False)
        found = conn.scalars(_statements(shape).search, params).all()
        if len(found) <= SEARCH_BY_ID_MAX:
            shape = replace(shape, search="ids")
            params["ids"] = found
    stmts = _statements(shape)
    counts: dict[str | None, int] = {}
    rules = []
    # A person has an open error exactly when their rank is 0 (the rank is kept in step).
    severities = dict.fromkeys(SEVERITY_LABELS, 0)
    for kind, key, severity, n in conn.execute(stmts.counts, params).all():
        if kind == 0:
            counts[key] = n
        elif kind == 1:
            rules.append((key, n))
        else:
            severities[severity] = n
    # The hamlet counts leave the hamlet filter out: the total is one of them, or their sum.
    total = counts.get(filt.hamlet, 0) if filt.hamlet else sum(counts.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filt.page, pages)
    params["offset"] = (page - 1) * PAGE_SIZE
    items: list[QueueRow] = []
    for *facts, _rank, rule, severity, message in conn.execute(stmts.page, params).all():
        if not items or items[-1].id != facts[0]:
            items.append(QueueRow(*facts))
        if rule is not None:
            items[-1].findings.append(QueueFinding(rule, severity, message))
    hamlets = [(h or "", n) for h, n in counts.items()]
    return QueuePage(items, total, page, pages, hamlets, rules, severities, imported)


# The ids of a unit and the units below it (services.access.subtree_ids with the path bound).
_UNIT_IDS = select(Unit.__table__.c.id).where(
    Unit.__table__.c.path.like(bindparam("path"), escape="/")
)


def unit_hamlets(session: Session, unit: Unit) -> list[str]:
    """The hamlets on record in a unit (and below), for pickers."""
    rows = session.scalars(
        select(Person.hamlet)
        .where(Person.unit_id.in_(subtree_ids(unit)), Person.hamlet.is_not(None))
        .distinct()
        .order_by(Person.hamlet)
    )
    return [h for h in rows if h]


# --------------------------------------------------------------------------- one record


def log_access(
    session: Session, user: User, person: Person | None, action: str, detail: str | None = None
) -> None:
    """Record that `user` opened a person's data or downloaded something."""
    session.add(
        AccessLog(
            user_id=user.id, person_id=person.id if person else None, action=action, detail=detail
        )
    )


def access_log(session: Session, person: Person, limit: int = 50) -> list[AccessLog]:
    return list(
        session.scalars(
            select(AccessLog)
            .where(AccessLog.person_id == person.id)
            .order_by(AccessLog.id.desc())
            .limit(limit)
        )
    )


def history(session: Session, person: Person) -> list[PersonEvent]:
    """Every event of the person and of the records merged into it, newest first."""
    merged = select(Person.id).where(Person.merged_into_id == person.id)
    return list(
        session.scalars(
            select(PersonEvent)
            .where(or_(PersonEvent.person_id == person.id, PersonEvent.person_id.in_(merged)))
            .order_by(PersonEvent.at.desc(), PersonEvent.id.desc())
        )
    )


def rescreen(session: Session, person: Person, today: date, *, _cascade: bool = True) -> None:
    """Screen one stored person again (with ID and duplicate checks against the registry),
    update their open findings and their workflow status."""
    if person.status in INACTIVE_STATUSES or person.status in MARKS:
        return
    candidates: list[Person] = []
    if person.dob is not None:
        candidates = list(
            session.scalars(
                select(Person).where(
                    Person.unit_id == person.unit_id,
                    Person.dob == person.dob,
                    Person.id != person.id,
                    Person.status.not_in(tuple(MARKS)),
                )
            )
        )
    registry: dict[str, object] = {}
    if person.id_number:
        other = session.scalar(
            select(Person.id)
            .where(
                Person.id_number == person.id_number,
                Person.id != person.id,
                Person.status.not_in(tuple(MARKS)),
            )
            .limit(1)
        )
        if other is not None:
            registry[person.id_number] = other
    rows = [person_as_row(person)] + [person_as_row(c) for c in candidates]
    record = screen_rows(rows, today, registry_ids=registry).records[0]
    dismissed = dismissed_pairs(session, [person.id])
    findings = [
        f
        for f in record.findings
        if not (
            str(f.rule) == "DUPLICATE_PERSON"
            and f.related is not None
            and f.related > 0
            and _pair(person.id, candidates[f.related - 1].id) in dismissed
        )
    ]
    sync_findings(session, person, findings, list(person.findings))
    session.flush()
    session.expire(person, ["findings"])
    person.status = workflow_status(person, person.findings)
    if _cascade:
        # The other side of a duplicate pair gains or loses its finding too.
        for other in candidates:
            rescreen(session, other, today, _cascade=False)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def dismissed_pairs(session: Session, person_ids: list[int] | None = None) -> set[tuple[int, int]]:
    stmt = select(NotDuplicate.person_a_id, NotDuplicate.person_b_id)
    if person_ids is not None:
        stmt = stmt.where(
            or_(NotDuplicate.person_a_id.in_(person_ids), NotDuplicate.person_b_id.in_(person_ids))
        )
    return {(a, b) for a, b in session.execute(stmt)}


def _normalise(person: Person, field_name: str, raw: str | None, today: date) -> dict:
    """The stored columns for a typed value, or ReviewError when it cannot be read."""
    if field_name not in EDITABLE_FIELDS:
        raise ReviewError("Thông tin này không sửa được.")
    row = person_as_row(person)
    row[field_name] = raw.strip() if isinstance(raw, str) and raw.strip() else None
    record = screen_one(row, today)
    for f in record.findings:
        if f.field == field_name and str(f.rule) in REFUSED_ON_EDIT:
            raise ReviewError(f.message)
    values = {field_name: record.facts.get(field_name)}
    if field_name == "full_name":
        values["name_key"] = record.facts.get("name_key")
    if field_name == "dob":
        values["dob_precision"] = record.facts.get("dob_precision")
    return values


def update_fact(
    session: Session,
    person: Person,
    field_name: str,
    raw: str | None,
    *,
    user: User,
    source: str,
    note: str | None,
    expected_version: int | None,
    today: date,
    approved_by: User | None = None,
) -> bool:
    """Correct one fact with its source; re-screen the record. Returns False if unchanged.

    Raises StaleRecord when the record changed since `expected_version`, ReviewError when the
    value cannot be read, the source is unknown or the record is marked (moved, deceased...).
    """
    if source not in EDIT_SOURCES:
        raise ReviewError("Vui lòng chọn nguồn thông tin.")
    if person.status in MARKS:
        raise ReviewError("Hồ sơ đã được đánh dấu; khôi phục hồ sơ trước khi sửa.")
    if expected_version is not None and person.version != expected_version:
        raise StaleRecord(person, field_name)
    values = _normalise(person, field_name, raw, today)
    old_text = fact_text(person, field_name)
    if all(getattr(person, k) == v for k, v in values.items()):
        return False
    for k, v in values.items():
        setattr(person, k, v)
    if field_name == "id_number":
        person.id_source = source if person.id_number else None
    session.add(
        PersonEvent(
            person=person,
            user_id=user.id,
            approved_by_id=approved_by.id if approved_by else None,
            field=field_name,
            old_value=old_text,
            new_value=fact_text(person, field_name),
            source=source,
            note=(note or "").strip() or None,
        )
    )
    session.flush()
    rescreen(session, person, today)
    return True


def set_mark(
    session: Session, person: Person, mark: str, reason: str, *, user: User, today: date
) -> None:
    """Mark a record moved away, deceased, out of scope or a duplicate (or restore it with
    mark="active"); always with a reason, never deleting anything."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("Vui lòng ghi rõ lý do.")
    if mark != "active" and mark not in MARKS:
        raise ReviewError("Trạng thái không hợp lệ.")
    if person.status == "in_batch":
        raise ReviewError(
            "Hồ sơ đang nằm trong danh sách chuyển công an; rút khỏi danh sách trước."
        )
    old = person.status
    if mark == "active":
        if old not in MARKS:
            raise ReviewError("Hồ sơ đang được quản lý bình thường.")
        person.status = "in_review"
        person.status_reason = None
    else:
        person.status = mark
        person.status_reason = reason
    session.add(
        PersonEvent(
            person=person,
            user_id=user.id,
            field="status",
            old_value=old,
            new_value=person.status,
            source="officer",
            note=reason,
        )
    )
    if mark != "active":
        _resolve_open_findings(person)
    session.flush()
    if mark == "active":
        rescreen(session, person, today)


# --------------------------------------------------------------------------- new children


def add_child(
    session: Session,
    unit: Unit,
    raw: dict,
    *,
    user: User,
    source: str,
    note: str | None,
    today: date,
    confirmed: bool = False,
) -> Person:
    """Add a child found during household visits, with the same checks as an import.

    Raises DuplicateWarning (nothing saved) when the child looks like one already on record
    and the officer has not confirmed; ReviewError for unreadable values.
    """
    if source not in EDIT_SOURCES:
        raise ReviewError("Vui lòng chọn nguồn thông tin.")
    row = {k: (v.strip() if isinstance(v, str) else v) or None for k, v in raw.items()}
    record = screen_one(row, today)
    refused = [f for f in record.findings if str(f.rule) in REFUSED_ON_EDIT]
    if refused:
        raise ReviewError(refused[0].message)
    facts = record.facts
    candidates = []
    if facts.get("dob") is not None:
        same_dob = list(
            session.scalars(
                select(Person).where(
                    Person.unit_id == unit.id,
                    Person.dob == facts["dob"],
                    Person.status.not_in(tuple(MARKS)),
                )
            )
        )
        rows = [facts] + [facts_of(p) for p in same_dob]
        candidates = [same_dob[j - 1] for i, j, _ in find_duplicate_persons(rows) if i == 0]
    if facts.get("id_number"):
        same_id = session.scalars(
            select(Person).where(
                Person.id_number == facts["id_number"], Person.unit_id.in_(subtree_ids(unit))
            )
        ).all()
        candidates += [p for p in same_id if p not in candidates]
    if candidates and not confirmed:
        raise DuplicateWarning(candidates)
    person = create_screened_person(session, unit, record, source=source, user=user, note=note)
    session.flush()
    rescreen(session, person, today)
    return person


# --------------------------------------------------------------------------- duplicates


@dataclass
class DuplicatePair:
    a: Person
    b: Person
    reason: str

    @property
    def differences(self) -> set[str]:
        return {
            f
            for f in EDITABLE_FIELDS + ("national_key",)
            if getattr(self.a, f) != getattr(self.b, f)
        }


DUPLICATE_REASONS = {
    "same_national_key": "Cùng mã trên phần mềm quốc gia",
    "same_name_dob_parent": "Cùng họ tên, ngày sinh và cha/mẹ",
    "similar_name_dob_parent": "Họ tên gần giống, cùng ngày sinh và cha/mẹ",
}


def duplicate_pairs(session: Session, user: User) -> list[DuplicatePair]:
    """Probable duplicate pairs among the active records in scope, minus dismissed pairs."""
    persons = list(
        session.scalars(
            scoped(user, Person).where(Person.status.not_in(tuple(MARKS))).order_by(Person.id)
        )
    )
    dismissed = dismissed_pairs(session)
    pairs = []
    for i, j, reason in find_duplicate_persons([facts_of(p) for p in persons]):
        a, b = persons[i], persons[j]
        if a.unit_id == b.unit_id and _pair(a.id, b.id) not in dismissed:
            pairs.append(DuplicatePair(a, b, reason))
    return pairs


def merge_persons(
    session: Session, keep: Person, other: Person, *, user: User, note: str | None, today: date
) -> None:
    """Merge `other` into `keep`: facts `keep` lacks are copied (each an event), `other` is
    marked a duplicate pointing at `keep`; every event of both stays in the history."""
    if keep.id == other.id or keep.unit_id != other.unit_id:
        raise ReviewError("Chỉ gộp được hai hồ sơ khác nhau của cùng một xã.")
    if keep.status in MARKS or other.status in MARKS:
        raise ReviewError("Một trong hai hồ sơ đã được đánh dấu; không gộp được.")
    if "in_batch" in (keep.status, other.status):
        raise ReviewError("Hồ sơ đang nằm trong danh sách chuyển công an; không gộp được.")
    text = f"Gộp từ hồ sơ #{other.id}" + (f": {note.strip()}" if note and note.strip() else "")
    for f in EDITABLE_FIELDS + ("national_key",):
        if getattr(keep, f) in (None, "") and getattr(other, f) not in (None, ""):
            old = fact_text(keep, f)
            setattr(keep, f, getattr(other, f))
            if f == "full_name":
                keep.name_key = other.name_key
            if f == "dob":
                keep.dob_precision = other.dob_precision
            if f == "id_number":
                keep.id_source = other.id_source
            session.add(
                PersonEvent(
                    person=keep,
                    user_id=user.id,
                    field=f,
                    old_value=old,
                    new_value=fact_text(keep, f),
                    source="officer",
                    note=text,
                )
            )
    old_status = other.status
    other.status = "duplicate"
    other.merged_into = keep
    other.status_reason = f"Trùng với hồ sơ #{keep.id}"
    session.add(
        PersonEvent(
            person=other,
            user_id=user.id,
            field="status",
            old_value=old_status,
            new_value="duplicate",
            source="officer",
            note=f"Gộp vào hồ sơ #{keep.id}" + (f": {note}" if note else ""),
        )
    )
    _resolve_open_findings(other)
    session.flush()
    rescreen(session, keep, today)


def _resolve_open_findings(person: Person) -> None:
    """A marked record leaves the queue's counts: its open findings are resolved."""
    now = utcnow()
    for f in person.findings:
        if f.status == "open":
            f.status, f.resolved_at = "resolved", now
    person.open_rank = open_rank_of(person.findings)


def dismiss_pair(session: Session, a: Person, b: Person, *, user: User, today: date) -> None:
    """Remember that two records are different children; the pair is not raised again."""
    low, high = _pair(a.id, b.id)
    if (
        session.scalar(
            select(NotDuplicate.id).where(
                and_(NotDuplicate.person_a_id == low, NotDuplicate.person_b_id == high)
            )
        )
        is None
    ):
        session.add(NotDuplicate(person_a_id=low, person_b_id=high, user_id=user.id))
        session.flush()
    rescreen(session, a, today)
    rescreen(session, b, today)


# --------------------------------------------------------------------------- volunteers


def set_volunteer_hamlets(session: Session, volunteer: User, hamlets: list[str]) -> None:
    """Replace the hamlets assigned to a volunteer."""
    if volunteer.role != "volunteer":
        raise ReviewError("Chỉ phân công thôn cho cộng tác viên.")
    wanted = {h.strip() for h in hamlets if h and h.strip()}
    current = {
        vh.hamlet: vh
        for vh in session.scalars(
            select(VolunteerHamlet).where(VolunteerHamlet.user_id == volunteer.id)
        )
    }
    for h, row in current.items():
        if h not in wanted:
            session.delete(row)
    for h in wanted - current.keys():
        session.add(VolunteerHamlet(user_id=volunteer.id, hamlet=h))
    session.flush()


def volunteer_hamlets(session: Session, volunteer: User) -> list[str]:
    return list(
        session.scalars(
            select(VolunteerHamlet.hamlet)
            .where(VolunteerHamlet.user_id == volunteer.id)
            .order_by(VolunteerHamlet.hamlet)
        )
    )


def propose(
    session: Session,
    person: Person,
    field_name: str,
    raw: str | None,
    *,
    user: User,
    source: str,
    note: str | None,
    today: date,
) -> Proposal:
    """A volunteer's correction, checked like an officer's, waiting for approval."""
    if source not in EDIT_SOURCES:
        raise ReviewError("Vui lòng chọn nguồn thông tin.")
    values = _normalise(person, field_name, raw, today)
    if all(getattr(person, k) == v for k, v in values.items()):
        raise ReviewError("Giá trị đề xuất giống giá trị hiện tại.")
    probe = Person(**{f: getattr(person, f) for f in ("dob", "dob_precision")})
    for k, v in values.items():
        setattr(probe, k, v)
    proposal = Proposal(
        person=person,
        user_id=user.id,
        field=field_name,
        old_value=fact_text(person, field_name),
        new_value=fact_text(probe, field_name),
        source=source,
        note=(note or "").strip() or None,
    )
    session.add(proposal)
    session.flush()
    return proposal


def decide_proposal(
    session: Session,
    proposal: Proposal,
    *,
    officer: User,
    approve: bool,
    reason: str | None,
    today: date,
) -> None:
    """Approve (apply, the volunteer named in the history) or reject (with a reason)."""
    if proposal.status != "pending":
        raise ReviewError("Đề xuất này đã được xử lý.")
    reason = (reason or "").strip()
    if approve:
        current = fact_text(proposal.person, proposal.field)
        if current != proposal.old_value:
            raise ReviewError(
                f"{FIELD_LABELS.get(proposal.field, proposal.field)} đã thay đổi kể từ khi đề "
                f"xuất (hiện là: {current or '(trống)'}). Hãy từ chối hoặc sửa trực tiếp."
            )
        update_fact(
            session,
            proposal.person,
            proposal.field,
            proposal.new_value,
            user=proposal.user,
            source=proposal.source,
            note=proposal.note,
            expected_version=None,
            today=today,
            approved_by=officer,
        )
    elif not reason:
        raise ReviewError("Vui lòng ghi lý do từ chối.")
    proposal.status = "approved" if approve else "rejected"
    proposal.decided_by_id = officer.id
    proposal.decided_at = utcnow()
    proposal.decision_reason = reason or None
    session.flush()


def pending_proposals(session: Session, officer: User) -> list[Proposal]:
    return list(
        session.scalars(
            select(Proposal)
            .where(
                Proposal.status == "pending",
                Proposal.person_id.in_(scoped(officer, Person).with_only_columns(Person.id)),
            )
            .order_by(Proposal.id)
        )
    )
