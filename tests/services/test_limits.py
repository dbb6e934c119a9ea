"""Bounds on what grows (issues 16 and 19): failed sign-ins that no longer count are pruned (the
cron's job and `treem requeue`), and a handover list has a largest size, refused in Vietnamese
with a way to split it."""

from datetime import date, timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select

from treem_app import jobs
from treem_app.cli import main
from treem_app.extensions import db
from treem_app.models import Batch, BatchRow, LoginThrottle
from treem_app.models._common import utcnow
from treem_app.services import batches as service
from treem_app.services.accounts import prune_throttles

from ..batch_helpers import ready_children

TODAY = date(2026, 12, 3)


def throttles() -> set[tuple[str, str]]:
    return {(t.username, t.address) for t in db.session.scalars(select(LoginThrottle))}


def old_and_new_throttles(now) -> None:
    day = timedelta(hours=24)
    rows = [
        ("cu", "10.0.0.1", now - day - timedelta(minutes=1), None),  # forgotten: goes
        ("cu", "*", now - day * 3, now - day),  # its lock long over: goes
        ("reset", "*", None, None),  # a name signed in again, counts at zero: goes
        ("gan", "10.0.0.2", now - timedelta(hours=2), None),  # within the day: stays
        ("khoa", "10.0.0.3", now - day * 2, now + timedelta(hours=1)),  # locked now: stays
    ]
    for name, address, last, locked in rows:
        db.session.add(
            LoginThrottle(
                username=name, address=address, failures=3, last_failure_at=last,
                locked_until=locked,
            )
        )  # fmt: skip
    db.session.commit()


KEPT = {("gan", "10.0.0.2"), ("khoa", "10.0.0.3")}


def test_prune_deletes_only_the_throttles_that_no_longer_count(ctx):
    now = utcnow()
    old_and_new_throttles(now)
    assert prune_throttles(db.session, now) == 3
    db.session.commit()
    assert throttles() == KEPT
    assert prune_throttles(db.session, now) == 0


def test_the_scheduled_job_prunes_on_a_real_worker(app, redis, run_jobs):
    old_and_new_throttles(utcnow())
    Queue("default", connection=redis).enqueue(jobs.prune_login_throttles)
    run_jobs()
    assert throttles() == KEPT


def test_treem_requeue_prunes_too(app, ctx, redis):
    old_and_new_throttles(utcnow())
    result = app.test_cli_runner().invoke(main, ["requeue"])
    assert result.exit_code == 0, result.output
    assert "3 bản ghi đăng nhập sai đã hết hạn được xóa" in result.stderr
    db.session.expire_all()
    assert throttles() == KEPT


def test_the_cron_schedules_the_pruning():
    import importlib

    from rq import cron

    import treem_app.cron

    cron._job_data_registry.clear()
    importlib.reload(treem_app.cron)  # its register() calls fill rq's registry again
    scheduled = {d["name"]: d for d in cron._job_data_registry}
    cron._job_data_registry.clear()
    job = scheduled["prune-login-throttles"]
    assert job["func"] is jobs.prune_login_throttles and job["interval"] == 3600


def rows() -> int:
    return db.session.scalar(select(func.count()).select_from(BatchRow))


def test_a_list_longer_than_the_limit_is_refused_with_a_way_to_split_it(make):
    tree = make.tree()
    ready_children(make, tree["a"], 12, hamlets=("Thôn Một", "Thôn Hai"))
    with pytest.raises(service.BatchError) as refused:
        service.create_draft(db.session, tree["a"], user=None, today=TODAY, max_rows=10)
    message = str(refused.value)
    assert "Có 12 hồ sơ, vượt giới hạn 10 hồ sơ" in message
    assert "từng thôn" in message and "tuần sau" in message
    db.session.rollback()
    assert rows() == 0 and db.session.scalar(select(func.count()).select_from(Batch)) == 0

    by_hamlet = dict(service.ready_by_hamlet(db.session, tree["a"]))
    assert sum(by_hamlet.values()) == 12
    hamlet = max(by_hamlet, key=by_hamlet.get)
    if by_hamlet[hamlet] <= 10:
        one = service.create_draft(
            db.session, tree["a"], user=None, today=TODAY, hamlet=hamlet, max_rows=10
        )
        assert one.row_count == by_hamlet[hamlet]
        assert {r.person.hamlet for r in one.rows} == {hamlet}
        db.session.rollback()
    first = service.create_draft(
        db.session, tree["a"], user=None, today=TODAY, first_only=True, max_rows=10
    )
    assert first.row_count == 10
    db.session.commit()
    # The two left wait for the next list; adding more than the limit to a draft is refused.
    left = [p.id for p in db.session.scalars(service.ready_persons_query(tree["a"]))]
    assert len(left) == 2
    with pytest.raises(service.BatchError, match="vượt giới hạn 10"):
        service.add_persons(db.session, first, left, user=None, max_rows=10)
    db.session.rollback()
    assert service.add_persons(db.session, first, left, user=None, max_rows=12) == 2
    # Issuing checks the limit as well (a limit lowered after the draft was made).
    with pytest.raises(service.BatchError, match="vượt giới hạn 10"):
        service.issue(db.session, first, user=None, today=TODAY, max_rows=10)
    db.session.rollback()


def test_the_default_limit_is_500_and_the_console_keeps_it(app, make, monkeypatch):
    assert service.MAX_BATCH_ROWS == 500 and app.config["TREEM_MAX_BATCH_ROWS"] == 500
    tree = make.tree()
    ready_children(make, tree["a"], 4)
    monkeypatch.setitem(app.config, "TREEM_MAX_BATCH_ROWS", 3)
    result = app.test_cli_runner().invoke(main, ["batch", "create", "--unit", tree["a"].code])
    assert result.exit_code == 2 and "vượt giới hạn 3 hồ sơ" in result.stderr
    assert rows() == 0
