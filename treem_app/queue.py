"""RQ plumbing: the Redis connection, enqueuing a JobRun after commit, and the job view model."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from .extensions import db
from .models import JobRun
from .services import job_runs

QUEUES = ("imports", "documents", "reports", "default")


@dataclass(frozen=True)
class JobKind:
    """What runs a kind of JobRun, and on which queue."""

    func: str
    queue: str = "default"


JOBS = {
    "rebuild_findings": JobKind("treem_app.jobs.rebuild_findings"),
    "roster_import": JobKind("treem_app.jobs.roster_import", "imports"),
    "visit_sheets": JobKind("treem_app.jobs.visit_sheets", "documents"),
    "batch_documents": JobKind("treem_app.jobs.batch_documents", "documents"),
    "batch_ingest": JobKind("treem_app.jobs.batch_ingest", "imports"),
    "change_sheet": JobKind("treem_app.jobs.change_sheet", "documents"),
    "report_file": JobKind("treem_app.jobs.report_file", "reports"),
}


def redis_connection() -> Redis:
    """A Redis client for the configured URL (one per app, cached on the extensions dict)."""
    app = current_app._get_current_object()
    conn = app.extensions.get("treem_redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10)
        app.extensions["treem_redis"] = conn
    return conn


def get_queue(name: str = "default") -> Queue:
    return Queue(name, connection=redis_connection())


def enqueue_run(run: JobRun, *args, timeout: int = 3600) -> bool:
    """Put a committed JobRun on its queue; False (run stays queued) when Redis is unreachable.

    The job is called with the run id and the arguments recorded on the run (job_runs.record);
    `args`, when given, replace them and are kept on the run, so a run recorded while Redis was
    down is enqueued later as asked. Call only after the run's row is committed, so the worker
    always finds it. The RQ job id is derived from the run id, so enqueuing the same run twice
    is harmless.
    """
    kind = JOBS[run.kind]
    if args:
        params = json.dumps(list(args))
        if run.params != params:
            run.params = params
            db.session.commit()
    else:
        args = tuple(job_runs.args_of(run))
    queue = get_queue(kind.queue)
    job_id = f"treem-{run.kind}-{run.id}"
    try:
        queue.enqueue(
            kind.func,
            run.id,
            *args,
            job_id=job_id,
            job_timeout=timeout,
            result_ttl=86400,
            failure_ttl=7 * 86400,
        )
    except RedisError:
        current_app.logger.warning("Redis unreachable; job run %s stays queued", run.id)
        return False
    if run.rq_job_id != job_id:
        run.rq_job_id = job_id
        db.session.commit()
    return True


def requeue_pending(max_runs: int = 100) -> int:
    """Enqueue runs still marked queued whose RQ job is gone (Redis was down or was flushed)."""
    runs = db.session.scalars(
        select(JobRun).where(JobRun.status == "queued").order_by(JobRun.id).limit(max_runs)
    ).all()
    count = 0
    for run in runs:
        if run.kind not in JOBS or _rq_job(run) is not None:
            continue
        if enqueue_run(run):
            count += 1
    return count


INTERRUPTED_MESSAGE = "Tiến trình bị dừng đột ngột; hãy chạy lại."
# A busy RQ worker writes its heartbeat every job_monitoring_interval (30 s): one silent for
# this long is dead (killed with SIGKILL, its machine restarted).
DEAD_AFTER_SECONDS = 90


def _worker_gone(job: Job | None, conn: Redis, dead_after: int) -> bool:
    """True when nothing will ever finish this job: it is gone, ended without recording its
    end, or the worker that took it died."""
    if job is None:
        return True
    status = job.get_status(refresh=False)
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, JobStatus.FINISHED):
        return True
    if status != JobStatus.STARTED:
        return False  # waiting on its queue: a worker will take it
    if not job.worker_name:
        return True
    worker = Worker.find_by_key(
        Worker.redis_worker_namespace_prefix + job.worker_name, connection=conn
    )
    if worker is None or worker.last_heartbeat is None:
        return True
    silent = datetime.now(UTC) - worker.last_heartbeat.replace(tzinfo=UTC)
    return silent > timedelta(seconds=dead_after)


def mark_interrupted(run: JobRun) -> None:
    """The run's worker died: the run (and an import it was running) fails with a message that
    says to run it again; the import's page then offers to run it again."""
    job_runs.fail(run, INTERRUPTED_MESSAGE)
    if run.kind == "roster_import":
        from .services.roster_import import fail_import

        args = job_runs.args_of(run)
        if args:
            fail_import(db.session, run, int(args[0]))
    db.session.commit()


def recover_interrupted(max_runs: int = 200, dead_after: int = DEAD_AFTER_SECONDS) -> int:
    """Find runs marked running whose RQ job is gone or whose worker died, and mark them
    interrupted (on the worker's start and every minute from the cron). Nothing is done while
    Redis is unreachable: a run cannot be judged then."""
    try:
        conn = redis_connection()
        conn.ping()
    except RedisError:
        return 0
    runs = db.session.scalars(
        select(JobRun).where(JobRun.status == "running").order_by(JobRun.id).limit(max_runs)
    ).all()
    count = 0
    for run in runs:
        if run.kind not in JOBS:
            continue
        try:
            gone = _worker_gone(_rq_job(run), conn, dead_after)
        except RedisError:
            return count
        if gone:
            mark_interrupted(run)
            count += 1
    return count


def _rq_job(run: JobRun) -> Job | None:
    if not run.rq_job_id:
        return None
    try:
        return Job.fetch(run.rq_job_id, connection=redis_connection())
    except (NoSuchJobError, RedisError):
        return None


@dataclass
class JobView:
    """What the job page shows: status, percentage, a stage line, the result or the error."""

    run: JobRun
    status: str
    percent: int
    stage: str | None
    queue_ok: bool

    @property
    def done(self) -> bool:
        return self.status in ("finished", "failed")

    @property
    def status_label(self) -> str:
        from .models.job import JOB_STATUSES

        return JOB_STATUSES.get(self.status, self.status)


def job_view(run: JobRun) -> JobView:
    """Combine the durable JobRun row with RQ's transient progress (job.meta)."""
    if run.done:
        return JobView(
            run, run.status, 100 if run.status == "finished" else run.progress, None, True
        )
    try:
        job = _rq_job(run)
        redis_connection().ping()
        queue_ok = True
    except RedisError:
        job, queue_ok = None, False
    percent, stage = run.progress, None
    status = run.status
    if job is not None:
        meta = job.get_meta(refresh=True) if hasattr(job, "get_meta") else job.meta
        done, total = meta.get("done", 0), meta.get("total", 0)
        if total:
            percent = min(99, int(done * 100 / total))
        stage = meta.get("stage")
        rq_status = job.get_status(refresh=False)
        if rq_status == JobStatus.STARTED:
            status = "running"
        elif rq_status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            # The worker died or was killed without recording the end: record it now.
            job_runs.fail(
                run,
                run.message
                or "Việc xử lý bị dừng giữa chừng; chưa có thay đổi nào được lưu. Có thể chạy lại.",
            )
            db.session.commit()
            status = "failed"
    return JobView(run, status, percent, stage, queue_ok)
