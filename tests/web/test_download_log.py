"""Every download of a file holding personal data is in the personal-data access log (issue 19):
one `access_logs` row per download, with who (the user), when, which file and which unit (its
code and name), whoever downloads it: officer, administrator or reporter."""

from __future__ import annotations

import io

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import AccessLog, BatchReturn, ImportRun, JobRun, SignedCopy

from ..files.test_signed_copy import pdf_bytes
from ..returns import fill, issued_batch, right_id
from .test_imports import upload
from .test_report_pages import stored
from .test_returns import upload as upload_return


def test_every_download_of_personal_data_is_logged_with_its_unit(
    app, make, client, login, post, run_jobs, tmp_path
):
    tree = make.tree()
    unit = tree["a"]
    officer = make.user("officer", unit)
    reporter = make.user("reporter", tree["district"])
    admin = make.user("admin", tree["province"])
    report = stored(tree["district"], "2026-W48", tmp_path)
    batch, children, sheet = issued_batch(app, make, unit, 3, tmp_path)
    seen: list[tuple[str, int, str]] = []

    def download(user, url: str, owner, what: str) -> None:
        before = db.session.scalar(select(db.func.max(AccessLog.id))) or 0
        resp = client.get(url)
        resp.close()
        assert resp.status_code == 200, url
        db.session.expire_all()
        rows = db.session.scalars(select(AccessLog).where(AccessLog.id > before)).all()
        assert len(rows) == 1, (url, [r.detail for r in rows])
        (row,) = rows
        assert row.user_id == user.id and row.at is not None and row.person_id is None
        assert row.action == ("export" if url.startswith("/changes/") else "download")
        assert owner.code in row.detail and owner.name in row.detail, (url, row.detail)
        assert what in row.detail, (url, row.detail)
        seen.append((url, user.id, row.detail))

    login(officer)
    download(officer, "/imports/sample.xlsx", unit, "sample export")
    sample = client.get("/imports/sample.xlsx").data
    assert upload(post, sample, "mau.xlsx").status_code == 302
    imp = db.session.scalar(select(ImportRun).order_by(ImportRun.id.desc()))
    form = {f"col-{i}": f for i, f in imp.mapping.items()}
    assert post(f"/imports/{imp.id}/start", {**form, "mode": "apply"}).status_code == 302
    run_jobs()
    annotated = f"/imports/{imp.id}/annotated.xlsx"
    download(officer, annotated, unit, f"import {imp.id}")
    download(officer, f"/batches/{batch.id}/files/pdf", unit, f"batch {batch.id} pdf")
    download(officer, f"/batches/{batch.id}/files/xlsx", unit, f"batch {batch.id} xlsx")

    answers = {i + 1: (right_id(c, i), "Đã xác thực", None) for i, c in enumerate(children)}
    assert upload_return(post, batch.id, fill(sheet, tmp_path / "back.xlsx", answers)).status_code
    run_jobs()
    ret = db.session.scalar(select(BatchReturn))
    assert ret.status == "applied"
    returned = f"/batches/{batch.id}/returns/{ret.id}/ket-qua.xlsx"
    download(officer, returned, unit, f"return {ret.id}")
    signed = post(
        f"/batches/{batch.id}/signed",
        {"file": (io.BytesIO(pdf_bytes(1)), "ban-ky.pdf")},
        content_type="multipart/form-data",
    )
    assert signed.status_code == 302
    copy = db.session.scalar(select(SignedCopy))
    download(officer, f"/batches/{batch.id}/signed/{copy.id}", unit, f"signed {copy.id}")
    assert post("/visit-sheets", {"hamlet": ""}).status_code == 302
    run_jobs()
    job = db.session.scalar(select(JobRun).where(JobRun.kind == "visit_sheets"))
    assert job.status == "finished", job.message
    download(officer, f"/jobs/{job.id}/download", unit, f"job {job.id}")
    download(officer, "/changes/export.xlsx", unit, "xuất dữ liệu đã làm sạch")

    post("/logout")
    login(reporter)
    download(reporter, annotated, unit, f"import {imp.id}")
    download(reporter, f"/reports/files/{report.id}", tree["district"], f"report {report.id}")
    post("/logout")
    login(admin)
    download(admin, annotated, unit, f"import {imp.id}")
    assert len(seen) == 11


def test_uploads_and_downloads_write_an_info_line_with_ids_only(
    app, make, client, login, post, caplog, tmp_path
):
    """The app's own log says who uploaded or downloaded which file of which unit (INFO, the
    default TREEM_LOG_LEVEL): ids and codes, never a name a child or an uploader wrote."""
    unit = make.unit()
    officer = make.user("officer", unit)
    login(officer)
    caplog.set_level("INFO", logger="treem_app")
    sample = client.get("/imports/sample.xlsx").data
    assert upload(post, sample, "Nguyễn Văn Tên Tệp.xlsx").status_code == 302
    imp = db.session.scalar(select(ImportRun).order_by(ImportRun.id.desc()))
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("treem_app")]
    assert f"download: sample export of unit {unit.code} by user {officer.id}" in lines
    assert f"upload: import {imp.id} of unit {unit.code} by user {officer.id}" in lines
    assert not any("Tên Tệp" in line for line in lines)


def test_the_app_logs_at_info_unless_told_otherwise(app):
    import logging

    assert app.config["TREEM_LOG_LEVEL"] == "INFO"
    assert logging.getLogger("treem_app").getEffectiveLevel() == logging.INFO
