"""No child's name or ID number reaches a log line (issue 16, issue 19 "names and logs").

A realistic week runs with every logger open at DEBUG — the app's, Flask's, the RQ worker's
(result lines included) and SQLAlchemy's statements — through the web, the worker and the
console: an export imported, a fact corrected, a list issued and its documents rendered, the
police's sheet ingested, the cleaned export and a report built. Then every log line (messages,
arguments and tracebacks) is scanned for every name and ID number in the data.
"""

from __future__ import annotations

import io
import logging
import traceback
from pathlib import Path

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from treem_app.cli import main
from treem_app.domain.names import name_key
from treem_app.extensions import db
from treem_app.models import Batch, BatchReturn, ImportRun, JobRun, Person, User
from treem_app.queue import QUEUES

from .. import exports
from ..batch_helpers import ready_children
from ..returns import fill, right_id

LOGGERS = ("", "treem_app", "rq", "rq.worker", "rq.queue", "rq.job", "flask.app", "werkzeug")


class Everything(logging.Handler):
    """Keeps each record as the text a log file would hold (message and traceback)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.name} {record.levelname} {record.getMessage()}"
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.lines.append(text)


@pytest.fixture
def logs():
    handler = Everything()
    saved = {name: logging.getLogger(name).level for name in (*LOGGERS, "sqlalchemy.engine")}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    # INFO: every SQL statement the app sends (DEBUG would add the rows it reads back, a
    # developer's setting never used outside a laptop).
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def work(app, redis) -> None:
    """Run the queued jobs with a real RQ worker logging at DEBUG (result lines included)."""
    db.session.commit()
    with app.app_context():
        SimpleWorker(list(QUEUES), connection=redis).work(burst=True, logging_level="DEBUG")
        db.session.remove()
    db.session.expire_all()


def fetch(client, url: str) -> int:
    """GET a download and close it (send_file streams the stored file)."""
    resp = client.get(url)
    resp.close()
    return resp.status_code


def secrets_in_data(extra_names=()) -> set[str]:
    """Every name and ID number of the data, as typed and in their folded search form."""
    found: set[str] = set(extra_names)
    for p in db.session.scalars(select(Person)):
        for value in (p.full_name, p.mother_name, p.father_name, p.id_number):
            if value and len(value) >= 6:
                found.add(value)
        if p.full_name:
            found.add(name_key(p.full_name))
    for u in db.session.scalars(select(User)):
        if u.full_name:
            found.add(u.full_name)
    return found


def test_no_name_or_id_number_in_any_log_line(
    app, make, client, login, post, redis, logs, tmp_path
):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Trần Thị Cán Bộ")
    reporter = make.user("reporter", tree["district"], full_name="Phạm Văn Báo Cáo")
    rows = exports.child_rows(40, code=tree["a"].code)
    login(officer)

    # Step 1 on the web: upload, dry run, apply (the worker screens and writes).
    data = exports.export_bytes(tree["a"], rows)
    resp = post(
        "/imports",
        {"file": (io.BytesIO(data), "danh-sach.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    run = db.session.scalar(select(ImportRun))
    form = {f"col-{i}": f for i, f in run.mapping.items()}
    for mode in ("dry_run", "apply"):
        assert post(f"/imports/{run.id}/start", {**form, "mode": mode}).status_code == 302
        work(app, redis)
    assert db.session.scalar(select(JobRun).order_by(JobRun.id.desc())).status == "finished"
    imported = db.session.scalars(select(Person)).all()
    assert len(imported) >= 30
    assert fetch(client, f"/imports/{run.id}/annotated.xlsx") == 200

    # Step 2: search by name and by number, correct a fact, open a record.
    child = imported[0]
    assert client.get("/records", query_string={"q": child.full_name}).status_code == 200
    resp = post(
        f"/records/{child.id}/facts/hamlet",
        {"value": "Thôn Phú Mỹ Hai", "source": "household_visit", "version": str(child.version)},
        headers={"HX-Request": "true"},
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert client.get(f"/records/{child.id}").status_code == 200

    # Handover: a list of ready children, issued, its documents rendered by the worker.
    ready = ready_children(make, tree["a"], 8, seed=11)
    assert post("/batches").status_code == 302
    batch = db.session.scalar(select(Batch))
    assert post(f"/batches/{batch.id}/issue").status_code == 302
    work(app, redis)
    db.session.refresh(batch)
    assert batch.xlsx_path and batch.pdf_path
    assert fetch(client, f"/batches/{batch.id}/files/pdf") == 200

    # Step 3: the police's sheet back, ingested by the worker.
    children = [r.person for r in sorted(batch.rows, key=lambda r: r.position)]
    answers = {i + 1: (right_id(c, 300 + i), "Đã xác thực", None) for i, c in enumerate(children)}
    back = fill(Path(batch.xlsx_path), tmp_path / "tra-ve.xlsx", answers)
    resp = post(
        f"/batches/{batch.id}/returns",
        {"file": (io.BytesIO(back.read_bytes()), "tra-ve.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    work(app, redis)
    assert db.session.scalar(select(BatchReturn)).status == "applied"

    # Step 4: the cleaned export on the web and on the console, a refused upload (logged).
    assert fetch(client, "/changes/export.xlsx") == 200
    runner = app.test_cli_runner()
    out = tmp_path / "sach.xlsx"
    result = runner.invoke(main, ["export", "cleaned", "--unit", tree["a"].code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    bad = post(
        "/imports",
        {"file": (io.BytesIO(b"PK\x03\x04" + child.full_name.encode()), f"{child.full_name}.xlsx")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422

    # Reports: a reporter builds one; the console builds another.
    post("/logout")
    login(reporter)
    form = {"unit": tree["district"].code, "kind": "weekly", "week": "2026-W10", "format": "xlsx"}
    assert post("/reports/build", form).status_code == 302
    work(app, redis)
    result = runner.invoke(
        main,
        ["report", "weekly", "--unit", tree["a"].code, "--week", "2026-W10",
         "--out", str(tmp_path / "bc.pdf")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output

    secrets = secrets_in_data([c["full_name"] for c in rows if c.get("full_name")])
    secrets |= {right_id(c, 300 + i) for i, c in enumerate(children)}
    assert len(secrets) > 100 and any(p.full_name in secrets for p in ready)
    assert len(logs.lines) > 200, "the flow logged almost nothing: is the capture working?"
    assert any("sqlalchemy.engine" in line for line in logs.lines)  # statements were seen

    assert any(line.startswith("rq.worker DEBUG") for line in logs.lines)  # the worker's too
    leaks = [(s, line[:300]) for line in logs.lines for s in secrets if s in line]
    assert leaks == [], f"{len(leaks)} log lines hold personal data, e.g. {leaks[:3]}"
