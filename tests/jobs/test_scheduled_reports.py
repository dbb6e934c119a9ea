"""The scheduled report jobs (issue 14): at the cut-off the week just closed is frozen and the
reports of the province and its districts are stored once; the monthly summary the same way; a
failed run is recorded in Vietnamese and shown until a run of the same period succeeds."""

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from treem_app.domain.reports import cutoff
from treem_app.extensions import db
from treem_app.jobs import scheduled_monthly_reports, scheduled_weekly_reports
from treem_app.models import JobRun, ReportFile, WeekSnapshot
from treem_app.queue import get_queue
from treem_app.services import report_files

from ..report_helpers import give_figures

WEEK = "2026-W49"
AFTER = cutoff(WEEK) + dt.timedelta(minutes=1)


def files_by_key():
    return db.session.execute(
        select(
            ReportFile.unit_id, ReportFile.kind, ReportFile.period, ReportFile.format, func.count()
        ).group_by(ReportFile.unit_id, ReportFile.kind, ReportFile.period, ReportFile.format)
    ).all()


def test_weekly_job_run_twice_stores_one_report_per_unit_period_and_format(make, ctx):
    tree = make.tree()
    give_figures(tree["a"], 5, 3)
    assert scheduled_weekly_reports() == 1  # one run: the one province
    assert scheduled_weekly_reports() == 0  # nothing missing: no run at all
    rows = files_by_key()
    units = {u for u, *_ in rows}
    assert units == {tree["province"].id, tree["district"].id, tree["other_district"].id}
    assert {n for *_k, n in rows} == {1}
    assert len(rows) == 3 * len(report_files.available_formats())
    files = db.session.scalars(select(ReportFile)).all()
    assert all(
        f.frozen and f.created_by_id is None and Path(f.stored_path).is_file() for f in files
    )
    # the week was frozen: one snapshot per commune
    assert db.session.scalar(select(func.count()).select_from(WeekSnapshot)) == 3 * 2  # two kinds
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "scheduled_reports"))
    assert run.status == "finished" and run.created_by_id is None
    assert "theo lịch" in run.message


def test_the_service_at_a_given_cutoff_is_idempotent(make, ctx, app, tmp_path):
    tree = make.tree()
    give_figures(tree["b"], 4, 1)
    province = tree["province"]
    assert report_files.scheduled_period(db.session, province, "weekly", now=AFTER) == WEEK
    first = report_files.build_scheduled(
        db.session, province, "weekly", WEEK, files_dir=tmp_path, now=AFTER
    )
    db.session.commit()
    again = report_files.build_scheduled(
        db.session, province, "weekly", WEEK, files_dir=tmp_path, now=AFTER + dt.timedelta(hours=1)
    )
    assert first["built"] == 3 * len(report_files.available_formats()) and first["frozen"] == 3
    assert again == {"period": WEEK, "frozen": 0, "built": 0}
    assert report_files.missing_reports(db.session, province, "weekly", WEEK) == []


def test_monthly_job_builds_the_month_before_once(make, ctx):
    tree = make.tree()
    give_figures(tree["c"], 2, 2)
    assert scheduled_monthly_reports() == 1
    assert scheduled_monthly_reports() == 0
    rows = db.session.scalars(select(ReportFile).where(ReportFile.kind == "monthly")).all()
    assert len(rows) == 3 * len(report_files.available_formats())
    assert len({r.period for r in rows}) == 1


def test_the_job_runs_from_the_reports_queue(make, ctx, run_jobs):
    tree = make.tree()
    get_queue("reports").enqueue("treem_app.jobs.scheduled_weekly_reports")
    run_jobs()
    assert db.session.scalar(select(func.count()).select_from(ReportFile)) == 3 * len(
        report_files.available_formats()
    )
    assert report_files.last_failures(db.session, tree["a"]) == []


def test_a_failed_scheduled_run_is_recorded_and_shown_until_a_run_succeeds(
    make, ctx, app, tmp_path
):
    tree = make.tree()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    saved = app.config["TREEM_FILES_DIR"]
    app.config["TREEM_FILES_DIR"] = str(blocker)  # the files folder cannot be written
    try:
        assert scheduled_weekly_reports() == 1
    finally:
        app.config["TREEM_FILES_DIR"] = saved
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "scheduled_reports"))
    assert run.status == "failed"
    assert run.message.startswith("Lỗi hệ thống")
    assert db.session.scalar(select(func.count()).select_from(ReportFile)) == 0
    # every unit of the province sees the failure (a commune, a district)
    assert report_files.last_failures(db.session, tree["a"]) == [run]
    assert report_files.last_failures(db.session, tree["other_district"]) == [run]
    # the next hour's run builds them, and the warning goes
    assert scheduled_weekly_reports() == 1
    assert report_files.last_failures(db.session, tree["a"]) == []
    assert db.session.scalar(select(func.count()).select_from(ReportFile)) == 3 * len(
        report_files.available_formats()
    )
