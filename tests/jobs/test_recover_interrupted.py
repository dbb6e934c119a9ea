"""Issue 19: a worker killed during an import leaves the run "running" and the import "queued";
the recovery (worker start, the cron, `treem requeue`) marks them interrupted, and the import's
own page runs it again, applying it once."""

from datetime import UTC, datetime, timedelta

from rq import Worker
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import ImportRun, JobRun, Person
from treem_app.queue import INTERRUPTED_MESSAGE, recover_interrupted

from ..web.test_imports import upload


def _stranded_import(make, client, login, post):
    """An import whose job a worker took, then died: the rows it would leave behind."""
    officer = make.user("officer", make.tree()["a"])
    login(officer)
    sample = client.get("/imports/sample.xlsx").data
    upload(post, sample, "mau.xlsx")
    imp = db.session.scalar(select(ImportRun))
    form = {f"col-{i}": f for i, f in imp.mapping.items()}
    resp = post(f"/imports/{imp.id}/start", {**form, "mode": "apply"})
    assert resp.status_code == 302
    db.session.expire_all()
    job = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    job.status = "running"  # what the worker had written before its SIGKILL
    db.session.commit()
    return imp, job, form


def _mark_started(redis, job, worker_name):
    rq_job = Job.fetch(job.rq_job_id, connection=redis)
    rq_job.set_status(JobStatus.STARTED)
    rq_job.worker_name = worker_name
    rq_job.save()


def test_a_run_whose_worker_died_is_marked_and_run_again_once(
    make, client, login, post, redis, run_jobs
):
    imp, job, form = _stranded_import(make, client, login, post)
    _mark_started(redis, job, "dead-worker-1")  # no such worker: killed, its key expired
    busy = post(f"/imports/{imp.id}/start", {**form, "mode": "apply"})
    assert busy.status_code == 302 and "/imports/" in busy.headers["Location"]  # refused

    assert recover_interrupted() == 1
    db.session.expire_all()
    assert job.status == "failed" and job.message == INTERRUPTED_MESSAGE
    assert db.session.get(ImportRun, imp.id).status == "failed"
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert INTERRUPTED_MESSAGE in page and 'id="rerun"' in page
    assert recover_interrupted() == 0  # once

    redis.flushdb()  # the stranded RQ job would otherwise be picked up by the burst worker
    again = post(f"/imports/{imp.id}/start", {**form, "mode": "apply"})
    assert "/jobs/" in again.headers["Location"]
    run_jobs()
    assert db.session.scalar(select(func.count(Person.id))) == 330
    latest = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    assert latest.status == "finished" and latest.id != job.id


def test_a_run_whose_rq_job_is_gone_is_marked(make, client, login, post, redis):
    imp, job, _form = _stranded_import(make, client, login, post)
    redis.flushdb()
    assert recover_interrupted() == 1
    db.session.expire_all()
    assert job.status == "failed" and db.session.get(ImportRun, imp.id).status == "failed"


def test_a_run_whose_worker_is_alive_is_left_alone(make, client, login, post, redis):
    imp, job, _form = _stranded_import(make, client, login, post)
    worker = Worker(["imports"], connection=redis, name="alive-worker-1")
    worker.register_birth()
    try:
        _mark_started(redis, job, worker.name)
        assert recover_interrupted() == 0
        db.session.expire_all()
        assert job.status == "running"
        # Silent for longer than the heartbeat allows: dead.
        stale = datetime.now(UTC) - timedelta(minutes=5)
        redis.hset(worker.key, "last_heartbeat", stale.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        assert recover_interrupted() == 1
    finally:
        worker.register_death()
    db.session.expire_all()
    assert job.status == "failed"
