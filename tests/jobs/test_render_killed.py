"""A real worker killed with SIGKILL while it renders an issued list's documents (issues 16 and
19): its forked renderers die with it (parent-death signal), the recovery the cron runs marks
the documents run interrupted in Vietnamese, the list's page shows "documents missing" with its
one action, and that action makes the PDF and the return sheet exactly once, the list's content
unchanged."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rq import Worker, cron
from rq.job import Job
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Batch, BatchRow, JobRun
from treem_app.queue import INTERRUPTED_MESSAGE, get_queue

from ..batch_helpers import pdf_text, ready_children
from ..files.test_renderer_guard import _alive
from .test_ingest_killed import descendants, start_worker

# A commune's busy week: its PDF takes several seconds to render (in slices, by forked renderers),
# and the rendering again stays within the test's time (500 rows, the largest list, take twice as
# long).
ROWS = 200


def _children(pid: int) -> list[int]:
    return [p for p in descendants(pid) if _ppid(p) == pid]


def _ppid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _content(batch_id: int) -> tuple:
    batch = db.session.get(Batch, batch_id)
    rows = db.session.execute(
        select(BatchRow.position, BatchRow.person_id)
        .where(BatchRow.batch_id == batch_id)
        .order_by(BatchRow.position)
    ).all()
    return batch.state, batch.row_count, batch.content_hash, tuple(map(tuple, rows))


def _run_the_crons_recovery(redis, run_jobs) -> None:
    """Enqueue the recovery exactly as `rq cron treem_app.cron` registers it (function, queue)
    and let a worker run it."""
    import treem_app.cron

    cron._job_data_registry.clear()
    importlib.reload(treem_app.cron)  # its register() calls fill rq's registry again
    job = next(d for d in cron._job_data_registry if d["name"] == "recover-interrupted")
    cron._job_data_registry.clear()
    get_queue(job["queue_name"]).enqueue(job["func"])
    run_jobs()


def _wait_for_renderers(worker, run_id: int, rq_job: Job) -> tuple[int, list[int]]:
    """(work horse, renderers) once the run is recorded running, its progress says the PDF is
    being rendered and the work horse has forked its renderers."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the worker finished before it could be killed"
        stage = rq_job.get_meta(refresh=True).get("stage", "")
        horses = _children(worker.pid)
        renderers = [p for h in horses for p in _children(h)]
        if stage.startswith("Đang dựng") and len(horses) == 1 and len(renderers) >= 2:
            db.session.expire_all()
            if db.session.get(JobRun, run_id).status == "running":
                return horses[0], renderers
        time.sleep(0.02)
    raise AssertionError("the documents job never reached its rendering")


def test_a_worker_killed_while_rendering_leaves_no_renderer_and_the_page_renders_again(
    app, make, client, login, post, redis, run_jobs, test_config, tmp_path
):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    children = ready_children(make, tree["a"], ROWS)
    login(officer)
    assert post("/batches").status_code == 302
    batch = db.session.scalar(select(Batch))
    assert post(f"/batches/{batch.id}/issue").status_code == 302
    db.session.expire_all()
    batch = db.session.get(Batch, batch.id)
    first = batch.job_run
    issued = _content(batch.id)
    # The files folder outlives each test's database: clear what an earlier list numbered the
    # same left in this list's folder, so the folder shows what this test wrote.
    shutil.rmtree(Path(test_config["TREEM_FILES_DIR"]) / "batches" / str(batch.id), True)
    assert issued[:2] == ("issued", ROWS)

    worker = start_worker(test_config, "documents")
    rq_job = Job.fetch(first.rq_job_id, connection=redis)
    try:
        horse, renderers = _wait_for_renderers(worker, first.id, rq_job)
        assert all(_alive(p) for p in renderers)
    finally:
        # The worker and its work horse, as a power cut or the OOM killer would; the
        # renderers are left to their parent-death signal.
        for pid in [worker.pid, *_children(worker.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        worker.wait(timeout=30)

    # (a) No renderer outlives the work horse that forked it.
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in [horse, *renderers]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in [horse, *renderers] if _alive(p)], "orphaned renderers"

    db.session.expire_all()
    assert db.session.get(JobRun, first.id).status == "running"  # stranded until recovery
    assert not db.session.get(Batch, batch.id).pdf_path

    # (b) The cron's recovery: the dead worker's heartbeat is older than the 90 s it allows
    # (the test ages it rather than waiting).
    dead = Job.fetch(first.rq_job_id, connection=redis).worker_name
    stale = datetime.now(UTC) - timedelta(minutes=2)
    worker_key = Worker.redis_worker_namespace_prefix + dead
    redis.hset(worker_key, "last_heartbeat", stale.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    _run_the_crons_recovery(redis, run_jobs)
    run = db.session.get(JobRun, first.id)
    assert (run.status, run.message) == ("failed", INTERRUPTED_MESSAGE)

    # (c) The list's page says its documents are missing and offers to make them again.
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Thiếu tệp gửi công an" in page and INTERRUPTED_MESSAGE in page
    assert 'id="render-again"' in page and "Tạo lại tệp" in page
    once = re.search(r'name="once" value="([^"]+)"', page.split('id="documents-missing"')[1])

    # (d) The page's action, then a worker: the files exactly once, the content unchanged.
    resp = post(f"/batches/{batch.id}/documents", {"once": once.group(1)})
    assert resp.status_code == 302
    run_jobs()
    batch = db.session.get(Batch, batch.id)
    runs = db.session.scalars(
        select(JobRun).where(JobRun.kind == "batch_documents").order_by(JobRun.id)
    ).all()
    assert [(r.id, r.status) for r in runs] == [
        (first.id, "failed"),
        (batch.job_run_id, "finished"),
    ]
    assert runs[1].message.startswith("Đã tạo danh sách PDF")
    assert _content(batch.id) == issued
    assert db.session.scalar(select(func.count()).select_from(BatchRow)) == ROWS
    folder = Path(batch.pdf_path).parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [Path(batch.pdf_path).name, Path(batch.xlsx_path).name]
    )
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert 'id="download-pdf"' in page and "Thiếu tệp gửi công an" not in page
    text = pdf_text(Path(batch.pdf_path).read_bytes(), tmp_path)
    # A name wrapped in its cell can have the one-line birth date read between its lines.
    flat = " ".join(re.sub(r"\b\d\d/\d\d/\d{4}\b", " ", text).split())
    missing = [c.full_name for c in children if c.full_name not in flat]
    assert not missing, missing[:5]
