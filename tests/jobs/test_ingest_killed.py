"""A worker killed with SIGKILL in the middle of ingesting a returned sheet (issue 12): nothing
is half-applied, and the sheet uploaded again is applied exactly once."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rq.job import Job
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import BatchReturn, JobRun, PersonEvent
from treem_app.queue import enqueue_run
from treem_app.services import job_runs
from treem_app.services.batch_ingest import store_return

from ..returns import fill, issued_batch, right_id

ROOT = Path(__file__).resolve().parents[2]
ROWS = 1500


def police_events() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(PersonEvent)
        .where(PersonEvent.source == "police", PersonEvent.field == "id_number")
    )


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc): RQ's work horse puts itself in a process group of
    its own (os.setpgrp), so killing the worker's group alone would let the horse run on."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_all(pid: int) -> None:
    """SIGKILL the worker and everything it forked, as a power cut or the OOM killer would."""
    for child in descendants(pid):
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os.killpg(pid, signal.SIGKILL)


def app_env(test_config: dict, **extra_env: str) -> dict:
    """The environment of a process of the app (a worker, a web server) on the test's
    database, Redis and files folder."""
    return dict(
        os.environ,
        DATABASE_URL=test_config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=test_config["REDIS_URL"],
        SECRET_KEY=test_config["SECRET_KEY"],
        TREEM_FILES_DIR=test_config["TREEM_FILES_DIR"],
        **extra_env,
    )


def start_worker(test_config: dict, queues: str, **extra_env: str) -> subprocess.Popen:
    """A real RQ worker process (burst) on the test's database, Redis and files folder, in a
    process group of its own (for kill_all)."""
    env = app_env(test_config, **extra_env)
    return subprocess.Popen(
        [sys.executable, str(ROOT / "worker.py"), "--burst", "--queues", queues],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def queue_sheet(app, batch, path, user):
    files = Path(app.config["TREEM_FILES_DIR"])
    data = path.read_bytes()
    ret = store_return(
        db.session, batch, data, path.name, user=user, files_dir=files, max_bytes=25 << 20
    )
    run = job_runs.record(db.session, "batch_ingest", batch.unit, user, [ret.id])
    ret.job_run_id = run.id
    db.session.commit()
    assert enqueue_run(run)
    return ret, run


def test_a_killed_worker_leaves_nothing_half_applied(
    app, make, tmp_path, redis, run_jobs, test_config
):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    batch, children, sheet = issued_batch(app, make, tree["a"], ROWS, tmp_path)
    answers = {i + 1: (right_id(c, i), "Đã xác thực", None) for i, c in enumerate(children)}
    path = fill(sheet, tmp_path / "back.xlsx", answers)
    ret, run = queue_sheet(app, batch, path, officer)

    worker = start_worker(test_config, "imports")
    job = Job.fetch(run.rq_job_id, connection=redis)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            meta = job.get_meta(refresh=True)
            if meta.get("stage") == "Đang ghi kết quả vào hồ sơ" and meta.get("done", 0) < ROWS:
                break  # in the middle of writing the answers into the records
            assert worker.poll() is None, "the worker finished before it could be killed"
            time.sleep(0.02)
        else:
            raise AssertionError("the job never reached the writing stage")
    finally:
        kill_all(worker.pid)
        worker.wait(timeout=30)

    db.session.expire_all()
    assert police_events() == 0  # nothing of the sheet was kept
    assert all(c.id_number is None for c in children)
    assert db.session.get(BatchReturn, ret.id).status == "queued"
    # Uploaded again and run: whichever job applies the sheet (RQ may also re-run the job its
    # dead worker left), it is applied exactly once.
    again, run2 = queue_sheet(app, batch, path, officer)
    run_jobs()
    assert db.session.get(JobRun, run2.id).status == "finished"
    statuses = {db.session.get(BatchReturn, r.id).status for r in (ret, again)}
    assert "applied" in statuses and statuses <= {"applied", "unchanged", "queued", "refused"}
    assert police_events() == ROWS  # one id_number event per child, not two
    assert all(c.id_number == right_id(c, i) for i, c in enumerate(children))
