"""Errors tied to their fields (issue 20): on the new-record form (an officer's new child, a
volunteer's proposal) and the admin's unit and settings forms (the account form ties its own:
tests/web/test_admin.py), a server-side refusal is shown
right beside the field it is about, that field carries aria-invalid and aria-describedby to the
message, and it is the one field with autofocus (the focus lands there without JavaScript)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import HandoverSettings, Person, Unit

from ..html_tags import Page

CHILD = {
    "full_name": "Lò Thị Mai",
    "dob": "05/03/2015",
    "sex": "Nữ",
    "ethnicity": "Thái",
    "hamlet": "Thôn Một",
    "source": "household_visit",
}


def assert_tied(body: str, name: str, words: str) -> None:
    """`name` is the one invalid field, described by a message beside it holding `words`."""
    page = Page(body)
    field = page.field(name)
    assert field is not None, name
    assert field.attrs.get("aria-invalid") == "true", field.attrs
    described = field.attrs.get("aria-describedby", "").split()
    messages = [page.by_id(i) for i in described]
    assert any(m is not None and words in m.text for m in messages), (described, words)
    assert [t.attrs.get("name") for t in page.invalid_fields()] == [name]
    assert [t.attrs.get("name") for t in page.tags if "autofocus" in t.attrs] == [name]
    # beside the field: the message follows it in the page, before the next field
    order = [t for t in page.tags if t.attrs.get("name") or t.attrs.get("id") in described]
    at = order.index(field)
    assert order[at + 1].attrs.get("id") in described, "the message is not right after its field"


@pytest.mark.parametrize(
    ("change", "name", "words"),
    [
        ({"dob": "31/02/2015"}, "dob", "không phải ngày có thật"),
        ({"id_number": "12345"}, "id_number", ""),
        ({"full_name": ""}, "full_name", ""),
        ({"source": ""}, "source", "Vui lòng chọn nguồn thông tin"),
        ({"sex": "Không rõ"}, "sex", ""),
    ],
)
def test_officers_new_child_error_sits_by_its_field(make, login, post, change, name, words):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    resp = post("/records/new", {**CHILD, **change})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert_tied(body, name, words)
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0
    # what was typed stays
    if name != "full_name":
        assert Page(body).field("full_name").attrs["value"] == "Lò Thị Mai"


def test_no_field_is_marked_when_the_form_is_fine_or_the_error_is_no_fields(
    make, client, login, post
):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    page = Page(client.get("/records/new").get_data(as_text=True))
    assert page.invalid_fields() == []
    make.person(
        tree["a"],
        full_name="Lò Thị Mai",
        dob=date(2015, 3, 5),
        father_name="Lò Văn Ba",
        name_key="lo thi mai",
        sex="F",
    )
    db.session.commit()
    resp = post("/records/new", {**CHILD, "father_name": "Lò Văn Ba"})
    # a probable duplicate: about the record, not one field; the tick to confirm is tied to it
    assert resp.status_code == 422
    page = Page(resp.get_data(as_text=True))
    assert page.invalid_fields() == []
    assert "Có thể trùng" in page.by_id("new-error").text
    assert page.field("confirm_duplicate").attrs["aria-describedby"] == "new-error"


def test_volunteers_proposal_error_sits_by_its_field(make, login, post, client):
    tree = make.tree()
    volunteer = make.user("volunteer", tree["a"])
    login(volunteer)
    resp = post("/records/new", {**CHILD, "full_name": "  "})
    assert resp.status_code == 422
    assert_tied(resp.get_data(as_text=True), "full_name", "Vui lòng nhập họ và tên")
    resp = post("/records/new", {**CHILD, "hamlet": "Thôn Xa"})
    assert resp.status_code == 422
    assert_tied(resp.get_data(as_text=True), "hamlet", "thôn")


@pytest.mark.parametrize(
    ("form", "name", "words"),
    [
        ({"code": "", "name": "Xã Mới", "level": "commune"}, "code", "Vui lòng nhập đủ"),
        ({"code": "X77", "name": "", "level": "commune"}, "name", "Vui lòng nhập đủ"),
        ({"code": "TAKEN", "name": "Xã Mới", "level": "commune"}, "code", "đã tồn tại"),
    ],
)
def test_admin_new_unit_error_sits_by_its_field(make, login, post, form, name, words):
    tree = make.tree()
    login(make.user("admin", tree["province"]))
    if form["code"] == "TAKEN":
        form = dict(form, code=tree["a"].code)
    before = db.session.scalar(select(func.count()).select_from(Unit))
    resp = post("/admin/units", {**form, "parent": tree["province"].code})
    assert resp.status_code == 422
    assert_tied(resp.get_data(as_text=True), name, words)
    assert db.session.scalar(select(func.count()).select_from(Unit)) == before


@pytest.mark.parametrize(
    ("url", "form", "name"),
    [
        ("/batches/settings", {"handover_weekday": 9, "return_weekday": 2}, "handover_weekday"),
        ("/batches/settings", {"handover_weekday": 1, "return_weekday": -1}, "return_weekday"),
        ("/reports/cutoff", {"report_weekday": 7, "report_hour": 9}, "report_weekday"),
        ("/reports/cutoff", {"report_weekday": 4, "report_hour": 24}, "report_hour"),
    ],
)
def test_admin_settings_error_sits_by_its_field(make, login, post, url, form, name):
    tree = make.tree()
    login(make.user("admin", tree["province"]))
    resp = post(url, {**form, "unit": tree["province"].code})
    assert resp.status_code == 422
    assert_tied(resp.get_data(as_text=True), name, "không hợp lệ")
    assert db.session.scalar(select(func.count()).select_from(HandoverSettings)) == 0
