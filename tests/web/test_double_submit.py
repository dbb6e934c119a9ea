"""A double-clicked submit button (the same form sent twice, same CSRF token and one-time key)
creates one batch, one import, one job, one new child, one proposal (issue 16, web/once.py)."""

from __future__ import annotations

import io
import re
import threading

import pytest
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Batch, FormSubmission, ImportRun, JobRun, Person, Proposal
from treem_app.models.review import VolunteerHamlet
from treem_app.web.once import REPEATED

from ..batch_helpers import ready_children
from ..conftest import TEST_PASSWORD, csrf_token
from ..exports import HEADER, row, simple_xlsx

INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def form_of(client, page: str, action: str) -> dict:
    """The hidden fields of the form posting to `action` on `page`, as the browser sends them."""
    html = client.get(page).get_data(as_text=True)
    start = html.index(f'action="{action}"' if action else '<form method="post" class="stack">')
    body = html[start : html.index("</form>", start)]
    fields = dict(INPUT.findall(body))
    assert "once" in fields and "csrf_token" in fields, fields
    return fields


def count(model, **where) -> int:
    db.session.expire_all()
    stmt = select(func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return db.session.scalar(stmt)


@pytest.fixture
def officer(make):
    return make.user("officer", make.unit("Xã Bấm Đúp"))


def test_batch_created_once(make, officer, client, login, redis):
    ready_children(make, officer.unit, 3)
    login(officer)
    form = form_of(client, "/batches", "/batches")
    first = client.post("/batches", data=form)
    second = client.post("/batches", data=form)
    assert count(Batch) == 1
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]  # to the first batch
    assert REPEATED in client.get(second.headers["Location"]).get_data(as_text=True)
    # A new page (a new key) may create the next batch when there is something to put in it.
    ready_children(make, officer.unit, 1, seed=99)
    client.post("/batches", data=form_of(client, "/batches", "/batches"))
    assert count(Batch) == 2


def _upload(client, form, data: bytes):
    return client.post(
        "/imports",
        data={**form, "file": (io.BytesIO(data), "xuat.xlsx")},
        content_type="multipart/form-data",
    )


def test_import_uploaded_and_started_once(officer, client, login, redis):
    login(officer)
    data = simple_xlsx(HEADER, [row(1, "Đinh Thị Đúp", "05/03/2015")])
    form = form_of(client, "/imports", "/imports")
    first, second = _upload(client, form, data), _upload(client, form, data)
    assert count(ImportRun) == 1
    assert second.headers["Location"] == first.headers["Location"]
    run_page = first.headers["Location"]
    run_id = int(run_page.rsplit("/", 1)[1])
    start = form_of(client, run_page, f"/imports/{run_id}/start")
    a = client.post(f"/imports/{run_id}/start", data={**start, "mode": "dry_run"})
    b = client.post(f"/imports/{run_id}/start", data={**start, "mode": "dry_run"})
    assert a.status_code == b.status_code == 302
    assert count(JobRun, kind="roster_import") == 1
    assert b.headers["Location"] == a.headers["Location"]


def test_refused_form_may_be_sent_again(officer, client, login, redis):
    """A form the view refused (rolled back) keeps no mark: corrected, it goes through."""
    login(officer)
    form = form_of(client, "/imports", "/imports")
    refused = client.post("/imports", data=form)  # no file chosen
    assert refused.status_code == 422
    assert count(FormSubmission) == 0
    data = simple_xlsx(HEADER, [row(1, "Đinh Thị Đúp", "05/03/2015")])
    assert _upload(client, form, data).status_code == 302
    assert count(ImportRun) == 1


def test_same_form_at_the_same_instant_imports_once(officer, web_app, redis):
    """Two sends racing: the unique key in the database lets one through."""
    clients = [web_app.test_client() for _ in range(2)]
    token = csrf_token(clients[0])
    clients[0].post(
        "/login",
        data={"username": officer.username, "password": TEST_PASSWORD, "csrf_token": token},
    )
    form = form_of(clients[0], "/imports", "/imports")
    # One browser: the second client takes the cookie as it is once the form was drawn (the
    # session gains its CSRF secret there: a login starts a fresh session).
    clients[1].set_cookie("session", clients[0].get_cookie("session").value)
    data = simple_xlsx(HEADER, [row(1, "Đinh Thị Đúp", "05/03/2015")])
    answers = []
    barrier = threading.Barrier(2, timeout=10)

    def send(client):
        barrier.wait()
        answers.append(_upload(client, form, data).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == [302, 302]
    assert count(ImportRun) == 1


NEW_CHILD = {
    "full_name": "Lục Văn Đúp",
    "dob": "05/03/2016",
    "sex": "Nam",
    "ethnicity": "Kinh",
    "hamlet": "Thôn Một",
    "father_name": "Lục Văn Bố",
    "source": "household_visit",
}


def test_new_child_added_once(make, officer, client, login):
    make.person(officer.unit, hamlet="Thôn Một")
    login(officer)
    form = form_of(client, "/records/new", "")  # the form posts to its own page
    persons = count(Person)
    first = client.post("/records/new", data={**form, **NEW_CHILD})
    second = client.post("/records/new", data={**form, **NEW_CHILD})
    assert first.status_code == second.status_code == 302, _error(first)
    assert count(Person) == persons + 1
    assert second.headers["Location"] == first.headers["Location"]


def test_volunteer_proposals_made_once(make, client, login, post):
    unit = make.unit("Xã Đề Xuất")
    person = make.person(unit, hamlet="Thôn Một")
    volunteer = make.user("volunteer", unit)
    db.session.add(VolunteerHamlet(user_id=volunteer.id, hamlet="Thôn Một"))
    db.session.commit()
    login(volunteer)
    form = form_of(client, "/records/new", "")
    client.post("/records/new", data={**form, **NEW_CHILD})
    client.post("/records/new", data={**form, **NEW_CHILD})
    assert count(Proposal, kind="new_person") == 1
    # A correction sent twice in place (the in-place form has no key): one proposal waits.
    for _ in range(2):
        resp = post(
            f"/records/{person.id}/facts/father_name",
            {"value": "Nguyễn Văn Bính", "source": "household_visit"},
            headers={"HX-Request": "true"},
        )
        assert resp.status_code == 200
    assert count(Proposal, kind="fact") == 1


def _error(resp) -> str:
    found = re.search(r'<div class="error" role="alert">([^<]*)', resp.get_data(as_text=True))
    return found.group(1) if found else str(resp.status_code)
