"""Batch pages: roles, scoping, drafting, issuing, cancelling, downloads, verification page."""

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import AccessLog, Batch
from treem_app.services import batches as service

from ..batch_helpers import issued_on_the_web, ready_children


def test_officer_drafts_edits_and_issues(make, client, login, post, redis):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    a, b, c = ready_children(make, tree["a"], 3)
    login(officer)
    page = client.get("/batches").get_data(as_text=True)
    assert "<strong>3</strong> hồ sơ sẵn sàng" in page
    assert post("/batches").status_code == 302
    batch = db.session.scalar(select(Batch))
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert a.full_name in page and "(dự kiến)" in page and "Khóa và chuyển công an" in page
    assert "Mã dòng" not in page  # row keys are given at issue: no empty column in a draft
    post(f"/batches/{batch.id}/rows/remove", {"person_id": [b.id, c.id]})
    db.session.refresh(batch)
    assert batch.row_count == 1
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Hồ sơ sẵn sàng có thể thêm (2)" in page
    post(f"/batches/{batch.id}/rows", {"person_id": [b.id]})
    db.session.refresh(batch)
    assert batch.row_count == 2
    resp = post(f"/batches/{batch.id}/issue")
    assert resp.status_code == 302
    db.session.refresh(batch)
    assert batch.state == "issued" and batch.job_run.status == "queued"
    assert redis.exists(f"rq:job:treem-batch_documents-{batch.job_run.id}")
    # Issued: the content is locked.
    post(f"/batches/{batch.id}/rows", {"person_id": [c.id]})
    db.session.refresh(batch)
    assert batch.row_count == 2
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Hạn công an trả" in page and "(dự kiến)" not in page
    assert '<th scope="col">Mã dòng</th>' in page
    record = client.get(f"/records/{a.id}").get_data(as_text=True)
    assert f"/batches/{batch.id}" in record and batch.number in record


def test_illegal_actions_are_refused_with_a_message(make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    ready_children(make, tree["a"], 1)
    batch = service.create_draft(db.session, tree["a"], user=officer, today=date.today())
    db.session.commit()
    login(officer)
    page = post(f"/batches/{batch.id}/close", follow_redirects=True).get_data(as_text=True)
    assert "Không thể chuyển danh sách từ trạng thái “Đang soạn” sang “Đã hoàn tất”" in page
    page = post(f"/batches/{batch.id}/cancel", {"reason": ""}, follow_redirects=True)
    assert "lý do" in page.get_data(as_text=True)
    post(f"/batches/{batch.id}/cancel", {"reason": "Lập nhầm"})
    db.session.refresh(batch)
    assert batch.state == "cancelled"


def test_roles_and_scoping(make, client, login, post):
    tree = make.tree()
    ready_children(make, tree["a"], 2)
    draft = service.create_draft(db.session, tree["a"], user=None, today=date.today())
    db.session.commit()
    police = make.user("police", tree["a"])
    login(police)
    assert client.get(f"/batches/{draft.id}").status_code == 404  # not handed over yet
    assert post("/batches").status_code == 403
    assert post(f"/batches/{draft.id}/issue").status_code == 403
    post("/logout")
    login(make.user("officer", tree["b"]))
    assert client.get(f"/batches/{draft.id}").status_code == 404
    assert post(f"/batches/{draft.id}/issue").status_code == 404
    post("/logout")
    login(make.user("volunteer", tree["a"]))
    assert client.get("/batches").status_code == 403
    post("/logout")
    login(make.user("reporter", tree["district"]))
    assert client.get(f"/batches/{draft.id}").status_code == 200
    assert client.get(f"/batches/{draft.id}/files/pdf").status_code == 403


def test_downloads_for_officer_and_police_are_logged(make, client, login, tmp_path):
    tree = make.tree()
    ready_children(make, tree["a"], 1)
    batch = service.create_draft(db.session, tree["a"], user=None, today=date.today())
    service.issue(db.session, batch, user=None, today=date.today())
    pdf, xlsx = service.render_documents(db.session, batch, tmp_path, public_url="http://x")
    batch.pdf_path, batch.xlsx_path = str(pdf), str(xlsx)
    db.session.commit()
    police = make.user("police", tree["a"])
    login(police)
    home = client.get("/home").get_data(as_text=True)
    assert f"/batches/{batch.id}" in home
    resp = client.get(f"/batches/{batch.id}/files/xlsx")
    assert resp.status_code == 200 and resp.headers["Content-Disposition"].startswith("attachment")
    resp.close()
    assert client.get(f"/batches/{batch.id}/files/other").status_code == 404
    log = db.session.scalar(select(AccessLog).where(AccessLog.action == "download"))
    assert log.user_id == police.id and f"batch {batch.id} xlsx" in log.detail


def test_verification_page_is_public_without_personal_data_and_shows_void(make, client):
    tree = make.tree()
    (child,) = ready_children(make, tree["a"], 1)
    batch = service.create_draft(db.session, tree["a"], user=None, today=date.today())
    db.session.commit()
    assert client.get(f"/v/{batch.token}").status_code == 404  # a draft has no printout
    service.issue(db.session, batch, user=None, today=date.today())
    db.session.commit()
    body = client.get(f"/v/{batch.token}").get_data(as_text=True)
    for text in (batch.number, tree["a"].name, batch.content_hash, "Đã chuyển công an"):
        assert text in body
    assert child.full_name not in body and "ĐÃ HỦY" not in body
    assert client.get("/v/not-a-token").status_code == 404
    service.cancel(db.session, batch, "In sai", user=None)
    db.session.commit()
    body = client.get(f"/v/{batch.token}").get_data(as_text=True)
    assert "ĐÃ HỦY" in body and "VOID" not in body


def test_dashboards_count_overdue_batches(make, client, login):
    tree = make.tree()
    ready_children(make, tree["a"], 1)
    batch = service.create_draft(db.session, tree["a"], user=None, today=date.today())
    service.issue(db.session, batch, user=None, today=date.today() - timedelta(days=21))
    db.session.commit()
    login(make.user("reporter", tree["province"]))
    page = client.get("/home").get_data(as_text=True)
    assert re.search(r'id="todo-batches_overdue"[^>]*data-count="1"', page)
    page = client.get("/batches").get_data(as_text=True)
    assert "Quá hạn" in page


def test_admin_sets_the_cadence(make, client, login, post):
    tree = make.tree()
    login(make.user("admin", tree["province"]))
    assert client.get("/batches/settings").status_code == 200
    post("/batches/settings", {"unit": "P01", "handover_weekday": "4", "return_weekday": "3"})
    assert service.cadence_for(db.session, tree["a"]) == service.Cadence(4, 3)


def test_issuing_enqueues_the_recorded_run_with_its_arguments(make, client, login, post, redis):
    from rq.job import Job

    tree = make.tree()
    login(make.user("officer", tree["a"]))
    ready_children(make, tree["a"], 2)
    post("/batches")
    batch = db.session.scalar(select(Batch))
    post(f"/batches/{batch.id}/issue")
    db.session.refresh(batch)
    job = Job.fetch(f"treem-batch_documents-{batch.job_run.id}", connection=redis)
    assert job.args == (batch.job_run.id, batch.id) and job.timeout == 3600


def test_a_volunteer_is_not_told_a_handed_record_is_in_no_list(make, client, login, post):
    """Volunteers see no lists: the record page leaves the lists out rather than say "in none"
    of a child handed to the police (found in the walk-through)."""
    from treem_app.services import proposals

    tree = make.tree()
    officer = make.user("officer", tree["a"])
    volunteer = make.user("volunteer", tree["a"])
    (child,) = ready_children(make, tree["a"], 1)
    proposals.set_volunteer_hamlets(db.session, volunteer, [child.hamlet])
    batch = service.create_draft(db.session, tree["a"], user=officer, today=date.today())
    db.session.commit()
    login(officer)
    assert "Hồ sơ chưa nằm trong danh sách" not in client.get(f"/records/{child.id}").text
    post("/logout")
    login(volunteer)
    page = client.get(f"/records/{child.id}").text
    assert child.full_name in page
    assert "<h2>Danh sách chuyển công an</h2>" not in page
    assert "chưa nằm trong danh sách" not in page
    assert f"/batches/{batch.id}" not in page


def test_documents_missing_after_a_crash_are_made_again(make, client, login, post, run_jobs):
    from treem_app.models import JobRun
    from treem_app.queue import INTERRUPTED_MESSAGE, mark_interrupted

    _tree, _officer, batch = issued_on_the_web(make, login, post)
    first = batch.job_run
    first.status = "running"  # its worker took it, then died (what recovery finds)
    db.session.commit()
    mark_interrupted(first)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert 'id="documents-missing"' in page and INTERRUPTED_MESSAGE in page
    assert 'id="render-again"' in page and batch.state == "issued"
    once = re.search(r'name="once" value="([^"]+)"', page.split('id="documents-missing"')[1])
    resp = post(f"/batches/{batch.id}/documents", {"once": once.group(1)})
    assert resp.status_code == 302
    db.session.expire_all()
    batch = db.session.get(Batch, batch.id)
    assert batch.job_run_id != first.id and batch.job_run.status == "queued"
    run_jobs()
    db.session.expire_all()
    batch = db.session.get(Batch, batch.id)
    assert db.session.get(JobRun, batch.job_run_id).status == "finished"
    assert batch.pdf_path and batch.xlsx_path
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert 'id="download-pdf"' in page and 'id="documents-missing"' not in page
    # With its documents there, making them again is refused and nothing is recorded.
    runs = db.session.scalar(select(func.count()).select_from(JobRun))
    resp = post(f"/batches/{batch.id}/documents", {"once": "another-key"})
    assert "đã có đủ tệp" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == runs
