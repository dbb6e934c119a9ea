"""Hostile files (tests/hostile_files.py) on every upload page: the import (step 1), the police's
returned sheet and the signed copy (step 3). Each is refused with one Vietnamese message and
nothing written (row counts of every table and the files folder unchanged) or, for the
legitimate ones, imported correctly; never a 500 or a hang (issue 16)."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Batch, ImportRun, JobRun, Person

from .. import hostile_files as hf
from ..conftest import csrf_token

CORPUS = [pytest.param(h, id=h.key) for h in hf.CORPUS]
FLASH = re.compile(r'<div class="flash flash-(\w+)" role="status">(.*?)</div>', re.S)
ERROR = re.compile(r'class="[^"]*\berror\b[^"]*"[^>]*>\s*([^<]+)<')
TOO_LARGE = "Tệp quá lớn"


def send(client, url, hostile):
    """POST the file as a browser would. The multipart body is built here, in memory: the test
    client would spool a large one to a temporary file it leaves open when the app answers 413."""
    boundary = "treem-hostile-boundary"
    name = hostile.filename.encode("utf-8", "surrogateescape").replace(b'"', b"%22")
    name = name.replace(b"\r", b"%0D").replace(b"\n", b"%0A")  # as browsers escape them
    body = b"".join([
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'.encode(),
        csrf_token(client, "/home").encode(),
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="'.encode(),
        name,
        b'"\r\nContent-Type: application/octet-stream\r\n\r\n',
        hostile.data,
        f"\r\n--{boundary}--\r\n".encode(),
    ])  # fmt: skip
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def issued(unit) -> Batch:
    """An issued list with no rows: every file below is refused before its rows matter."""
    batch = Batch(unit=unit, number="01/2026", year=2026, seq=1, state="issued",
                  issued_on=date(2026, 6, 18), content_hash="0" * 64)  # fmt: skip
    db.session.add(batch)
    db.session.commit()
    return batch


def flashes(client, resp) -> list[tuple[str, str]]:
    assert resp.status_code == 302, resp.status_code
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    return FLASH.findall(page)


def returned_says(hostile) -> str:
    if hostile.says and hostile.at_check:
        return hostile.says
    if hostile.filename.endswith((".csv", ".txt")):
        return "phải là tệp Excel (.xlsx)"
    if hostile.filename.endswith(".xls"):
        return "phải là tệp Excel (.xlsx)"
    return "không phải tệp trả kết quả do treem tạo"


@pytest.mark.parametrize("hostile", CORPUS)
def test_every_upload_page_refuses_or_imports_each_file(
    app, make, client, login, post, run_jobs, hostile
):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    batch = issued(tree["a"])
    files_dir = app.config["TREEM_FILES_DIR"]
    login(officer)
    big = hostile.key == "over-limit"
    with hf.alarm(30):
        # The police's returned sheet.
        before = hf.snapshot(files_dir)
        resp = send(client, f"/batches/{batch.id}/returns", hostile)
        if big:
            assert resp.status_code == 413 and TOO_LARGE in resp.get_data(as_text=True)
        else:
            said = flashes(client, resp)
            assert len(said) == 1 and said[0][0] == "danger", said
            assert returned_says(hostile) in said[0][1], said
        assert hf.snapshot(files_dir) == before
        # The signed copy.
        resp = send(client, f"/batches/{batch.id}/signed", hostile)
        if big:
            assert resp.status_code == 413 and TOO_LARGE in resp.get_data(as_text=True)
        else:
            said = flashes(client, resp)
            assert len(said) == 1 and said[0][0] == "danger", said
            assert hostile.signed_says in said[0][1], said
            assert "\x1b" not in said[0][1] and "../" not in said[0][1]
        assert hf.snapshot(files_dir) == before
        # The import.
        resp = send(client, "/imports", hostile)
        if big:
            assert resp.status_code == 413 and TOO_LARGE in resp.get_data(as_text=True)
            assert hf.snapshot(files_dir) == before
            return
        if not hostile.legitimate:
            page = resp.get_data(as_text=True)
            assert resp.status_code == 422, page[:300]
            assert hostile.says in page
            assert "\x1b" not in page and "Traceback" not in page
            assert hf.snapshot(files_dir) == before
            return
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        run = db.session.scalar(select(ImportRun))
        assert "\x1b" not in run.original_name and "/" not in run.original_name
        form = {f"col-{i}": f for i, f in run.mapping.items()}
        started = post(f"/imports/{run.id}/start", {**form, "mode": "apply"})
        assert started.status_code == 302
        run_jobs()
    job = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    assert job.status == "finished", job.message
    people = db.session.scalars(select(Person)).all()
    assert len(people) == hostile.rows
    assert {p.full_name for p in people} >= set(hostile.names)
