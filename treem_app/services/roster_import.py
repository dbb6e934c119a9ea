"""Step 1: an uploaded export -> header mapping -> normalise and screen -> merge into the registry.

Shared by the web job and ``treem roster import``. Services flush, never commit: the job or the
CLI command owns the transaction, so a crash leaves nothing half-applied. The stages live
beside this module: ``roster_upload`` (keep the file, the mapping), ``roster_merge`` (match,
plan, write), ``bulk_sql`` (set-based inserts) and ``conflicts`` (the officer's decisions).

An import run's life: ``roster_upload.store_upload`` keeps the file ("uploaded");
``queue_import`` confirms the mapping and records its job ("queued", started after the
commit); the worker calls ``run_queued`` (``run_import`` then ``finish_import``: "applied" or
"dry_run") and ``fail_import`` when the job failed. The console runs ``import_now`` instead.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from pathlib import Path

from sqlalchemy.orm import Session

from ..domain.findings import Rule
from ..domain.formatting import vn_number
from ..domain.screening import screen_columns
from ..files.headers import HeaderGuess
from ..files.xlsx_read import read_rows, split_rows
from ..models import ImportRun, JobRun, User
from . import hamlets, job_runs
from .access import in_unit
from .roster_merge import RosterMerge
from .roster_upload import ImportError_, confirm_mapping, validate_mapping

Progress = Callable[[int, int, str], None]


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


class ImportBusy(ImportError_):
    """The import is already queued or running."""


def queue_import(
    session: Session,
    run: ImportRun,
    mapping: dict[int, str],
    user: User | None,
    *,
    screening_date: date,
    apply: bool,
) -> JobRun:
    """Confirm the mapping and record the import's job; start it after the commit.

    Raises ImportBusy when the import is already queued or running, ImportError_ for a mapping
    that cannot be used.
    """
    if run.status in ("queued", "running"):
        raise ImportBusy("Lần nhập này đang chạy.")
    if run.status == "discarded":
        raise ImportError_("Lần tải lên này đã được hủy bỏ; hãy tải tệp lên lại nếu cần nhập.")
    confirm_mapping(session, run, mapping, user)
    job = job_runs.record(
        session, "roster_import", run.unit, user, [run.id, screening_date.isoformat(), apply]
    )
    run.job_run_id = job.id
    run.status = "queued"
    run.dry_run = not apply  # lists tell a dry run from a real import while it runs
    session.flush()
    return job


def run_queued(
    session: Session,
    job: JobRun,
    import_id: int,
    *,
    screening_date: date,
    apply: bool,
    files_dir: str | Path,
    max_rows: int,
    progress: Progress | None = None,
) -> tuple[dict, str]:
    """The worker's step: run a queued import of the job's unit, annotate it, record its end.

    Returns the job's (summary, message). Raises ImportError_ (UploadError) with a Vietnamese
    message for an import that cannot run; nothing is then written.
    """
    imp = in_unit(session, ImportRun, import_id, job.unit_id)
    if imp is None:
        raise ImportError_("Không tìm thấy lần nhập dữ liệu này.")
    outcome = run_import(
        session,
        imp,
        screening_date=screening_date,
        apply=apply,
        user=job.created_by,
        progress=progress,
        max_rows=max_rows,
    )
    return finish_import(session, imp, outcome, apply=apply, files_dir=files_dir, progress=progress)


def import_now(
    session: Session, run: ImportRun, *, screening_date: date, apply: bool, max_rows: int
) -> ImportOutcome:
    """The console's step: an uploaded import run at once with its proposed mapping.

    A dry run writes nothing to the registry (the caller rolls the upload's record back).
    """
    if apply:
        confirm_mapping(session, run, run.mapping, None)
    outcome = run_import(
        session, run, screening_date=screening_date, apply=apply, max_rows=max_rows
    )
    finish_import(session, run, outcome, apply=apply)
    return outcome


def finish_import(
    session: Session,
    run: ImportRun,
    outcome: ImportOutcome,
    *,
    apply: bool,
    files_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> tuple[dict, str]:
    """Record an import's end ("applied" or "dry_run") with its summary; with `files_dir`,
    write its annotated copy. Returns the job's (summary, message)."""
    summary = outcome.summary
    if files_dir is not None:
        if progress:
            progress(summary["rows"], summary["rows"], "Đang tạo bản chú thích")
        annotate(run, outcome, files_dir)
    run.status = "applied" if apply else "dry_run"
    run.dry_run = not apply
    run.summary_json = json.dumps(summary, ensure_ascii=False)
    run.affected_json = json.dumps(outcome.affected) if apply else None
    session.flush()
    return dict(summary, import_id=run.id), import_message(summary)


def fail_import(session: Session, job: JobRun, import_id: int) -> None:
    """The import's job failed: the import run says so (nothing of it was written)."""
    imp = in_unit(session, ImportRun, import_id, job.unit_id)
    if imp is not None:
        imp.status = "failed"
        session.flush()


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


def _run_import(session, run, screening_date, apply, user, progress, max_rows) -> ImportOutcome:
    report = progress or (lambda done, total, stage: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    report(0, 0, "Đang đọc tệp")
    path = Path(run.stored_path)
    if not path.exists():
        raise ImportError_("Không còn tệp đã tải lên trên máy chủ; hãy tải tệp lên lại.")
    mapping = run.mapping
    problems = validate_mapping(mapping, run.person_kind)
    if problems:
        raise ImportError_(" ".join(problems))
    all_rows = read_rows(path, run.kind, run.sheet or "")
    header = HeaderGuess(run.header_row or 0, run.data_start or 1)
    rows, skipped_rows = split_rows(all_rows, header)
    if not rows:
        raise ImportError_("Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào.")
    if len(rows) > max_rows:
        raise ImportError_(
            f"Tệp có {vn_number(len(rows))} dòng, vượt giới hạn {vn_number(max_rows)} dòng."
        )
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
    kinds = {"_kind": [run.person_kind] * total} if run.person_kind != "child" else {}
    result = screen_columns({**columns, **kinds}, screening_date)
    records = result.records
    # Spellings of the commune's hamlets (and of the hamlets merged away) take their name.
    hamlets.resolve_records(
        session, run.unit_id, records, columns.get("hamlet", [None] * total), register=apply
    )
    timings["screen"] = time.perf_counter() - t1
    report(total // 3, total, "Đang đối chiếu với hồ sơ đã có")

    t2 = time.perf_counter()
    merge = RosterMerge(session, run, user, screening_date, apply)
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
        "skipped_rows": skipped_rows,
        "created": merge.created,
        "updated": merge.updated,
        "unchanged": merge.unchanged,
        "conflicts": merge.conflicts,
        "disappeared": merge.disappeared,
        "reappeared": merge.reappeared,
        # Step 4: records ticked as typed into the software, against what this export shows.
        "software": dict(merge.software),
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


def differences_waiting(summary: dict) -> int:
    """The differences an import left for a decision: its conflicts and the records no longer
    in the export (both wait on the differences page; older summaries have no "disappeared")."""
    return summary["conflicts"] + (summary.get("disappeared") or 0)


def import_message(summary: dict) -> str:
    """One Vietnamese sentence summing an import up (numbers with Vietnamese separators)."""

    n = vn_number
    waiting = differences_waiting(summary)
    if summary.get("dry_run"):
        head = f"Chạy thử: đã đọc {n(summary['rows'])} dòng; chưa thay đổi hồ sơ nào."
        return (
            f"{head} Nếu nhập: {n(summary['created'])} hồ sơ mới, {n(summary['updated'])} "
            f"hồ sơ cập nhật, {n(waiting)} điểm khác biệt cần quyết định."
        )
    return (
        f"Đã nhập {n(summary['rows'])} dòng: {n(summary['created'])} hồ sơ mới, "
        f"{n(summary['updated'])} cập nhật, {n(summary['unchanged'])} không đổi, "
        f"{n(waiting)} điểm khác biệt cần quyết định."
    )
