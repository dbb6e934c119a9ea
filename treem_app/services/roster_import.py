"""Step 1: an uploaded export -> header mapping -> normalise and screen -> merge into the registry.

Shared by the web job and ``treem roster import``. Services flush, never commit: the job or the
CLI command owns the transaction, so a crash leaves nothing half-applied.

Merging a newer export (SPEC section 5): each row is matched to a person of the unit by national
key, then ID number, then name + date of birth + a parent (:func:`merge_keys`). A matched person
takes the export's value for a field unless that field was corrected in treem (its latest event
came from a source other than the export or the automatic normalisation); then the correction is
kept and a :class:`Conflict` ("value") records the export's value for an officer's decision. A
person who came with an earlier export and is missing from this one gets a Conflict ("absent"):
flagged, never deleted.

History of a new person: one "person" event ("created from the export", with the file and its
Excel row) plus one event per automatic fix (the raw value kept as the old value) and one per
value the export had but screening could not read, rather than one event per fact: a 50,000-row
export then writes about 55,000 history rows instead of 500,000. The initial facts are the
person's row as created (and the stored file, row by row); every later change records its old
value, so the history stays complete.
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..domain.findings import Rule, finding
from ..domain.matching import strong_merge_keys, weak_merge_keys
from ..domain.screening import screen_columns, screen_rows
from ..files.headers import FIELD_LABELS as COLUMN_LABELS
from ..files.headers import REQUIRED, fold
from ..files.upload_checks import UploadError, check_upload
from ..files.xls_formulas import xls_sheet_has_formulas
from ..files.xlsx_read import choose_sheet, data_rows, read_rows, sheet_has_formulas
from ..models import ColumnMapping, Conflict, Finding, ImportRun, Person, PersonEvent, Unit, User
from ..models._common import utcnow
from ..models.person import FACT_FIELDS, INACTIVE_STATUSES
from .findings import MANAGED_SEVERITIES, person_as_row, sync_findings
from .persons import PERSON_COLUMNS, fact_text, open_rank_of, workflow_status

Progress = Callable[[int, int, str], None]

EXPORT_SOURCES = ("export", "normalisation")
# Facts whose unreadable export value screening reports (and stores as empty).
READ_CHECKED = ("dob", "sex", "ethnicity")
CHUNK = 900  # ids per IN (...) query: under SQLite's host-parameter limit
ID_CHUNK = 5000  # ID numbers per IN (...) query (SQLite >= 3.32 allows 32,766 parameters)


class ImportError_(UploadError):  # noqa: N801 - "ImportError" is a builtin
    """An import that cannot go ahead; the message is Vietnamese, for the user."""


@dataclass
class ImportOutcome:
    """What one import did (or, for a dry run, would do)."""

    summary: dict
    rows: list[list[object]] = field(default_factory=list)
    header_rows: tuple[int, int] = (0, 0)
    findings_by_row: dict[int, list] = field(default_factory=dict)
    cli_findings: list[dict] = field(default_factory=list)
    # Applied imports: rule -> ids of the persons whose rows raised it (empty for a dry run).
    affected: dict[str, list[int]] = field(default_factory=dict)


# --------------------------------------------------------------------------- upload


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
) -> ImportRun:
    """Check an uploaded file, keep it under ``files_dir`` and propose a column mapping.

    Raises UploadError (Vietnamese message) and keeps nothing when the file is refused.
    """
    checked = check_upload(data, filename, max_bytes=max_bytes)
    digest = hashlib.sha256(checked.data).hexdigest()
    folder = Path(files_dir) / "imports" / unit.code
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{digest[:16]}.{checked.kind}"
    path.write_bytes(checked.data)
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
                f"Tệp có {_n(rows)} dòng, vượt giới hạn {_n(max_rows)} dòng cho một lần nhập."
            )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    headers = choice.header.headers
    remembered = session.scalar(select(ColumnMapping).where(ColumnMapping.unit_id == unit.id))
    mapping = propose_mapping(choice.header.mapping, headers, remembered)
    run = ImportRun(
        unit=unit,
        original_name=Path(filename).name[:255] or "tep-tai-len",
        stored_path=str(path),
        kind=checked.kind,
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
    return run


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


def validate_mapping(mapping: dict[int, str]) -> list[str]:
    """Problems with a mapping, in Vietnamese (empty when it can be used)."""
    problems = []
    fields = list(mapping.values())
    for f in REQUIRED:
        if f not in fields:
            problems.append(f"Chưa chọn cột cho «{COLUMN_LABELS[f]}».")
    for f in sorted(set(fields)):
        if fields.count(f) > 1:
            problems.append(f"«{COLUMN_LABELS.get(f, f)}» được chọn cho nhiều cột.")
    unknown = [f for f in fields if f not in COLUMN_LABELS]
    if unknown:
        problems.append("Có cột được gán cho trường không tồn tại.")
    return problems


def confirm_mapping(
    session: Session, run: ImportRun, mapping: dict[int, str], user: User | None
) -> None:
    """Save the officer's mapping on the import and remember it for the unit's next export."""
    problems = validate_mapping(mapping)
    if problems:
        raise ImportError_(" ".join(problems))
    as_json = json.dumps({str(k): v for k, v in sorted(mapping.items())})
    run.mapping_json = as_json
    remembered = session.scalar(select(ColumnMapping).where(ColumnMapping.unit_id == run.unit_id))
    if remembered is None:
        remembered = ColumnMapping(unit_id=run.unit_id)
        session.add(remembered)
    remembered.headers_json = run.headers_json or "[]"
    remembered.mapping_json = as_json
    remembered.updated_by_id = user.id if user else None
    session.flush()


# --------------------------------------------------------------------------- import


def run_import(
    session: Session,
    run: ImportRun,
    *,
    screening_date: date,
    apply: bool,
    user: User | None = None,
    progress: Progress | None = None,
    max_rows: int = 200_000,
) -> ImportOutcome:
    """Read the stored file with the confirmed mapping, screen it and (``apply``) merge it.

    A dry run computes the same summary and findings and writes nothing. Flushes, never commits.
    """
    # Reading, mapping and merging build hundreds of thousands of small lists, dicts and tuples
    # that all stay alive: the cyclic garbage collector would rescan them again and again
    # without finding any garbage. It is paused for the import (as screen_rows does).
    gc_was = gc.isenabled()
    gc.disable()
    try:
        return _run_import(session, run, screening_date, apply, user, progress, max_rows)
    finally:
        if gc_was:
            gc.enable()


def _run_import(session, run, screening_date, apply, user, progress, max_rows) -> ImportOutcome:  # noqa: ANN001, PLR0913
    report = progress or (lambda done, total, stage: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    report(0, 0, "Đang đọc tệp")
    path = Path(run.stored_path)
    if not path.exists():
        raise ImportError_("Không còn tệp đã tải lên trên máy chủ; hãy tải tệp lên lại.")
    mapping = run.mapping
    problems = validate_mapping(mapping)
    if problems:
        raise ImportError_(" ".join(problems))
    all_rows = read_rows(path, run.kind, run.sheet or "")
    from ..files.headers import HeaderGuess

    header = HeaderGuess(run.header_row or 0, run.data_start or 1)
    rows = data_rows(all_rows, header)
    if not rows:
        raise ImportError_("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")
    if len(rows) > max_rows:
        raise ImportError_(f"Tệp có {_n(len(rows))} dòng, vượt giới hạn {_n(max_rows)} dòng.")
    # One list per mapped column (what screening works on): no mapping per row is built.
    # Empty cells arrive as "": the screening domain reads "" as missing. Rows of a workbook
    # all have the sheet's width; a CSV's rows may be shorter than the last mapped column.
    width = max(mapping) + 1
    cells = [c for _, c in rows]
    if not all(len(c) >= width for c in cells):
        pad = [""] * width
        cells = [c if len(c) >= width else [*c, *pad] for c in cells]
    columns = {f: list(map(itemgetter(i), cells)) for i, f in sorted(mapping.items())}
    del cells
    timings["read"] = time.perf_counter() - t0
    total = len(rows)
    report(0, total, "Đang chuẩn hóa và rà soát")
    t1 = time.perf_counter()
    result = screen_columns(columns, screening_date)
    records = result.records
    timings["screen"] = time.perf_counter() - t1
    report(total // 3, total, "Đang đối chiếu với hồ sơ đã có")

    t2 = time.perf_counter()
    merge = _Merge(session, run, user, screening_date, apply)
    merge.match(records)
    merge.flag_registry_duplicates(records)
    report(total // 2, total, "Đang lưu kết quả" if apply else "Đang tổng hợp (chạy thử)")
    merge.plan_updates(records, columns, rows)
    if apply:
        merge.persist(records, columns, rows, report, total)
    timings["merge"] = time.perf_counter() - t2

    by_rule: dict[str, int] = {}
    findings_by_row: dict[int, list] = {}
    cli_findings: list[dict] = []
    rows_with_errors = 0
    affected: dict[str, list[int]] = {}
    person_ids = merge.person_ids() if apply else None
    for n, ((excel_row, _), record) in enumerate(zip(rows, records, strict=True)):
        found = record.findings
        if not found:  # most rows: nothing to count (and no error)
            continue
        findings_by_row[excel_row] = found
        rows_with_errors += record.has_errors
        for f in found:
            rule = str(f.rule)
            by_rule[rule] = by_rule.get(rule, 0) + 1
            if person_ids is not None:
                ids = affected.setdefault(rule, [])
                if not ids or ids[-1] != person_ids[n]:  # a row may raise a rule twice
                    ids.append(person_ids[n])
            cli_findings.append(
                {"row": excel_row, "rule": rule, "field": f.field, "severity": str(f.severity)}
            )
    order = {str(r): n for n, r in enumerate(Rule)}
    summary = {
        "rows": total,
        "created": merge.created,
        "updated": merge.updated,
        "unchanged": merge.unchanged,
        "conflicts": merge.conflicts,
        "disappeared": merge.disappeared,
        "reappeared": merge.reappeared,
        "rows_with_errors": rows_with_errors,
        "by_rule": dict(sorted(by_rule.items(), key=lambda kv: order.get(kv[0], 99))),
        "dry_run": not apply,
        "screening_date": screening_date.isoformat(),
        "seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    report(total, total, "Hoàn tất")
    return ImportOutcome(
        summary,
        all_rows,
        (run.header_row or 0, run.data_start or 1),
        findings_by_row,
        cli_findings,
        affected,
    )


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _weak_keys(facts: dict) -> list[tuple]:
    """The weak merge keys (name + date of birth + parent), then name + parent.

    The last one finds a person whose date of birth was corrected in treem (so it no longer
    equals the export's); it is used only when exactly one person carries it.
    """
    keys = weak_merge_keys(facts)
    name = facts.get("name_key")
    if name:
        keys += [("name_parent", (name, value[2])) for _kind, value in keys]
    return keys


def _first_unclaimed(index: dict[tuple, list], keys: list[tuple], claimed: set[int]):  # noqa: ANN202
    """The first person under ``keys`` (in order) not yet matched to another row."""
    for key in keys:
        candidates = index.get(key, ())
        if key[0] == "name_parent" and len(candidates) != 1:
            continue  # the weakest key only counts when it is unambiguous
        for p in candidates:
            if p.id not in claimed:
                return p
    return None


# What matching and planning read of the unit's persons: plain rows, not ORM objects (a weekly
# re-import matches every person of the commune; only those that change are loaded as objects).
_STORED = (
    Person.id,
    Person.status,
    Person.id_source,
    Person.open_rank,
    Person.version,
    *(getattr(Person, c) for c in PERSON_COLUMNS),
)


class _Merge:
    """Matching screened rows to the unit's persons, planning and writing the changes."""

    def __init__(self, session, run, user, screening_date, apply):  # noqa: ANN001
        self.session = session
        self.run = run
        self.unit_id = run.unit_id
        self.user = user
        self.apply = apply
        self.screening_date = screening_date
        self.created = self.updated = self.unchanged = self.conflicts = 0
        self.disappeared = self.reappeared = 0
        self.matched: list = []  # per record: the stored person's row, or None (a new person)
        self.new_ids: list[int] = []  # of the new persons, in row order (once persisted)
        self.read_versions: dict[int, int] = {}
        self.persons: list = []

    # -- matching

    def match(self, records) -> None:  # noqa: ANN001
        """Match by national key, then ID number, then name + date of birth + a parent.

        The weak keys (which need the parents' search keys) are indexed only when a record is
        not found by its strong keys.
        """
        persons = self.session.execute(
            select(*_STORED).where(Person.unit_id == self.unit_id).order_by(Person.id)
        ).all()
        self.persons = persons
        strong: dict[tuple, list] = {}
        for p in persons:
            for key in strong_merge_keys(p._mapping):
                strong.setdefault(key, []).append(p)
        weak: dict[tuple, list] | None = None
        claimed: set[int] = set()
        matched: list = []
        for record in records:
            hit = None
            if persons:
                hit = _first_unclaimed(strong, strong_merge_keys(record.facts), claimed)
                if hit is None:
                    if weak is None:
                        weak = {}
                        for p in persons:
                            for key in _weak_keys(p._mapping):
                                weak.setdefault(key, []).append(p)
                    hit = _first_unclaimed(weak, _weak_keys(record.facts), claimed)
            if hit is not None:
                claimed.add(hit.id)
            matched.append(hit)
        self.matched = matched
        # The version each matched person had when read: the plan is made from these rows.
        self.read_versions = {p.id: p.version for p in matched if p is not None}

    def flag_registry_duplicates(self, records) -> None:  # noqa: ANN001
        """ID_DUPLICATE against persons who are not the row's own person (SPEC section 4)."""
        ids = sorted(
            {
                r.facts["id_number"]
                for r in records
                if isinstance(r.facts.get("id_number"), str) and len(r.facts["id_number"]) == 12
            }
        )
        holders: dict[str, set[int]] = {}
        for pid, number in _rows_where_in(
            self.session.connection(),
            "SELECT id, id_number FROM persons WHERE status NOT IN ({}) AND id_number IN ({})",
            INACTIVE_STATUSES,
            ids,
        ):
            holders.setdefault(number, set()).add(pid)
        if not holders:
            return
        own = {p.id for p in self.matched if p is not None}
        for record, person in zip(records, self.matched, strict=True):
            number = record.facts.get("id_number")
            others = holders.get(number) if isinstance(number, str) else None
            if not others:
                continue
            others = others - ({person.id} if person is not None else set()) - own
            if others and not any(str(f.rule) == "ID_DUPLICATE" for f in record.findings):
                record.findings.append(
                    finding(
                        Rule.ID_DUPLICATE,
                        "id_number",
                        "Số định danh đã có trên một người khác trong sổ theo dõi.",
                    )
                )

    # -- planning updates of matched persons

    def plan_updates(self, records, columns, rows) -> None:  # noqa: ANN001
        # Facts that differ from the row, per matched person (most rows of a weekly re-import
        # differ in nothing, and need neither their history nor an update).
        differing: list[tuple[int, object, list[str]]] = []
        for n, (record, person) in enumerate(zip(records, self.matched, strict=True)):
            if person is None:
                continue
            facts = record.facts
            fields = [
                f
                for f in FACT_FIELDS
                if facts.get(f) != getattr(person, f)
                or (f == "dob" and facts.get("dob_precision") != person.dob_precision)
            ]
            differing.append((n, person, fields))
        # The latest source of each differing fact: corrected in treem, or from an export.
        latest: dict[tuple[int, str], str] = {}
        ids = [person.id for _n, person, fields in differing if fields]
        for i in range(0, len(ids), CHUNK):
            for pid, fld, source in self.session.execute(
                select(PersonEvent.person_id, PersonEvent.field, PersonEvent.source)
                .where(PersonEvent.person_id.in_(ids[i : i + CHUNK]))
                .order_by(PersonEvent.id)
            ):
                latest[(pid, fld)] = source
        open_conflicts: dict[tuple[int, str], Conflict] = {}
        if differing or self.persons:
            for c in self.session.scalars(
                select(Conflict).where(Conflict.unit_id == self.unit_id, Conflict.status == "open")
            ):
                open_conflicts[(c.person_id, c.field if c.kind == "value" else "#absent")] = c
        self.latest = latest
        self.open_conflicts = open_conflicts
        self.changes: list[tuple[object, list, list, int, int]] = []
        for n, person, fields in differing:
            excel_row = rows[n][0]
            facts = records[n].facts
            changed: list[tuple[str, object, object]] = []
            disputes: list[tuple[str, str | None, str | None]] = []
            for f in fields:
                new = facts.get(f)
                old = getattr(person, f)
                unreadable = new is None and f in READ_CHECKED and _raw(columns, f, n) != ""
                if new is None and f == "national_key":
                    continue  # an export without the key column never erases a known key
                corrected = latest.get((person.id, f), "export") not in EXPORT_SOURCES
                if unreadable:
                    if old is not None:
                        disputes.append((f, str(_raw(columns, f, n)), fact_text(person, f)))
                    continue
                if corrected:
                    disputes.append((f, fact_text(facts, f), fact_text(person, f)))
                    continue
                changed.append((f, old, new))
            self.changes.append((person, changed, disputes, excel_row, n))
            if changed:
                self.updated += 1
            else:
                self.unchanged += 1
            self.conflicts += len(disputes)
        self.created = sum(1 for p in self.matched if p is None)
        # Who disappeared (only a real import decides; a dry run just counts).
        seen = {p.id for p in self.matched if p is not None}
        from_export = set()
        ids = [p.id for p in self.persons if p.id not in seen and p.status not in INACTIVE_STATUSES]
        for i in range(0, len(ids), CHUNK):
            from_export.update(
                self.session.scalars(
                    select(PersonEvent.person_id)
                    .where(
                        PersonEvent.person_id.in_(ids[i : i + CHUNK]),
                        PersonEvent.source == "export",
                    )
                    .distinct()
                )
            )
        self.absent = [p for p in self.persons if p.id in from_export]
        self.disappeared = len(self.absent)
        self.reappeared = sum(1 for pid in seen if (pid, "#absent") in open_conflicts)

    # -- writing

    def persist(self, records, columns, rows, report, total) -> None:  # noqa: ANN001
        session = self.session
        now = utcnow()
        user_id = self.user.id if self.user else None
        run = self.run
        note = f"Nhập từ tệp «{run.original_name}» (lần nhập #{run.id})"
        # Write the run row first: on SQLite this takes the write lock that _allocate_ids needs.
        run.applied_at = now
        session.flush()
        # Matched persons: apply changes, record events and conflicts. Only the persons with
        # a change or a dispute are loaded as objects (their version is checked and bumped).
        touched = [c[0].id for c in self.changes if c[1] or c[2]]
        objects = self._load(touched)
        rescreen: list[Person] = []
        direct: list[tuple[object, list]] = []
        for row, changed, disputes, excel_row, n in self.changes:
            absent = self.open_conflicts.get((row.id, "#absent"))
            if absent is not None:  # back in the export
                absent.status = "resolved"
                absent.decision = "reappeared"
                absent.resolved_at = now
            if not (changed or disputes):
                direct.append((row, records[n].findings))
                continue
            person = objects[row.id]
            for f, _old, new in changed:
                old_text = fact_text(person, f)
                setattr(person, f, new)
                if f == "dob":
                    person.dob_precision = records[n].facts.get("dob_precision")
                if f == "full_name":
                    person.name_key = records[n].facts.get("name_key")
                if f == "id_number":
                    person.id_source = "export" if new else None
                session.add(
                    PersonEvent(
                        person_id=person.id,
                        user_id=user_id,
                        at=now,
                        field=f,
                        old_value=old_text,
                        new_value=fact_text(person, f),
                        source="export",
                        note=f"{note}, dòng {excel_row}",
                    )
                )
            for f, export_value, current in disputes:
                key = (person.id, f)
                existing = self.open_conflicts.get(key)
                if existing is not None and existing.export_value == export_value:
                    continue
                if existing is not None:  # the export now says something else again
                    existing.status = "resolved"
                    existing.decision = "superseded"
                    existing.resolved_at = now
                session.add(
                    Conflict(
                        unit_id=self.unit_id,
                        person_id=person.id,
                        import_run_id=run.id,
                        kind="value",
                        field=f,
                        export_value=export_value,
                        current_value=current,
                        row=excel_row,
                    )
                )
            rescreen.append(person)
        for person in self.absent:
            if (person.id, "#absent") in self.open_conflicts:
                continue
            session.add(
                Conflict(
                    unit_id=self.unit_id,
                    person_id=person.id,
                    import_run_id=run.id,
                    kind="absent",
                    field="person",
                    current_value=person.full_name,
                )
            )
        session.flush()
        # Findings of matched persons: re-screen those whose facts differ from the row; the
        # others take the row's findings. Only persons whose open findings, rank or status
        # would change are loaded and written.
        if rescreen:
            rescreened = screen_rows(
                [person_as_row(p) for p in rescreen], self.screening_date, detect_duplicates=False
            ).records
            resync = [(p, r.findings) for p, r in zip(rescreen, rescreened, strict=True)]
        else:
            resync = []
        stale = self._stale_findings(direct)
        stale_objects = self._load([row.id for row, _found in direct if row.id in stale])
        resync.extend((stale_objects[row.id], found) for row, found in direct if row.id in stale)
        if resync:
            existing: dict[int, list[Finding]] = {p.id: [] for p, _ in resync}
            ids = list(existing)
            for i in range(0, len(ids), CHUNK):
                for f in session.scalars(
                    select(Finding).where(Finding.person_id.in_(ids[i : i + CHUNK]))
                ):
                    existing[f.person_id].append(f)
            for person, found in resync:
                sync_findings(session, person, found, existing[person.id])
                status = workflow_status(person, found)
                if person.status != status:
                    person.status = status
        report(total // 2, total, "Đang lưu hồ sơ mới")
        self._insert_new(records, columns, rows, now, user_id, note)
        session.flush()

    def person_ids(self) -> list[int]:
        """The person each row became (matched, or created by :meth:`persist`), by row."""
        new_ids = iter(self.new_ids)
        return [p.id if p is not None else next(new_ids) for p in self.matched]

    def _load(self, ids: list[int]) -> dict[int, Person]:
        """The persons with these ids as ORM objects, by id, as they were when matched.

        The plan was made from the rows read when matching; a person saved since (an officer's
        edit while the import ran) would be planned on old facts: the import stops instead,
        writing nothing, and can simply be run again.
        """
        out: dict[int, Person] = {}
        for i in range(0, len(ids), CHUNK):
            query = (
                select(Person)
                .where(Person.id.in_(ids[i : i + CHUNK]))
                .execution_options(populate_existing=True)  # as stored now, not as cached
            )
            for p in self.session.scalars(query):
                out[p.id] = p
        changed = [p for pid, p in out.items() if p.version != self.read_versions[pid]]
        if changed:
            names = ", ".join(p.full_name or f"#{p.id}" for p in changed[:3])
            raise ImportError_(
                f"Có {_n(len(changed))} hồ sơ vừa được sửa trong lúc nhập ({names}); chưa có gì "
                "thay đổi. Hãy chạy lại lần nhập này."
            )
        return out

    def _stale_findings(self, direct: list[tuple[object, list]]) -> set[int]:
        """Ids of the persons (stored rows) whose open errors and warnings, queue rank or status
        differ from what their row's findings give; the others need no write at all."""
        current: dict[int, dict[tuple[str, str], tuple[str, str]]] = {}
        ids = [row.id for row, _found in direct]
        for i in range(0, len(ids), CHUNK):
            for pid, rule, fld, severity, message in self.session.execute(
                select(
                    Finding.person_id,
                    Finding.rule,
                    Finding.field,
                    Finding.severity,
                    Finding.message,
                ).where(
                    Finding.person_id.in_(ids[i : i + CHUNK]),
                    Finding.status == "open",
                    Finding.severity.in_(MANAGED_SEVERITIES),
                )
            ):
                current.setdefault(pid, {})[(rule, fld)] = (severity, message)
        stale: set[int] = set()
        for row, found in direct:
            wanted = {
                (str(f.rule), f.field): (str(f.severity), f.message)
                for f in found
                if str(f.severity) in MANAGED_SEVERITIES
            }
            if (
                wanted != current.get(row.id, {})
                or open_rank_of(found) != row.open_rank
                or workflow_status(row, found) != row.status
            ):
                stale.add(row.id)
        return stale

    def _insert_new(self, records, columns, rows, now, user_id, note) -> None:  # noqa: ANN001
        """Insert the new persons, their creation history and findings as plain rows.

        No ORM objects: one tuple per row, written with the driver's executemany inside the
        caller's transaction (ids reserved first, so events and findings can point at them).
        """
        new = [n for n, p in enumerate(self.matched) if p is None]
        if not new:
            return
        conn = self.session.connection()
        sqlite = conn.dialect.name == "sqlite"
        ids = _allocate_ids(conn, "persons", len(new))
        self.new_ids = ids
        ts = _db_datetime(now, sqlite)
        created = "Hồ sơ mới từ tệp xuất"
        unit_id = self.unit_id
        person_rows = []
        event_rows = []
        finding_rows = []
        add_person = person_rows.append
        add_event = event_rows.append
        add_finding = finding_rows.append
        excel_rows: list[int] = []  # of each new person, for its "person" (creation) event
        for pid, n in zip(ids, new, strict=True):
            record = records[n]
            facts = record.facts
            try:
                values = _PERSON_FACTS(facts)
            except KeyError:  # a record without some fact
                values = tuple(map(facts.get, _PERSON_FACT_NAMES))
            (hamlet, full_name, name_key, dob, dob_precision, sex, ethnicity, id_number,
             father, mother, guardian, national_key) = values  # fmt: skip
            found = record.findings
            id_source = "export" if id_number else None
            if found:
                status = workflow_status(
                    SimpleNamespace(status="new", id_number=id_number, id_source=id_source), found
                )
            else:  # what workflow_status gives a new person without findings
                status = "clean" if id_number else "ready"
            rank = open_rank_of(found) if found else 2
            if sqlite and dob is not None:
                dob = dob.isoformat()
            add_person(
                (
                    pid, "child", unit_id, hamlet, full_name, name_key, dob, dob_precision, sex,
                    ethnicity, id_number, id_source, father, mother, guardian, national_key,
                    status, rank, 1, ts, ts,
                )
            )  # fmt: skip
            excel_row = rows[n][0]
            excel_rows.append(excel_row)
            for fix in record.fixes:
                shown = fact_text(facts, fix.field)
                add_event((pid, user_id, ts, fix.field, _show(fix.old), shown, "normalisation",
                           str(fix.rule)))  # fmt: skip
            # READ_CHECKED are the date of birth, the sex and the ethnicity.
            for f in READ_CHECKED if dob is None or sex is None or ethnicity is None else ():
                if facts.get(f) is None and (raw := _raw(columns, f, n)) != "":
                    add_event((pid, user_id, ts, f, None, None, "export",
                               f"Giá trị trên tệp không đọc được: «{_show(raw)}» "
                               f"(dòng {excel_row})"))  # fmt: skip
            for f in found:
                add_finding((pid, str(f.rule), f.field, str(f.severity), f.message, "open", ts))
        with _bulk_load(conn, len(person_rows)):
            _bulk(conn, "persons", PERSON_INSERT, person_rows)
            # Creation events first (each person's fixes come after its creation, as before).
            _creation_events(conn, ids, excel_rows, user_id, ts, created, f"{note}, dòng ")
            _bulk(conn, "person_events", EVENT_INSERT, event_rows)
            _bulk(conn, "findings", FINDING_INSERT, finding_rows)


_PERSON_FACT_NAMES = (
    "hamlet", "full_name", "name_key", "dob", "dob_precision", "sex", "ethnicity", "id_number",
    "father_name", "mother_name", "guardian_name", "national_key",
)  # fmt: skip
_PERSON_FACTS = itemgetter(*_PERSON_FACT_NAMES)
PERSON_INSERT = (
    "id", "kind", "unit_id", "hamlet", "full_name", "name_key", "dob", "dob_precision", "sex",
    "ethnicity", "id_number", "id_source", "father_name", "mother_name", "guardian_name",
    "national_key", "status", "open_rank", "version", "created_at", "updated_at",
)  # fmt: skip
EVENT_INSERT = (
    "person_id", "user_id", "at", "field", "old_value", "new_value", "source", "note",
)  # fmt: skip
FINDING_INSERT = ("person_id", "rule", "field", "severity", "message", "status", "created_at")


def _raw(columns: dict[str, list], field: str, n: int) -> object:
    """The cell of ``field`` on row ``n`` as read ("" when empty or not mapped)."""
    column = columns.get(field)
    value = column[n] if column is not None else ""
    return "" if value is None else value


def _show(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _db_datetime(value: datetime, sqlite: bool) -> object:
    # SQLAlchemy's SQLite DateTime storage format (always with microseconds).
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value


def _rows_where_in(conn, sql: str, fixed: tuple, values: list) -> list[tuple]:  # noqa: ANN001
    """Rows of ``sql`` (with two ``{}``: ``fixed`` values, then ``values``) run over chunks of
    ``values`` as plain driver queries: building large IN lists through SQLAlchemy costs more
    than the query itself."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    out: list[tuple] = []
    head = ", ".join([mark] * len(fixed))
    for i in range(0, len(values), ID_CHUNK):
        chunk = values[i : i + ID_CHUNK]
        query = sql.format(head, ", ".join([mark] * len(chunk)))
        out.extend(conn.exec_driver_sql(query, (*fixed, *chunk)).fetchall())
    return out


def _allocate_ids(conn, table: str, n: int) -> list[int]:  # noqa: ANN001
    """Reserve ``n`` primary keys for a bulk insert of rows whose ids are needed right away.

    PostgreSQL: from the table's sequence. SQLite: after max(id); the import already holds the
    database's write lock (it wrote its run row first), so no other writer can take them.
    """
    if conn.dialect.name == "postgresql":
        return list(
            conn.execute(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": n},
            ).scalars()
        )
    start = conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
    return list(range(start + 1, start + 1 + n))


# Page cache (KiB, as SQLite's negative cache_size) for a bulk insert on SQLite: new rows land
# at random places of several indexes, and with the default 2 MB cache SQLite keeps writing
# pages out of the cache and reading them back within the one transaction. Memory only: what
# is written, when it is made durable and the transaction are unchanged.
BULK_CACHE_KIB = 64 * 1024


@contextmanager
def _bulk_load(conn, new_persons: int):  # noqa: ANN001, ANN202, ARG001
    """SQLite: a larger page cache for the bulk insert, set back afterwards. Others: as is.

    (Dropping and rebuilding the indexes around a large first load was tried: it saved about
    0.17 s on 50,000 rows but changed the schema at run time, which is not worth the risk.)
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    dbapi = conn.connection.dbapi_connection
    before = dbapi.execute("PRAGMA cache_size").fetchone()[0]
    dbapi.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    try:
        yield
    finally:
        dbapi.execute(f"PRAGMA cache_size = {int(before)}")


def _creation_events(conn, ids, excel_rows, user_id, ts, new_value, note) -> None:  # noqa: ANN001, PLR0913
    """One "person" event per new person (``note`` followed by its Excel row), written by the
    database from the list of ids and row numbers in one statement: only two numbers per
    event cross over from Python. Other databases: one row each through executemany."""
    columns = ", ".join(EVENT_INSERT)
    dialect = conn.dialect.name
    if dialect == "sqlite" and ids[-1] - ids[0] == len(ids) - 1:  # ids are one run
        conn.exec_driver_sql(
            f"INSERT INTO person_events ({columns}) "
            "SELECT ? + j.key, ?, ?, 'person', NULL, ?, 'export', ? || j.value "
            "FROM json_each(?) AS j ORDER BY j.key",
            (ids[0], user_id, ts, new_value, note, json.dumps(excel_rows)),
        )
    elif dialect == "postgresql":
        conn.exec_driver_sql(
            f"INSERT INTO person_events ({columns}) "
            "SELECT t.pid, %s::integer, %s::timestamp, 'person', NULL, %s::text, 'export', "
            "%s::text || t.r "
            "FROM unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY AS t(pid, r, n) ORDER BY t.n",
            (user_id, ts, new_value, note, list(ids), excel_rows),
        )
    else:
        rows = [
            (pid, user_id, ts, "person", None, new_value, "export", f"{note}{r}")
            for pid, r in zip(ids, excel_rows, strict=True)
        ]
        _bulk(conn, "person_events", EVENT_INSERT, rows)


def _bulk(conn, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:  # noqa: ANN001
    """INSERT many rows through the driver's executemany (no per-value ORM processing)."""
    if not rows:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, rows)


# --------------------------------------------------------------------------- conflicts


def resolve_conflict(
    session: Session, conflict: Conflict, decision: str, user: User | None, screening_date: date
) -> None:
    """Close a conflict: "keep" the value in treem, or "export" to take the export's value.

    Taking the export's value of a "value" conflict is a correction by the officer (an event
    with source "officer"), so a later export does not silently change it back.
    """
    if conflict.status != "open":
        return
    if decision not in ("keep", "export"):
        raise ImportError_("Quyết định không hợp lệ.")
    now = utcnow()
    if decision == "export" and conflict.kind == "value":
        from ..domain.screening import screen_one

        person = conflict.person
        row = person_as_row(person)
        row[conflict.field] = conflict.export_value
        facts = screen_one(row, screening_date).facts
        old_text = fact_text(person, conflict.field)
        setattr(person, conflict.field, facts.get(conflict.field))
        if conflict.field == "dob":
            person.dob_precision = facts.get("dob_precision")
        if conflict.field == "full_name":
            person.name_key = facts.get("name_key")
        session.add(
            PersonEvent(
                person_id=person.id,
                user_id=user.id if user else None,
                field=conflict.field,
                old_value=old_text,
                new_value=fact_text(person, conflict.field),
                source="officer",
                note=f"Chọn giá trị từ tệp xuất (lần nhập #{conflict.import_run_id})",
            )
        )
        session.flush()
        found = screen_one(person_as_row(person), screening_date).findings
        existing = list(session.scalars(select(Finding).where(Finding.person_id == person.id)))
        sync_findings(session, person, found, existing)
        person.status = workflow_status(person, found)
    conflict.status = "resolved"
    conflict.decision = decision
    conflict.resolved_at = now
    conflict.resolved_by_id = user.id if user else None
    session.flush()


# --------------------------------------------------------------------------- outputs


def annotate(run: ImportRun, outcome: ImportOutcome, files_dir: str | Path) -> Path:
    """Write the annotated copy of the run's file and remember its path on the run."""
    from ..domain.findings import RULE_LABELS
    from ..files.xlsx_write import write_annotated

    folder = Path(files_dir) / "imports" / run.unit.code
    path = folder / f"import-{run.id}-ket-qua-ra-soat.xlsx"
    header_row, data_start = outcome.header_rows
    write_annotated(
        path,
        outcome.rows,
        header_row=header_row,
        data_start=data_start,
        mapping=run.mapping,
        findings_by_row=outcome.findings_by_row,
        sheet_title=run.sheet or "Kết quả rà soát",
        by_rule=outcome.summary["by_rule"],
        rule_labels={str(k): v for k, v in RULE_LABELS.items()},
    )
    run.annotated_path = str(path)
    return path


def import_message(summary: dict) -> str:
    """One Vietnamese sentence summing an import up (numbers with Vietnamese separators)."""

    def n(v: int) -> str:
        return f"{v:,}".replace(",", ".")

    if summary.get("dry_run"):
        head = f"Chạy thử: đã đọc {n(summary['rows'])} dòng; chưa thay đổi hồ sơ nào."
        return (
            f"{head} Nếu nhập: {n(summary['created'])} hồ sơ mới, {n(summary['updated'])} "
            f"hồ sơ cập nhật, {n(summary['conflicts'])} điểm khác biệt cần quyết định."
        )
    return (
        f"Đã nhập {n(summary['rows'])} dòng: {n(summary['created'])} hồ sơ mới, "
        f"{n(summary['updated'])} cập nhật, {n(summary['unchanged'])} không đổi, "
        f"{n(summary['conflicts'])} điểm khác biệt cần quyết định."
    )
