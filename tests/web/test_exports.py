"""The officer's download of the cleaned records (step 4): roles, scope, since, the log."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import AccessLog, Person

from ..services.test_cleaned_export import clean_rows, correct, import_export

URL = "/changes/export.xlsx"


def test_the_officer_downloads_the_change_list_and_it_is_logged(app, make, client, login):
    tree = make.tree()
    unit = tree["a"]
    import_export(app, unit, clean_rows(4))
    people = db.session.scalars(select(Person).order_by(Person.national_key)).all()
    correct(people[1], "id_number", "052215004321", source="police")
    officer = make.user("officer", unit)
    login(officer)
    resp = client.get(URL)
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert f"du-lieu-da-lam-sach-{unit.code}-" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert ws["A5"].value == "STT" and ws["H6"].value == "Cha"
    assert [c.value for c in ws[8]][1:3] == [people[1].national_key, people[1].full_name]
    assert ws["G8"].value == "052215004321" and ws["G8"].number_format == "@"
    assert ws.max_row == 8
    log = db.session.scalars(select(AccessLog)).all()
    assert [(a.user_id, a.action) for a in log] == [(officer.id, "export")]

    resp = client.get(URL, query_string={"since": "01/01/2099"})
    assert resp.status_code == 200 and load_workbook(io.BytesIO(resp.data)).active.max_row == 7
    resp = client.get(URL, query_string={"since": "31/02/2026"})
    assert resp.status_code == 400 and "không phải một ngày có thật" in resp.get_data(as_text=True)
    assert len(db.session.scalars(select(AccessLog)).all()) == 2


def test_roles_scope_and_a_commune_without_import(app, make, client, login, post):
    tree = make.tree()
    import_export(app, tree["a"], clean_rows(2))
    for role in ("volunteer", "police", "reporter", "admin"):
        login(make.user(role, tree["a"] if role != "reporter" else tree["district"]))
        assert client.get(URL).status_code == 403, role
        post("/logout")
    login(make.user("officer", tree["b"]))
    assert client.get(URL, query_string={"unit": tree["c"].code}).status_code == 404
    assert client.get(URL, query_string={"unit": tree["a"].code}).status_code == 404
    resp = client.get(URL)  # commune B has imported nothing: no layout to copy
    assert resp.status_code == 409
    assert "chưa nhập tệp xuất" in resp.get_data(as_text=True)
    assert db.session.scalars(select(AccessLog)).all() == []
