"""Thin RQ entry points: take a JobRun id, run one service, commit, record the outcome.

Progress lives in job.meta (transient); the JobRun row records start and end. The work and the
final status commit in one transaction, so a worker killed mid-job leaves nothing half-applied.
"""

from __future__ import annotations

import functools
from datetime import date

from flask import current_app, has_app_context
from rq import get_current_job
from sqlalchemy import select

from . import clock
from .domain.formatting import vn_number
from .extensions import db
from .models import JobRun
from .services import job_runs
from .services.access import get_scoped, in_unit


class JobError(Exception):
    """An expected failure with a Vietnamese message for the user; nothing is written."""


def with_app_context(fn):
    """Run the job inside the app context the worker pushed, or a fresh one."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        from . import create_app

        with create_app().app_context():
            return fn(*args, **kwargs)

    return wrapper


def _progress(done: int, total: int, stage: str) -> None:
    job = get_current_job()
    if job is not None:
        job.meta.update({"done": done, "total": total, "stage": stage})
        job.save_meta()


def _start(run_id: int) -> JobRun:
    run = get_scoped(db.session, None, JobRun, run_id)
    if run is None:
        raise LookupError(f"job run {run_id} not found")
    job_runs.start(run)
    db.session.commit()
    return run


class Superseded(Exception):
    """The run is no longer this job's: it was declared interrupted (its worker looked dead)
    or taken again by another job while this one worked."""


def still_ours(run_id: int) -> None:
    """Before the work commits, the run must still be running, and as this RQ job.

    A work horse can outlive its killed worker: recovery then marks the run interrupted and
    the officer may run it again. The row is read under a lock (PostgreSQL; a SQLite writer
    holds the database), so the recovery and this commit cannot both win.
    """
    status, rq_job_id = db.session.execute(
        select(JobRun.status, JobRun.rq_job_id).where(JobRun.id == run_id).with_for_update()
    ).one()
    current = get_current_job()
    if status != "running" or (current is not None and rq_job_id not in (None, current.id)):
        raise Superseded(f"job run {run_id} is {status} as {rq_job_id}")


def _run(run_id: int, work) -> None:
    run = _start(run_id)
    try:
        summary, message = work(run)
        still_ours(run_id)
        job_runs.finish(run, summary, message)
        db.session.commit()
    except Superseded as exc:
        db.session.rollback()  # its work is dropped; the run keeps what recovery said
        current_app.logger.warning("job run %s: work dropped (%s)", run_id, exc)
    except JobError as exc:
        db.session.rollback()
        _fail(run_id, str(exc))
    except Exception:
        db.session.rollback()
        _fail(
            run_id,
            "Lỗi hệ thống trong khi xử lý; chưa có thay đổi nào được lưu. "
            "Quản trị viên có thể xem chi tiết trong nhật ký hệ thống.",
        )
        current_app.logger.exception("job run %s failed", run_id)
        raise


def _fail(run_id: int, message: str) -> None:
    job_runs.fail(get_scoped(db.session, None, JobRun, run_id), message)
    db.session.commit()


@with_app_context
def rebuild_findings(run_id: int, screening_date: str | None = None) -> None:
    """Re-screen the persons of the run's unit subtree and update their findings."""
    from .services.findings import rebuild_findings as service

    def work(run: JobRun):
        day = date.fromisoformat(screening_date) if screening_date else clock.today()
        summary = service(db.session, run.unit, day, _progress)
        message = (
            f"Đã rà soát {vn_number(summary['persons'])} hồ sơ: {vn_number(summary['opened'])} "
            f"lỗi mới, {vn_number(summary['resolved'])} lỗi đã được khắc phục."
        )
        return summary, message

    _run(run_id, work)


@with_app_context
def requeue_pending() -> int:
    """Scheduled: enqueue runs whose RQ job was lost while Redis was down or flushed."""
    from .queue import requeue_pending as service

    return service()


@with_app_context
def recover_interrupted() -> int:
    """Scheduled: mark interrupted the runs whose worker died (they can be run again)."""
    from .queue import recover_interrupted as service

    return service()


@with_app_context
def prune_login_throttles() -> int:
    """Scheduled: delete the failed sign-ins that no longer count (no lock, none in a day)."""
    from .services.accounts import prune_throttles

    pruned = prune_throttles(db.session)
    db.session.commit()
    return pruned


@with_app_context
def fold_queue_counts() -> int:
    """Scheduled: move the work queue's appended count changes into its counts (issue 15)."""
    from .services.queue_counts import fold

    moved = fold(db.session)
    db.session.commit()
    return moved


@with_app_context
def roster_import(run_id: int, import_id: int, screening_date: str, apply: bool) -> None:
    """Step 1 for one uploaded export: screen it, merge it (unless a dry run), annotate it."""
    from .files.upload_checks import UploadError
    from .services import roster_import as service

    def work(run: JobRun):
        try:
            return service.run_queued(
                db.session,
                run,
                import_id,
                screening_date=date.fromisoformat(screening_date),
                apply=apply,
                files_dir=current_app.config["TREEM_FILES_DIR"],
                max_rows=current_app.config["TREEM_MAX_IMPORT_ROWS"],
                progress=_progress,
            )
        except UploadError as exc:
            raise JobError(str(exc)) from exc

    _run(run_id, work)
    run = get_scoped(db.session, None, JobRun, run_id)
    if run is not None and run.status == "failed":
        service.fail_import(db.session, run, import_id)
        db.session.commit()


@with_app_context
def visit_sheets(run_id: int, hamlet: str | None = None) -> None:
    """Render the household-visit sheets (PDF) of the run's unit, one hamlet or all."""
    from pathlib import Path

    from .services.visit_sheets import render_visit_sheets

    def work(run: JobRun):
        target = Path(current_app.config["TREEM_FILES_DIR"]) / "documents" / f"visit-{run.id}.pdf"
        summary = render_visit_sheets(
            db.session, run.unit, hamlet, target, today=clock.today(), progress=_progress
        )
        run.result_file = str(target)
        message = (
            f"Đã tạo phiếu xác minh cho {vn_number(summary['children'])} trẻ "
            f"ở {summary['hamlets']} thôn."
        )
        return summary, message

    _run(run_id, work)


@with_app_context
def change_sheet(run_id: int, only: str = "all", kind: str | None = None) -> None:
    """Render the work sheet of step 4 (PDF): the commune's change list under one filter (of
    one kind of person when `kind` is given)."""
    from pathlib import Path

    from .services.change_sheets import render_change_sheet

    def work(run: JobRun):
        target = Path(current_app.config["TREEM_FILES_DIR"]) / "documents" / f"changes-{run.id}.pdf"
        summary = render_change_sheet(
            db.session,
            run.unit,
            only,
            target,
            today=clock.today(),
            preparer=run.created_by,
            progress=_progress,
            kind=kind,
        )
        run.result_file = str(target)
        message = (
            f"Đã tạo phiếu cập nhật lên phần mềm cho {vn_number(summary['children'])} hồ sơ "
            f"ở {summary['hamlets']} thôn."
        )
        return summary, message

    _run(run_id, work)


@with_app_context
def batch_documents(run_id: int, batch_id: int) -> None:
    """Render an issued batch's PDF list and return sheet into the files folder."""
    from pathlib import Path

    from .models import Batch
    from .services.batches import BatchError, record_documents, render_documents

    def work(run: JobRun):
        batch = in_unit(db.session, Batch, batch_id, run.unit_id)
        if batch is None:  # a job never crosses its unit
            raise JobError("Không tìm thấy danh sách này.")
        out_dir = Path(current_app.config["TREEM_FILES_DIR"]) / "batches" / str(batch.id)
        try:
            pdf, xlsx = render_documents(
                db.session,
                batch,
                out_dir,
                public_url=current_app.config.get("TREEM_PUBLIC_URL") or "http://127.0.0.1:8000",
                progress=_progress,
                sheet_password=current_app.config.get("TREEM_SHEET_PASSWORD"),
            )
        except BatchError as exc:
            raise JobError(str(exc)) from exc
        return record_documents(db.session, batch, pdf, xlsx)

    _run(run_id, work)


@with_app_context
def batch_ingest(run_id: int, return_id: int) -> None:
    """Step 3 for one returned sheet: recognise it, judge every row, apply, in one transaction."""
    from .models import Batch, BatchReturn
    from .services.batch_ingest import ReturnRefused, ingest_file

    def work(run: JobRun):
        ret = db.session.get(BatchReturn, return_id)
        batch = in_unit(db.session, Batch, ret.batch_id, run.unit_id) if ret else None
        if batch is None:  # a job never crosses its unit
            raise JobError("Không tìm thấy danh sách này.")
        try:
            summary = ingest_file(
                db.session,
                batch,
                ret.stored_path,
                user=run.created_by,
                today=clock.today(),
                ret=ret,
                progress=_progress,
            )
        except ReturnRefused as exc:
            raise JobError(str(exc)) from exc
        summary = {**summary, "return_id": ret.id}
        return summary, ret.message

    _run(run_id, work)
    run = get_scoped(db.session, None, JobRun, run_id)
    if run is not None and run.status == "failed":
        ret = db.session.get(BatchReturn, return_id)
        if ret is not None and ret.status == "queued":
            ret.status, ret.message = "refused", run.message
            db.session.commit()


@with_app_context
def report_file(run_id: int, kind: str, period: str, fmt: str, person_kind: str = "child") -> None:
    """Build one weekly or monthly report of the run's unit on demand (a ReportFile row), of
    the children or the beneficiaries. The week just closed is frozen first, as the schedule
    would at the cut-off."""
    from .domain import reports as dom
    from .models._common import utcnow
    from .services import report_files
    from .services import reports as svc

    def work(run: JobRun):
        now, zone_name = utcnow(), clock.zone_name()
        try:
            if kind == "weekly":
                weekday, hour = svc.cutoff_settings(db.session, run.unit)
                if dom.normal_week(period) == dom.last_closed_week(now, weekday, hour, zone_name):
                    svc.freeze_week(db.session, run.unit, period, now=now, zone_name=zone_name)
            row = report_files.build_report_file(
                db.session,
                run.unit,
                kind,
                period,
                fmt,
                run.created_by,
                files_dir=current_app.config["TREEM_FILES_DIR"],
                now=now,
                zone_name=zone_name,
                job_run=run,
                person_kind=person_kind,
            )
        except (svc.ReportError, dom.PeriodError) as exc:
            raise JobError(str(exc)) from exc
        title = report_files.report_title(run.unit, kind, row.period, person_kind)
        state = "số liệu đã chốt" if row.frozen else "số liệu chưa chốt"
        title = title[0].lower() + title[1:]
        return {"report_file_id": row.id}, f"Đã lập {title} ({state})."

    _run(run_id, work)


def _scheduled(kind: str) -> int:
    """Every province whose scheduled reports of the current period are missing: a JobRun of
    its own (so a failure is recorded and shown), then the build. Returns how many runs."""
    from .models import Unit
    from .models._common import utcnow
    from .services import report_files
    from .services import reports as svc

    now, zone_name = utcnow(), clock.zone_name()
    provinces = db.session.scalars(
        select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code)
    ).all()
    count = 0
    for province in provinces:
        period = report_files.scheduled_period(
            db.session, province, kind, now=now, zone_name=zone_name
        )
        if not report_files.missing_reports(db.session, province, kind, period):
            continue
        run = job_runs.record(
            db.session, report_files.SCHEDULED_KIND, province, None, [kind, period]
        )
        db.session.commit()
        count += 1

        def work(run: JobRun, kind=kind, period=period):
            when = dom_period_label(kind, period)
            try:
                summary = report_files.build_scheduled(
                    db.session,
                    run.unit,
                    kind,
                    period,
                    files_dir=current_app.config["TREEM_FILES_DIR"],
                    now=now,
                    zone_name=zone_name,
                    job_run=run,
                    progress=_progress,
                )
            except svc.ReportError as exc:
                raise JobError(f"Không lập được báo cáo {when} theo lịch: {exc}") from exc
            return summary, (f"Đã lập {vn_number(summary['built'])} tệp báo cáo {when} theo lịch.")

        try:
            _run(run.id, work)
        except Exception:  # recorded on the run and logged by _run; go on with the next province
            db.session.rollback()
    return count


def dom_period_label(kind: str, period: str) -> str:
    from .domain import reports as dom

    return dom.vn_week(period).lower() if kind == "weekly" else dom.vn_month(period).lower()


@with_app_context
def scheduled_weekly_reports() -> int:
    """Scheduled hourly: at each province's cut-off, freeze the week just closed and build the
    weekly reports of the province and its districts (nothing when they are stored already)."""
    return _scheduled("weekly")


@with_app_context
def scheduled_monthly_reports() -> int:
    """Scheduled daily: the monthly summary of the month before, for every province and
    district, built on the first run of the month (nothing when stored already)."""
    return _scheduled("monthly")
