"""Dates typed as dd/mm/yyyy in every form: read by the domain's parser, refused in Vietnamese
with nothing changed, and never an <input type="date"> (whose picker follows the browser's
language)."""

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Person, Proposal, User
from treem_app.models._common import utcnow
from treem_app.services import findings, proposals

from ..conftest import TEST_PASSWORD

HX = {"HX-Request": "true"}
BAD = ["2020-13-45", "abc"]


def _date_field(body: str, field_id: str) -> str:
    match = re.search(rf'<input type="text" id="{field_id}"[^>]*>', body)
    assert match, f"no text field {field_id}"
    return match.group(0)


def _assert_dd_mm_yyyy_field(body: str, field_id: str) -> None:
    field = _date_field(body, field_id)
    assert 'inputmode="numeric"' in field and 'placeholder="dd/mm/yyyy' in field
    assert "pattern=" in field and 'type="date"' not in body


def _person(make, unit, **facts):
    person = make.person(unit, **facts)
    findings.rescreen(db.session, [person], date(2026, 1, 5))
    db.session.commit()
    return person


# --------------------------------------------------------------------------- record: date of birth


@pytest.mark.parametrize(
    ("typed", "value", "precision", "shown"),
    [
        ("12/04/2016", date(2016, 4, 12), "day", "12/04/2016"),
        ("04/2016", date(2016, 4, 1), "month", "04/2016"),
        ("2016", date(2016, 1, 1), "year", "2016"),
    ],
)
def test_fact_edit_reads_the_date_of_birth_day_first_with_its_precision(
    make, client, login, post, typed, value, precision, shown
):
    tree = make.tree()
    person = _person(make, tree["a"])
    login(make.user("officer", tree["a"]))
    form = client.get(f"/records/{person.id}/facts/dob?edit=1", headers=HX).get_data(as_text=True)
    _assert_dd_mm_yyyy_field(form, "value-dob")
    resp = post(
        f"/records/{person.id}/facts/dob",
        {"value": typed, "source": "birth_certificate", "version": str(person.version)},
        headers=HX,
    )
    assert resp.status_code == 200 and "Đã lưu." in resp.get_data(as_text=True)
    assert shown in resp.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Person, person.id)
    assert (saved.dob, saved.dob_precision) == (value, precision)


@pytest.mark.parametrize("typed", BAD)
def test_fact_edit_refuses_a_date_that_is_not_one_and_keeps_it_in_the_form(
    make, client, login, post, typed
):
    tree = make.tree()
    person = _person(make, tree["a"])
    login(make.user("officer", tree["a"]))
    resp = post(
        f"/records/{person.id}/facts/dob",
        {"value": typed, "source": "birth_certificate", "version": str(person.version)},
        headers=HX,
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "không phải ngày có thật" in body and "dd/mm/yyyy" in body
    assert f'value="{typed}"' in _date_field(body, "value-dob")
    db.session.expire_all()
    saved = db.session.get(Person, person.id)
    assert (saved.dob, saved.dob_precision, saved.version) == (
        date(2015, 3, 5),
        "day",
        person.version,
    )


@pytest.mark.parametrize("typed", BAD)
def test_a_volunteers_proposal_with_a_bad_date_is_refused(make, login, post, typed):
    tree = make.tree()
    volunteer = make.user("volunteer", tree["a"])
    person = _person(make, tree["a"], hamlet="Thôn Một")
    proposals.set_volunteer_hamlets(db.session, volunteer, ["Thôn Một"])
    db.session.commit()
    login(volunteer)
    resp = post(
        f"/records/{person.id}/facts/dob",
        {"value": typed, "source": "household_visit", "version": str(person.version)},
        headers=HX,
    )
    assert resp.status_code == 422 and "dd/mm/yyyy" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


# --------------------------------------------------------------------------- new record


NEW_CHILD = {
    "full_name": "Trần Thị Mai",
    "sex": "Nữ",
    "ethnicity": "Kinh",
    "mother_name": "Lê Thị Hoa",
    "hamlet": "Thôn Một",
    "source": "household_visit",
}


def test_new_record_reads_a_dd_mm_yyyy_date_of_birth(make, client, login, post):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    _assert_dd_mm_yyyy_field(client.get("/records/new").get_data(as_text=True), "dob")
    assert post("/records/new", dict(NEW_CHILD, dob="07/08/2019")).status_code == 302
    child = db.session.scalar(select(Person).where(Person.full_name == "Trần Thị Mai"))
    assert (child.dob, child.dob_precision) == (date(2019, 8, 7), "day")


@pytest.mark.parametrize("typed", BAD)
def test_new_record_refuses_a_bad_date_and_adds_nobody(make, login, post, typed):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    resp = post("/records/new", dict(NEW_CHILD, dob=typed))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "không phải ngày có thật" in body and "dd/mm/yyyy" in body
    assert f'value="{typed}"' in _date_field(body, "dob")
    assert 'value="Trần Thị Mai"' in body  # the rest of the form is kept too
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0


# --------------------------------------------------------------------------- accounts


ACCOUNT = {
    "username": "ctv.moi",
    "full_name": "Đỗ Văn Hải",
    "role": "volunteer",
    "unit": "C0001",
    "password": TEST_PASSWORD,
}


def test_admin_sets_an_account_end_as_a_local_day(make, client, login, post):
    tree = make.tree()
    login(make.user("admin", tree["province"]))
    _assert_dd_mm_yyyy_field(client.get("/admin/users").get_data(as_text=True), "expires_at")
    assert post("/admin/users", dict(ACCOUNT, expires_at="31/12/2026")).status_code == 302
    user = db.session.scalar(select(User).where(User.username == "ctv.moi"))
    # Until midnight in Vietnam (UTC+7): 16:59:59 UTC that day, stored as naive UTC.
    assert user.expires_at == datetime(2026, 12, 31, 16, 59, 59, 999999)


@pytest.mark.parametrize("typed", BAD)
def test_admin_refuses_a_bad_end_date_and_creates_nobody(make, login, post, typed):
    tree = make.tree()
    login(make.user("admin", tree["province"]))
    resp = post("/admin/users", dict(ACCOUNT, expires_at=typed))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Ngày hết hạn:" in body and "Ngày phải theo dạng dd/mm/yyyy." in body
    assert f'value="{typed}"' in _date_field(body, "expires_at")
    assert db.session.scalar(select(User).where(User.username == "ctv.moi")) is None


def test_officer_sets_a_volunteers_end_day_and_sees_it_as_typed(make, client, login, post):
    tree = make.tree()
    volunteer = make.user("volunteer", tree["a"])
    _person(make, tree["a"], hamlet="Thôn Một")
    login(make.user("officer", tree["a"]))
    page = client.get("/volunteers").get_data(as_text=True)
    _assert_dd_mm_yyyy_field(page, f"exp-{volunteer.id}")
    resp = post(f"/volunteers/{volunteer.id}", {"hamlet": "Thôn Một", "expires_at": "5/1/2027"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).expires_at == datetime(2027, 1, 5, 16, 59, 59, 999999)
    page = client.get("/volunteers").get_data(as_text=True)
    assert 'value="05/01/2027"' in _date_field(page, f"exp-{volunteer.id}")


@pytest.mark.parametrize("typed", BAD)
def test_a_bad_volunteer_end_date_changes_nothing(make, client, login, post, typed):
    tree = make.tree()
    end = utcnow().replace(microsecond=0)
    volunteer = make.user("volunteer", tree["a"], expires_at=end)
    _person(make, tree["a"], hamlet="Thôn Một")
    login(make.user("officer", tree["a"]))
    resp = post(f"/volunteers/{volunteer.id}", {"hamlet": "Thôn Một", "expires_at": typed})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'role="alert"' in body and "Ngày phải theo dạng dd/mm/yyyy." in body
    field = _date_field(body, f"exp-{volunteer.id}")
    assert f'value="{typed}"' in field and "autofocus" in field
    assert re.search(r'value="Thôn Một" checked', body)  # the ticked hamlet is kept on the page
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).expires_at == end
    assert proposals.volunteer_hamlets(db.session, db.session.get(User, volunteer.id)) == []


def test_no_template_uses_the_browsers_own_date_or_file_widget():
    """Their words (mm/dd/yyyy, "Choose File") follow the browser's language, not the app's."""
    templates = Path(__file__).resolve().parents[2] / "templates"
    macros = templates / "_macros" / "forms.html"
    offending = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if path != macros
        and ('type="date"' in (text := path.read_text(encoding="utf-8")) or 'type="file"' in text)
    ]
    assert offending == []
