"""The differences page: one decision for many selected items, asked first with the count,
and "Đã chuyển đi" for a child no longer in the export."""

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Conflict, Person, PersonEvent

from ..conflict_helpers import make_conflicts

HX = {"HX-Request": "true"}


def _open():
    db.session.expire_all()
    return db.session.scalars(select(Conflict).where(Conflict.status == "open")).all()


def test_bulk_moved_asks_with_the_count_then_marks_each_record(app, make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    gone, corrected, conflicts = make_conflicts(app, tree["a"], officer, absent=5, values=2)
    login(officer)
    page = client.get("/imports/conflicts").get_data(as_text=True)
    assert "Chọn tất cả (7)" in page and "Chỉ chọn loại “Không còn trong tệp xuất” (5)" in page
    assert page.count('form="bulk" name="conflict"') == 7
    assert 'value="moved"' in page and "Đã chuyển đi" in page

    absent_ids = [c.id for c in conflicts if c.kind == "absent"]
    form = {"decision": "moved", "conflict": absent_ids}
    resp = post("/imports/conflicts/bulk", form, headers=HX)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and not body.lstrip().startswith("<!doctype")
    assert "Áp dụng “Đã chuyển đi” cho 5 mục?" in body and "Xác nhận cho 5 mục" in body
    assert "autofocus" in body
    assert len(_open()) == 7  # asking changed nothing

    resp = post("/imports/conflicts/bulk", dict(form, confirm="1"))
    assert resp.status_code == 302
    assert "cho 5 mục" in client.get("/imports/conflicts").get_data(as_text=True)
    assert {c.kind for c in _open()} == {"value"}
    for person in gone:
        person = db.session.get(Person, person.id)
        assert person.status == "moved"
        event = db.session.scalars(
            select(PersonEvent).where(
                PersonEvent.person_id == person.id, PersonEvent.field == "status"
            )
        ).one()
        assert event.new_value == "moved" and event.user_id == officer.id


def test_bulk_without_javascript_shows_the_confirmation_in_the_page(app, make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    _, _, conflicts = make_conflicts(app, tree["a"], officer, absent=2, values=1)
    login(officer)
    ids = [c.id for c in conflicts]
    resp = post("/imports/conflicts/bulk", {"decision": "keep", "conflict": ids})
    body = resp.get_data(as_text=True)
    assert body.lstrip().lower().startswith("<!doctype") and "cho 3 mục?" in body
    assert body.count("checked") == 3  # the selection is kept
    assert post("/imports/conflicts/bulk", {"decision": "keep", "conflict": ids, "confirm": "1"})
    assert _open() == []


def test_bulk_refuses_what_does_not_fit_and_what_is_out_of_scope(app, make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    _, _, conflicts = make_conflicts(app, tree["a"], officer, absent=2, values=1)
    login(officer)
    ids = [c.id for c in conflicts]
    resp = post("/imports/conflicts/bulk", {"decision": "moved", "conflict": ids, "confirm": "1"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "không áp dụng được cho 1 mục" in body
    resp = post("/imports/conflicts/bulk", {"decision": "keep", "confirm": "1"}, headers=HX)
    assert resp.status_code == 422 and "ít nhất một mục" in resp.get_data(as_text=True)
    assert len(_open()) == 3
    # Another commune's officer cannot decide these (nor learn they exist).
    post("/logout")
    login(make.user("officer", tree["b"]))
    resp = post("/imports/conflicts/bulk", {"decision": "keep", "conflict": ids, "confirm": "1"})
    assert resp.status_code == 404 and len(_open()) == 3
    # A reporter reads the page but decides nothing.
    post("/logout")
    login(make.user("reporter", tree["a"]))
    assert "Quyết định cho nhiều mục" not in client.get("/imports/conflicts").get_data(as_text=True)
    resp = post("/imports/conflicts/bulk", {"decision": "keep", "conflict": ids, "confirm": "1"})
    assert resp.status_code == 403 and len(_open()) == 3


def test_one_absent_record_marked_moved(app, make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    gone, _, conflicts = make_conflicts(app, tree["a"], officer, absent=1, values=0)
    login(officer)
    assert post(f"/imports/conflicts/{conflicts[0].id}", {"decision": "moved"}).status_code == 302
    assert _open() == []
    assert db.session.get(Person, gone[0].id).status == "moved"


def test_differences_show_values_in_words(app, make, client, login):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    _, _, conflicts = make_conflicts(app, tree["a"], officer, absent=0, values=1)
    conflicts[0].field, conflicts[0].export_value, conflicts[0].current_value = "sex", "F", "M"
    db.session.commit()
    login(officer)
    page = client.get("/imports/conflicts").get_data(as_text=True)
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "<td>Nữ" in table and "<td>Nam</td>" in table
    assert "<td>F" not in table and "<td>M</td>" not in table


def test_a_reporter_sees_which_commune_each_difference_belongs_to(app, make, client, login):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    make_conflicts(app, tree["a"], officer, absent=1, values=1)
    login(make.user("reporter", tree["district"]))
    page = client.get("/imports/conflicts").get_data(as_text=True)
    assert '<th scope="col">Đơn vị</th>' in page
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert table.count(f"<td>{tree['a'].name}</td>") == 2
