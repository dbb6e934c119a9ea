import json
from datetime import date

from rq.job import Job
from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Finding, JobRun
from treem_app.queue import enqueue_run, requeue_pending


def _officer_with_records(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    good = make.person(
        tree["a"],
        id_number="052215000123",
        full_name="Nguyễn Văn An",
        dob=date(2015, 3, 5),
        sex="M",
    )
    no_id = make.person(
        tree["a"], full_name="Trần Thị Bích", name_key="tran thi bich", sex="F", id_number=None
    )
    no_parents = make.person(
        tree["a"],
        full_name="Lê Minh Khang",
        name_key="le minh khang",
        father_name=None,
        id_number="052215000456",
    )
    elsewhere = make.person(tree["b"], id_number=None)
    return tree, officer, good, no_id, no_parents, elsewhere


def test_rebuild_job_runs_on_a_real_worker_and_shows_progress_and_result(
    make, client, login, post, run_jobs, redis
):
    tree, officer, good, no_id, no_parents, elsewhere = _officer_with_records(make)
    login(officer)
    resp = post("/jobs/rebuild-findings")
    assert resp.status_code == 302
    run = db.session.scalar(select(JobRun))
    assert run.status == "queued" and run.unit_id == tree["a"].id
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đang chờ" in page and 'hx-trigger="load delay:1s"' in page

    run_jobs()

    db.session.expire_all()
    run = db.session.get(JobRun, run.id)
    assert run.status == "finished", run.message
    assert run.result["persons"] == 3
    rules = {
        (f.person_id, f.rule)
        for f in db.session.scalars(select(Finding).where(Finding.status == "open"))
    }
    assert (no_id.id, "ID_MISSING") in rules
    assert (no_parents.id, "GUARDIAN_MISSING") in rules
    assert not any(pid == good.id for pid, _ in rules)
    assert not any(pid == elsewhere.id for pid, _ in rules)  # another commune: untouched
    meta = Job.fetch(run.rq_job_id, connection=redis).get_meta()
    assert meta["done"] == meta["total"] == 3

    fragment = client.get(f"/jobs/{run.id}", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert body.lstrip().startswith('<div id="job-status"')  # only the component
    assert "Hoàn thành" in body and "hx-trigger" not in body  # polling stops
    assert "Thiếu số định danh" in body and "Đã rà soát 3 hồ sơ" in body
    assert ">ID_MISSING<" not in body  # the code is only a hint (a title, a filter link)


def test_rebuild_resolves_findings_that_no_longer_apply(make, ctx, redis, run_jobs):
    tree, officer, good, no_id, *_ = _officer_with_records(make)
    run = JobRun(kind="rebuild_findings", unit=tree["a"], created_by=officer)
    db.session.add(run)
    db.session.commit()
    enqueue_run(run, "2026-11-22")
    run_jobs()
    person = db.session.merge(no_id)
    person.id_number = "052315000789"
    db.session.commit()
    run2 = JobRun(kind="rebuild_findings", unit=tree["a"], created_by=officer)
    db.session.add(run2)
    db.session.commit()
    enqueue_run(run2, "2026-11-22")
    run_jobs()
    finding = db.session.scalar(
        select(Finding).where(Finding.person_id == no_id.id, Finding.rule == "ID_MISSING")
    )
    assert finding.status == "resolved" and finding.resolved_at is not None
    assert json.loads(db.session.get(JobRun, run2.id).result_json)["resolved"] >= 1


def test_progress_from_job_meta_shows_on_the_page(make, client, login, post, redis):
    tree, officer, *_ = _officer_with_records(make)
    login(officer)
    post("/jobs/rebuild-findings")
    run = db.session.scalar(select(JobRun))
    job = Job.fetch(run.rq_job_id, connection=redis)
    job.meta.update({"done": 42, "total": 100, "stage": "Đang cập nhật kết quả rà soát"})
    job.save_meta()
    body = client.get(f"/jobs/{run.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'aria-valuenow="42"' in body and "Đang cập nhật kết quả rà soát" in body


def test_failed_job_shows_the_error_and_writes_nothing(make, client, login, ctx, redis, run_jobs):
    tree, officer, *_ = _officer_with_records(make)
    run = JobRun(kind="rebuild_findings", unit=tree["a"], created_by=officer)
    db.session.add(run)
    db.session.commit()
    enqueue_run(run, "not-a-date")
    run_jobs()
    run = db.session.get(JobRun, run.id)
    assert run.status == "failed"
    assert db.session.scalar(select(Finding.id)) is None
    login(officer)
    body = client.get(f"/jobs/{run.id}").get_data(as_text=True)
    assert "Lỗi" in body and "chưa có thay đổi nào được lưu" in body


def test_job_recorded_while_redis_was_down_is_requeued(make, ctx, redis, run_jobs):
    tree, officer, *_ = _officer_with_records(make)
    run = JobRun(kind="rebuild_findings", unit=tree["a"], created_by=officer)
    db.session.add(run)
    db.session.commit()  # as if enqueue failed: no rq job id
    assert requeue_pending() == 1
    run_jobs()
    assert db.session.get(JobRun, run.id).status == "finished"


def test_rebuild_keeps_the_precise_finding_for_an_unreadable_value(make, ctx, redis, run_jobs):
    """An export value screening could not read is stored empty; a re-screen must not turn
    ETHNICITY_UNKNOWN (whose message quotes the value) into a vaguer ETHNICITY_MISSING."""
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    person = make.person(tree["a"], ethnicity=None, id_number="052215000123")
    db.session.add(
        Finding(
            person_id=person.id,
            rule="ETHNICITY_UNKNOWN",
            field="ethnicity",
            severity="error",
            message="Dân tộc 'Kinhh' không có trong danh mục 54 dân tộc.",
        )
    )
    run = JobRun(kind="rebuild_findings", unit=tree["a"], created_by=officer)
    db.session.add(run)
    db.session.commit()
    enqueue_run(run, "2026-11-22")
    run_jobs()
    open_rules = set(
        db.session.scalars(
            select(Finding.rule).where(Finding.person_id == person.id, Finding.status == "open")
        )
    )
    assert open_rules == {"ETHNICITY_UNKNOWN"}
