"""The import's and a batch's documents' lifecycles, as services (the session passed in)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from treem_app.extensions import db
from treem_app.files.xlsx_read import preview
from treem_app.services import batches, job_runs, roster_import

from .. import exports
from ..batch_helpers import ready_children
from .test_roster_import import upload

DAY = date(2026, 11, 18)


def test_an_import_is_queued_once_run_and_finished(app, make):
    unit = make.unit()
    officer = make.user("officer", unit)
    run = upload(app, unit, exports.export_bytes(unit, exports.child_rows(5)))
    job = roster_import.queue_import(
        db.session, run, run.mapping, officer, screening_date=DAY, apply=True
    )
    db.session.commit()
    assert run.status == "queued" and run.job_run_id == job.id
    assert job.kind == "roster_import" and job.status == "queued"
    assert job_runs.args_of(job) == [run.id, DAY.isoformat(), True]
    with pytest.raises(roster_import.ImportBusy):
        roster_import.queue_import(
            db.session, run, run.mapping, officer, screening_date=DAY, apply=True
        )
    summary, message = roster_import.run_queued(
        db.session,
        job,
        run.id,
        screening_date=DAY,
        apply=True,
        files_dir=app.config["TREEM_FILES_DIR"],
        max_rows=1000,
    )
    assert run.status == "applied" and not run.dry_run and summary["import_id"] == run.id
    assert summary["created"] == 5 and "5 hồ sơ mới" in message
    assert Path(run.annotated_path).is_file()


def test_a_job_of_another_unit_finds_no_import(app, make):
    tree = make.tree()
    run = upload(app, tree["a"], exports.export_bytes(tree["a"], exports.child_rows(2)))
    job = job_runs.record(db.session, "roster_import", tree["b"], None, [run.id])
    with pytest.raises(roster_import.ImportError_, match="Không tìm thấy"):
        roster_import.run_queued(
            db.session, job, run.id, screening_date=DAY, apply=False, files_dir="/x", max_rows=9
        )
    roster_import.fail_import(db.session, job, run.id)
    assert run.status == "uploaded"  # not the job's: left alone


def test_batch_documents_are_recorded_and_a_queued_run_finished(make, tmp_path):
    tree = make.tree()
    ready_children(make, tree["a"], 2)
    batch = batches.create_draft(db.session, tree["a"], user=None, today=DAY)
    run = batches.issue(db.session, batch, user=None, today=DAY)
    assert job_runs.args_of(run) == [batch.id]
    pdf, xlsx = batches.render_documents(db.session, batch, tmp_path, public_url="http://x")
    summary, message = batches.record_documents(db.session, batch, pdf, xlsx)
    assert batch.pdf_path == str(pdf.resolve()) and batch.xlsx_path == str(xlsx.resolve())
    assert run.status == "finished" and run.result_file == batch.pdf_path
    assert run.result["rows"] == 2 == summary["rows"] and "2 trẻ em" in message


def test_unknown_job_kinds_are_refused(make):
    with pytest.raises(ValueError):
        job_runs.record(db.session, "nope", make.unit(), None)


def test_preview_reads_the_first_rows_as_text(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("h1,h2\n1,05/03/2015\n2,x\n3,y\n4,z\n", encoding="utf-8")
    assert preview(path, "csv", "", 1, 2) == [["1", "05/03/2015"], ["2", "x"]]
    assert preview(tmp_path / "missing.xlsx", "xlsx", "S", 1) == []
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    assert preview(bad, "xlsx", "S", 1) == []
    book = tmp_path / "b.xlsx"
    book.write_bytes(
        exports.simple_xlsx(["A", "B"], [[1.0, date(2015, 3, 5)], ["x" * 50, "y"], ["z", "w"]])
    )
    rows = preview(book, "xlsx", "Danh sách", 1, 2)
    assert rows[0] == ["1", "05/03/2015"] and rows[1][0] == "x" * 40
    assert json.dumps(rows)  # text only
