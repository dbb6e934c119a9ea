"""A work horse that outlived its killed worker (issue 19): recovery has marked its run
interrupted (and the officer may have run it again), so its work must not land, and the run
keeps what recovery said."""

from __future__ import annotations

from sqlalchemy import func, select, update

from treem_app import jobs
from treem_app.extensions import db
from treem_app.models import JobRun, Person, PersonEvent
from treem_app.queue import INTERRUPTED_MESSAGE
from treem_app.services import job_runs
from treem_app.services.persons import set_fact


def _events():
    return db.session.scalar(select(func.count()).select_from(PersonEvent))


def _recorded(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    person = make.person(tree["a"], hamlet="Thôn Một")
    run = job_runs.record(db.session, "rebuild_findings", tree["a"], officer)
    db.session.commit()
    return run.id, person.id


def test_work_finished_after_recovery_declared_the_run_interrupted_is_dropped(app, make, ctx):
    run_id, person_id = _recorded(make)
    before = _events()

    def work(_run):
        # The cron's recovery, from another process, while this horse still works.
        with db.engine.connect() as other:
            other.execute(
                update(JobRun)
                .where(JobRun.id == run_id)
                .values(status="failed", message=INTERRUPTED_MESSAGE)
            )
            other.commit()
        person = db.session.get(Person, person_id)
        set_fact(db.session, person, "hamlet", {"hamlet": "Thôn Hai"}, source="officer")
        db.session.flush()
        return {"persons": 1}, "Xong."

    jobs._run(run_id, work)
    db.session.expire_all()
    run = db.session.get(JobRun, run_id)
    assert (run.status, run.message) == ("failed", INTERRUPTED_MESSAGE)
    assert db.session.get(Person, person_id).hamlet == "Thôn Một"
    assert _events() == before


def test_work_of_a_run_still_its_own_lands(app, make, ctx):
    run_id, person_id = _recorded(make)

    def work(_run):
        person = db.session.get(Person, person_id)
        set_fact(db.session, person, "hamlet", {"hamlet": "Thôn Hai"}, source="officer")
        return {"persons": 1}, "Xong."

    jobs._run(run_id, work)
    db.session.expire_all()
    assert db.session.get(JobRun, run_id).status == "finished"
    assert db.session.get(Person, person_id).hamlet == "Thôn Hai"
