"""The 'Thôn, tổ dân phố' page: the commune's hamlets and the officer's merges."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Hamlet, HamletMerge, Person, VolunteerHamlet


def _hamlets(make, unit, names):
    for i, name in enumerate(names):
        make.person(unit, hamlet=name, full_name=f"Trẻ Số {i}", name_key=f"tre so {i}")
    db.session.add_all(
        Hamlet(unit_id=unit.id, name=name, key=name.casefold()) for name in dict.fromkeys(names)
    )
    db.session.commit()
    return {
        h.name: h.id for h in db.session.scalars(select(Hamlet).where(Hamlet.unit_id == unit.id))
    }


def test_the_page_lists_hamlets_with_their_counts(make, client, login):
    tree = make.tree()
    _hamlets(make, tree["a"], ["Thôn An Hòa", "Thôn An Hòa", "An Hòa"])
    volunteer = make.user("volunteer", tree["a"], full_name="Lê Thị Cộng Tác")
    db.session.add(VolunteerHamlet(user_id=volunteer.id, hamlet="An Hòa"))
    db.session.commit()
    _hamlets(make, tree["b"], ["Thôn Bên Kia"])
    login(make.user("officer", tree["a"]))
    page = client.get("/hamlets").get_data(as_text=True)
    assert "Thôn An Hòa" in page and "An Hòa" in page and "Lê Thị Cộng Tác" in page
    assert "Thôn Bên Kia" not in page  # another commune's
    assert "Chưa gộp thôn nào." in page


def test_merge_asks_to_confirm_then_merges(make, client, login, post):
    tree = make.tree()
    ids = _hamlets(make, tree["a"], ["Thôn An Hòa", "An Hòa", "Th An Hoa"])
    officer = make.user("officer", tree["a"], full_name="Cán Bộ Xã")
    login(officer)
    sources = [ids["An Hòa"], ids["Th An Hoa"]]
    resp = post("/hamlets/merge", {"source": sources, "into": ids["Thôn An Hòa"]})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Xác nhận gộp thôn" in page
    assert "Gộp <strong>«An Hòa»</strong>, <strong>«Th An Hoa»</strong> vào" in page
    assert "2 hồ sơ trẻ em chuyển sang" in page
    assert db.session.scalar(select(HamletMerge.id)) is None  # nothing merged yet
    resp = post("/hamlets/merge", {"source": sources, "into": ids["Thôn An Hòa"], "confirm": "1"})
    assert resp.status_code == 302
    page = client.get("/hamlets").get_data(as_text=True)
    assert "Đã gộp «An Hòa», «Th An Hoa» vào «Thôn An Hòa»" in page
    history = page.split('id="merge-history"', 1)[1]
    assert "Cán Bộ Xã" in history and "An Hòa; Th An Hoa" in history
    db.session.expire_all()
    assert set(db.session.scalars(select(Person.hamlet))) == {"Thôn An Hòa"}


def test_a_refused_merge_says_why(make, client, login, post):
    tree = make.tree()
    ids = _hamlets(make, tree["a"], ["Thôn An Hòa", "An Hòa"])
    login(make.user("officer", tree["a"]))
    resp = post("/hamlets/merge", {"into": ids["Thôn An Hòa"]})
    assert resp.status_code == 422
    assert "ít nhất một thôn" in resp.get_data(as_text=True)
    resp = post("/hamlets/merge", {"source": [ids["An Hòa"]]})
    assert resp.status_code == 422 and "để gộp vào" in resp.get_data(as_text=True)


def test_another_communes_hamlets_answer_404(make, client, login, post):
    tree = make.tree()
    mine = _hamlets(make, tree["a"], ["Thôn Một", "Thôn Hai"])
    theirs = _hamlets(make, tree["b"], ["Thôn Ba"])
    login(make.user("officer", tree["a"]))
    resp = post("/hamlets/merge", {"source": [theirs["Thôn Ba"]], "into": mine["Thôn Một"]})
    assert resp.status_code == 404
    resp = post(
        "/hamlets/merge",
        {"source": [mine["Thôn Hai"]], "into": theirs["Thôn Ba"], "confirm": "1"},
    )
    assert resp.status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(HamletMerge.id)) is None


@pytest.mark.parametrize("role", ["volunteer", "police", "reporter", "admin"])
def test_other_roles_are_forbidden(role, make, client, login, post):
    tree = make.tree()
    ids = _hamlets(make, tree["a"], ["Thôn Một", "Thôn Hai"])
    unit = tree["province"] if role == "admin" else tree["a"]
    login(make.user(role, unit))
    assert client.get("/hamlets").status_code == 403
    resp = post("/hamlets/merge", {"source": [ids["Thôn Hai"]], "into": ids["Thôn Một"]})
    assert resp.status_code == 403


def test_officers_find_the_page_from_the_menu_and_the_volunteers_page(make, client, login):
    login(make.user("officer"))
    assert 'href="/hamlets"' in client.get("/home").get_data(as_text=True)
    assert 'href="/hamlets"' in client.get("/volunteers").get_data(as_text=True)


def test_hamlets_persons_hold_join_the_list_once(make, client, login):
    unit = make.unit()
    make.person(unit, hamlet="Thôn Chưa Có")
    login(make.user("officer", unit))
    for _ in range(2):
        page = client.get("/hamlets").get_data(as_text=True)
        assert page.count(">Thôn Chưa Có</label>") == 1
    db.session.expire_all()
    assert db.session.scalars(select(Hamlet.name)).all() == ["Thôn Chưa Có"]
