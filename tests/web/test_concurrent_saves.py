"""Two officers saving the same fact at once (issue 16): exactly one wins, the other is told in
Vietnamese what the record now says (409), never a 500, and nothing is half-saved."""

from __future__ import annotations

import re
import threading

import pytest

from treem_app.extensions import db
from treem_app.models import Person, PersonEvent
from treem_app.services import review

from ..conftest import TEST_PASSWORD, csrf_token

HX = {"HX-Request": "true"}
STALE = "vừa được người khác cập nhật"


def _signed_in(web_app, user):
    client = web_app.test_client()
    token = csrf_token(client)
    resp = client.post(
        "/login", data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert resp.status_code == 302
    return client


def _opened_form(client, person_id: int, field: str) -> dict:
    """What the record page's edit form holds when the officer opens it."""
    page = client.get(f"/records/{person_id}/facts/{field}?edit=1").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    token = token.group(1) if token else csrf_token(client, "/home")
    return {"version": version, "csrf_token": token, "source": "household_visit", "note": ""}


@pytest.fixture
def two_officers(make, web_app):
    unit = make.unit("Xã Hai Người")
    person = make.person(unit, hamlet="Thôn Một", full_name="Đinh Văn Tranh")
    first = _signed_in(web_app, make.user("officer", unit, full_name="Cán Bộ Một"))
    second = _signed_in(web_app, make.user("officer", unit, full_name="Cán Bộ Hai"))
    return person, first, second


def _events(person_id: int) -> int:
    db.session.expire_all()
    return db.session.query(PersonEvent).filter_by(person_id=person_id, field="hamlet").count()


@pytest.mark.parametrize("htmx", [True, False], ids=["in-place", "plain-form"])
def test_second_save_of_an_old_form_loses_with_the_newer_value(two_officers, htmx):
    person, first, second = two_officers
    form1 = _opened_form(first, person.id, "hamlet")
    form2 = _opened_form(second, person.id, "hamlet")
    events = _events(person.id)
    headers = HX if htmx else {}
    url = f"/records/{person.id}/facts/hamlet"
    won = first.post(url, data={**form1, "value": "Thôn Bắc"}, headers=headers)
    lost = second.post(url, data={**form2, "value": "Thôn Nam"}, headers=headers)
    assert won.status_code == (200 if htmx else 302)
    if htmx:
        assert lost.status_code == 409
        body = lost.get_data(as_text=True)
        assert 'value="Thôn Nam"' in body  # what the loser typed stays in the form
    else:
        assert lost.status_code == 302 and "edit=hamlet" in lost.headers["Location"]
        body = second.get(lost.headers["Location"]).get_data(as_text=True)
    assert STALE in body and "hiện là: Thôn Bắc" in body
    db.session.expire_all()
    assert db.session.get(Person, person.id).hamlet == "Thôn Bắc"
    assert _events(person.id) == events + 1


def test_two_saves_at_the_same_instant_one_wins(two_officers, monkeypatch):
    """Both requests pass the version check before either writes (a barrier inside the
    service holds them there): the database's version check settles it."""
    person, first, second = two_officers
    url = f"/records/{person.id}/facts/hamlet"
    forms = [_opened_form(c, person.id, "hamlet") for c in (first, second)]
    events = _events(person.id)
    barrier = threading.Barrier(2, timeout=10)
    real = review.normalise_value

    def held(*args, **kwargs):
        barrier.wait()  # both past the version check, neither has written
        return real(*args, **kwargs)

    monkeypatch.setattr(review, "normalise_value", held)
    answers: dict[str, object] = {}

    def save(name, client, form, value):
        answers[name] = client.post(url, data={**form, "value": value}, headers=HX)

    threads = [
        threading.Thread(target=save, args=("Thôn Bắc", first, forms[0], "Thôn Bắc")),
        threading.Thread(target=save, args=("Thôn Nam", second, forms[1], "Thôn Nam")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    codes = sorted(r.status_code for r in answers.values())
    assert codes == [200, 409], codes
    winner = next(v for v, r in answers.items() if r.status_code == 200)
    loser = answers[next(v for v in answers if v != winner)].get_data(as_text=True)
    assert STALE in loser and f"hiện là: {winner}" in loser
    db.session.expire_all()
    assert db.session.get(Person, person.id).hamlet == winner
    assert _events(person.id) == events + 1
