"""After a dry run the next step is one button away: "Nhập thật" on the job page and on the
import page (the same route as the import page's apply button); lists tell dry runs apart."""

import re

from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import ImportRun, JobRun, Person

from ..exports import HEADER, row, simple_xlsx
from .test_imports import upload

ROWS = [row(1, "Đặng Thu Thảo", "05/03/2015"), row(2, "Lý Quốc Bảo", "11/07/2016")]
APPLY_FORM = re.compile(
    r'<form method="post" action="(/imports/\d+/start)"[^>]*>\s*'
    r'<input type="hidden" name="csrf_token" value="[^"]+">\s*'
    r'(?:<input type="hidden" name="once" value="[^"]+">\s*)?'
    r'<input type="hidden" name="mode" value="apply">\s*'
    r'<button type="submit" id="apply-after-dry-run">Nhập thật</button>'
)


def _dry_run(make, client, login, post, run_jobs):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    login(officer)
    resp = upload(post, simple_xlsx(HEADER, ROWS), "xa-an-phu.xlsx")
    run = db.session.scalar(select(ImportRun))
    resp = post(f"/imports/{run.id}/start", {"mode": "dry_run"})
    job_url = resp.headers["Location"]
    run_jobs()
    db.session.refresh(run)
    assert run.status == "dry_run"
    return tree, run, job_url


def test_the_dry_runs_job_page_offers_the_real_import_first(make, client, login, post, run_jobs):
    _tree, run, job_url = _dry_run(make, client, login, post, run_jobs)
    page = client.get(job_url).get_data(as_text=True)
    match = APPLY_FORM.search(page)
    assert match and match.group(1) == f"/imports/{run.id}/start"
    # At the top of the summary: before its counts.
    assert page.index('id="apply-after-dry-run"') < page.index("Dòng đã đọc")
    assert '<span class="badge dry-run">Chạy thử</span>' in page
    # The button applies the same upload with the mapping that was dry-run.
    resp = post(match.group(1), {"mode": "apply"})
    assert resp.status_code == 302 and "/jobs/" in resp.headers["Location"]
    run_jobs()
    db.session.refresh(run)
    assert run.status == "applied" and not run.dry_run
    assert db.session.scalar(select(func.count(Person.id))) == 2
    # The dry run's page no longer offers it, and says the file was imported.
    page = client.get(job_url).get_data(as_text=True)
    assert 'id="apply-after-dry-run"' not in page
    assert "đã được nhập thật" in page
    real = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert '<span class="badge real-run">Nhập thật</span>' in real
    assert 'id="apply-after-dry-run"' not in real


def test_the_import_page_offers_the_real_import_above_the_mapping(
    make, client, login, post, run_jobs
):
    _tree, run, _job_url = _dry_run(make, client, login, post, run_jobs)
    page = client.get(f"/imports/{run.id}").get_data(as_text=True)
    match = APPLY_FORM.search(page)
    assert match and match.group(1) == f"/imports/{run.id}/start"
    assert page.index('id="apply-after-dry-run"') < page.index("Xác nhận các cột")


def test_lists_tell_a_dry_run_from_a_real_import(make, client, login, post, run_jobs):
    _tree, run, _job_url = _dry_run(make, client, login, post, run_jobs)
    jobs = client.get("/jobs").get_data(as_text=True)
    assert jobs.count('<span class="badge dry-run">Chạy thử</span>') == 1
    assert "badge real-run" not in jobs
    imports = client.get("/imports").get_data(as_text=True)
    assert imports.count('<span class="badge dry-run">Chạy thử</span>') == 1
    post(f"/imports/{run.id}/start", {"mode": "apply"})
    run_jobs()
    jobs = client.get("/jobs").get_data(as_text=True)
    assert jobs.count("badge dry-run") == 1 and jobs.count("badge real-run") == 1
    imports = client.get("/imports").get_data(as_text=True)
    assert "badge dry-run" not in imports and imports.count("badge real-run") == 1
    home = client.get("/home").get_data(as_text=True)  # recent jobs on the officer's home
    assert "badge dry-run" in home and "badge real-run" in home


def test_no_button_for_those_who_may_not_import(make, client, login, post, run_jobs):
    tree, run, job_url = _dry_run(make, client, login, post, run_jobs)
    post("/logout")
    login(make.user("reporter", tree["district"]))
    for url in (job_url, f"/imports/{run.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Kết quả chạy thử" in page and 'id="apply-after-dry-run"' not in page


def test_the_button_is_refused_while_the_import_runs(make, client, login, post, run_jobs):
    _tree, run, job_url = _dry_run(make, client, login, post, run_jobs)
    post(f"/imports/{run.id}/start", {"mode": "apply"})  # queued, not run yet
    page = client.get(job_url).get_data(as_text=True)
    assert 'id="apply-after-dry-run"' not in page and "đang được nhập thật" in page
    resp = post(f"/imports/{run.id}/start", {"mode": "apply"})
    assert resp.status_code == 302 and f"/imports/{run.id}" in resp.headers["Location"]
    assert db.session.scalar(select(func.count(JobRun.id))) == 2
