"""The change list of step 4: grouped by hamlet, what to type per record, filters with their
counts, ticking "Đã nhập vào phần mềm" (HTMX and plain form), and who may see it."""

import re

import pytest
from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Person, PersonEvent

from ..changes_helpers import on_change_list


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _record(html: str, person) -> str:
    """The text of one record's card on the page."""
    return _text(html[html.index(f'id="change-{person.id}"') :].split("</article>")[0])


@pytest.fixture
def commune(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    persons = {
        "lan": on_change_list(
            make,
            tree["a"],
            full_name="Trần Thị Lan",
            name_key="tran thi lan",
            sex="F",
            hamlet="Thôn Hai",
            national_key="KEY-0002",
            software={"full_name": "Tran Thi Lan", "sex": "M"},
            sources={"full_name": "household_visit", "sex": "birth_certificate"},
        ),
        "binh": on_change_list(
            make,
            tree["a"],
            full_name="Lê Văn Bình",
            hamlet="Thôn Một",
            national_key="KEY-0009",
            ethnicity="02",
            id_number="052215000123",
            id_source="police",
            software={"ethnicity": "01", "id_number": None},
            sources={"id_number": "police", "ethnicity": "household_visit"},
        ),
        "an": on_change_list(
            make,
            tree["a"],
            full_name="Phạm Gia An",
            hamlet="Thôn Một",
            national_key="KEY-0001",
            software={"father_name": "Phạm Văn Tú"},
            sources={"father_name": "civil_registry"},
        ),
        "new": on_change_list(
            make, tree["a"], full_name="Đỗ Minh Khôi", hamlet="Thôn Hai", software=None
        ),
    }
    synced = make.person(tree["a"], full_name="Vũ Đức Hải", hamlet="Thôn Một")
    synced.sync_state = "synced"
    other = on_change_list(
        make, tree["b"], full_name="Hồ Thị Mai", hamlet="Thôn Một", software={"sex": "M"}
    )
    db.session.commit()
    return {"tree": tree, "officer": officer, "other": other, "synced": synced, **persons}


def test_change_list_groups_by_hamlet_and_says_what_to_type(commune, client, login):
    login(commune["officer"])
    home = client.get("/home").get_data(as_text=True)
    assert "Cập nhật lên phần mềm" in home  # in the officer's menu
    html = client.get("/changes").get_data(as_text=True)
    text = _text(html)
    assert "Cập nhật lên phần mềm" in text
    # A heading per hamlet, the records by national key inside it.
    # (the child with no national key yet comes last in its hamlet)
    names = ("Thôn Hai", "Trần Thị Lan", "Đỗ Minh Khôi", "Thôn Một", "Phạm Gia An", "Lê Văn Bình")
    order = [text.index(s) for s in names]
    assert order == sorted(order)
    assert "Mã trên phần mềm: KEY-0001" in text
    assert "Vũ Đức Hải" not in text  # synced: nothing to type
    assert "Hồ Thị Mai" not in text  # another commune
    # What to type, in words, with the source of each correction.
    lan = _record(html, commune["lan"])
    assert "Họ và tên Tran Thi Lan Trần Thị Lan Xác minh tại hộ gia đình" in lan
    assert "Giới tính Nam Nữ Giấy khai sinh" in lan
    assert "Ngày sinh" not in lan.split("Mã trên phần mềm")[1].split("Thông tin")[1]
    binh = _record(html, commune["binh"])
    assert "Dân tộc Kinh (01) Tày (02) Xác minh tại hộ gia đình" in binh
    assert "Số định danh cá nhân (trống) 052215000123 Công an xác thực" in binh
    assert "Chưa nhập vào phần mềm" in binh
    # A child added in treem: said so, and every fact to enter.
    new = _record(html, commune["new"])
    assert "Trẻ mới, chưa có trên phần mềm" in new
    for fact in ("Đỗ Minh Khôi", "05/03/2015", "Nam", "Kinh (01)", "Nguyễn Văn Bình", "Thôn Hai"):
        assert fact in new
    # No rule codes, no English on the page.
    assert "pending" not in text and "household_visit" not in text


def test_filters_and_counts(commune, client, login, post):
    login(commune["officer"])
    text = _text(client.get("/changes").get_data(as_text=True))
    assert "Tất cả (4)" in text
    assert "Đã được công an xác thực (1)" in text
    assert "Chưa nhập vào phần mềm (4)" in text
    police = _text(client.get("/changes?only=police").get_data(as_text=True))
    assert "Lê Văn Bình" in police and "Trần Thị Lan" not in police
    post(f"/changes/{commune['an'].id}/entered", {"entered": "1"})
    text = _text(client.get("/changes").get_data(as_text=True))
    assert "Tất cả (4)" in text and "Chưa nhập vào phần mềm (3)" in text
    not_entered = _text(client.get("/changes?only=not_entered").get_data(as_text=True))
    assert "Phạm Gia An" not in not_entered and "Trần Thị Lan" in not_entered
    # An unknown filter is "all".
    assert "Phạm Gia An" in client.get("/changes?only=bogus").get_data(as_text=True)


def test_pages_continue_a_hamlet(commune, client, login, monkeypatch):
    from treem_app.web import changes

    monkeypatch.setattr(changes, "PAGE_SIZE", 3)
    login(commune["officer"])
    first = _text(client.get("/changes").get_data(as_text=True))
    assert "Trang 1/2" in first and "Lê Văn Bình" not in first
    assert "Phạm Gia An" in first and "tiếp theo" not in first
    second = _text(client.get("/changes?page=2").get_data(as_text=True))
    assert "Thôn Một (tiếp theo)" in second and "Lê Văn Bình" in second
    assert "Phạm Gia An" not in second and "Thôn Hai" not in second


def test_ticking_writes_the_event_and_the_state(commune, client, login):
    officer = commune["officer"]
    an = commune["an"]
    login(officer)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/changes").get_data(as_text=True))
    headers = {"HX-Request": "true", "X-CSRFToken": token.group(1)}
    resp = client.post(f"/changes/{an.id}/entered", data={"entered": "1"}, headers=headers)
    assert resp.status_code == 200
    row = _text(resp.get_data(as_text=True))
    assert row.startswith("Phạm Gia An")
    assert "Đã nhập vào phần mềm bởi Nguyễn Thị Thu Hà lúc" in row
    assert re.search(r"lúc \d\d:\d\d \d\d/\d\d/\d{4}", row)
    assert "checked" in resp.get_data(as_text=True)
    db.session.expire_all()
    person = db.session.get(Person, an.id)
    assert person.sync_state == "entered" and person.entered_by_id == officer.id
    event = db.session.scalars(
        select(PersonEvent).where(PersonEvent.person_id == an.id, PersonEvent.field == "software")
    ).one()
    assert event.new_value == "Đã cập nhật lên phần mềm quốc gia"
    assert event.user_id == officer.id and event.source == "officer"
    # Ticking again changes nothing (a double click).
    client.post(f"/changes/{an.id}/entered", data={"entered": "1"}, headers=headers)
    assert (
        db.session.scalar(
            select(db.func.count()).select_from(PersonEvent).where(PersonEvent.field == "software")
        )
        == 1
    )
    # Untick: back to pending, with its own event.
    resp = client.post(f"/changes/{an.id}/entered", data={}, headers=headers)
    assert resp.status_code == 200 and "checked" not in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, an.id).sync_state == "pending"
    events = db.session.scalars(
        select(PersonEvent).where(PersonEvent.person_id == an.id, PersonEvent.field == "software")
    ).all()
    assert len(events) == 2


def test_plain_form_post_redirects_back(commune, login, post):
    login(commune["officer"])
    lan = commune["lan"]
    resp = post(f"/changes/{lan.id}/entered", {"entered": "1", "next": "/changes?only=all&page=1"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/changes?only=all&page=1#change-{lan.id}")
    resp = post(f"/changes/{lan.id}/entered", {"next": "https://example.org/x"})
    assert resp.headers["Location"].endswith(f"/changes#change-{lan.id}")
    db.session.expire_all()
    assert db.session.get(Person, lan.id).sync_state == "pending"


def test_another_communes_record_is_404(commune, client, login, post):
    login(commune["officer"])
    assert post(f"/changes/{commune['other'].id}/entered", {"entered": "1"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Person, commune["other"].id).sync_state == "pending"


@pytest.mark.parametrize("role", ["volunteer", "police", "reporter", "admin"])
def test_other_roles_are_refused(commune, make, client, login, post, role):
    unit = commune["tree"]["district"] if role == "reporter" else commune["tree"]["a"]
    login(make.user(role, unit))
    assert client.get("/changes").status_code == 403
    assert post(f"/changes/{commune['an'].id}/entered", {"entered": "1"}).status_code == 403
    assert post("/changes/sheet", {"only": "all"}).status_code == 403
    assert "Cập nhật lên phần mềm" not in client.get("/home").get_data(as_text=True)


def test_a_correction_through_set_fact_lands_on_the_list(make, client, login):
    """The real path: a record as the export showed it (synced), corrected after a household
    visit, is on the list with that source; and with what the last export missed."""
    from treem_app.domain import software_sync
    from treem_app.services import persons

    tree = make.tree()
    officer = make.user("officer", tree["a"])
    child = make.person(tree["a"], full_name="Ngô Thị Hoa", sex="F", national_key="KEY-0100")
    child.software_facts = software_sync.dump(persons.sync_texts(child))
    persons.refresh_sync(child)
    db.session.commit()
    assert child.sync_state == "synced"
    login(officer)
    assert "Ngô Thị Hoa" not in client.get("/changes").get_data(as_text=True)

    persons.set_fact(
        db.session,
        child,
        "mother_name",
        {"mother_name": "Lý Thị Thu"},
        source="household_visit",
        user_id=officer.id,
    )
    child.sync_missed = "mother_name"
    db.session.commit()
    assert child.sync_state == "pending"
    card = _record(client.get("/changes").get_data(as_text=True), child)
    assert "Họ tên mẹ (trống) Lý Thị Thu Xác minh tại hộ gia đình" in card
    assert "Chưa được cập nhật trên phần mềm" in card and "chưa nhận: Họ tên mẹ" in card
