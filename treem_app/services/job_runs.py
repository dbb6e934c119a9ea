"""Job records: a JobRun row for every background job, and its states.

`record` is the one place a JobRun is created, whoever asks (an import, a findings rebuild,
visit sheets, a batch's documents): the caller commits, then enqueues it (queue.enqueue_run),
so a worker never looks for a row that does not exist yet. The job's arguments are kept on the
row, so a run recorded while Redis was down is enqueued later exactly as it was asked for.
Functions flush at most; the request, job or CLI command commits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy.orm import Session

from ..models import JobRun, Unit, User
from ..models._common import utcnow
from ..models.job import JOB_KINDS
from .access import may_change


def record(
    session: Session, kind: str, unit: Unit, user: User | None, args: Sequence = ()
) -> JobRun:
    """A queued JobRun of `kind` for `unit`, with the arguments that follow its id in the call.

    Raises ValueError for an unknown kind and PermissionError for a unit outside the user's
    own subtree (a job always works on what its user may change; None: the console, cron).
    """
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    if not may_change(user, unit):
        raise PermissionError(f"unit {unit.code} is outside the user's subtree")
    run = JobRun(
        kind=kind,
        unit_id=unit.id,
        unit=unit,
        created_by_id=user.id if user else None,
        created_by=user,
        status="queued",
        params=json.dumps(list(args)),
    )
    session.add(run)
    session.flush()
    return run


def args_of(run: JobRun) -> list:
    """The arguments recorded for the run (after its id)."""
    return json.loads(run.params or "[]")


def start(run: JobRun) -> None:
    """A worker took the run."""
    run.status = "running"
    run.started_at = utcnow()
    run.message = None


def finish(run: JobRun, summary: dict, message: str | None, result_file: str | None = None) -> None:
    """The run did its work: its summary, a Vietnamese message and its file, if it made one."""
    run.status = "finished"
    run.progress = 100
    run.result_json = json.dumps(summary, ensure_ascii=False)
    run.message = message
    if result_file is not None:
        run.result_file = result_file
    run.finished_at = utcnow()


def fail(run: JobRun, message: str) -> None:
    """The run failed (nothing of its work was kept); the message is shown to the user."""
    run.status = "failed"
    run.message = message
    run.finished_at = utcnow()
