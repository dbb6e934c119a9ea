import re
from datetime import date

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import AccessLog, Person, Proposal
from treem_app.services import findings, proposals, review

TODAY = date(2026, 11, 22)
HX = {"HX-Request": "true"}


def _person(make, unit, **facts):
    person = make.person(unit, **facts)
    findings.rescreen(db.session, [person], TODAY)
    db.session.commit()
    return person


def test_queue_page_filters_in_place_and_keeps_a_clean_url(make, client, login):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    _person(make, tree["a"], full_name="Nguyễn Văn An", name_key="nguyen van an", id_number=None)
    _person(
        make,
        tree["a"],
        full_name="Trần Thị Bình",
        name_key="tran thi binh",
        father_name=None,
        id_number="052215000456",
    )
    page = client.get("/records").get_data(as_text=True)
    assert "2 hồ sơ" in page and "Thiếu số định danh" in page
    resp = client.get("/records?q=nguyen+van&status=open&hamlet=&rule=&severity=", headers=HX)
    body = resp.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="queue">')
    assert "Nguyễn Văn An" in body and "Trần Thị Bình" not in body
    assert resp.headers["HX-Push-Url"] == "/records?q=nguyen+van"
    assert "1 hồ sơ" in body


def test_inline_edit_saves_rescreens_and_refreshes_findings(make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    person = _person(make, tree["a"], id_number=None)
    login(officer)
    form = client.get(f"/records/{person.id}/facts/id_number?edit=1", headers=HX).get_data(
        as_text=True
    )
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    resp = post(
        f"/records/{person.id}/facts/id_number",
        {"value": "052215000123", "source": "birth_certificate", "note": "", "version": version},
        headers=HX,
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert '<div id="fact-id_number"' in body and "052215000123" in body and "Đã lưu." in body
    assert 'id="findings" hx-swap-oob="true"' in body and "Thiếu số định danh" not in body
    assert 'id="history" hx-swap-oob="true"' in body and "Giấy khai sinh" in body
    db.session.expire_all()
    assert db.session.get(Person, person.id).id_number == "052215000123"


def test_stale_edit_answers_409_with_the_newer_value(make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    person = _person(make, tree["a"])
    login(officer)
    old_version = person.version
    review.update_fact(
        db.session,
        person,
        "hamlet",
        "Thôn Mới",
        user=officer,
        source="officer",
        note=None,
        expected_version=None,
        today=TODAY,
    )
    db.session.commit()
    resp = post(
        f"/records/{person.id}/facts/hamlet",
        {"value": "Thôn Cũ", "source": "officer", "version": str(old_version)},
        headers=HX,
    )
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "vừa được người khác cập nhật" in body and "Thôn Mới" in body
    assert 'value="Thôn Cũ"' in body  # what the user typed is kept in the form
    db.session.expire_all()
    assert db.session.get(Person, person.id).hamlet == "Thôn Mới"


def test_invalid_value_answers_422_and_changes_nothing(make, client, login, post):
    tree = make.tree()
    person = _person(make, tree["a"])
    login(make.user("officer", tree["a"]))
    resp = post(
        f"/records/{person.id}/facts/dob",
        {"value": "31/02/2015", "source": "officer", "version": str(person.version)},
        headers=HX,
    )
    assert resp.status_code == 422
    assert 'role="alert"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, person.id).dob == date(2015, 3, 5)


def test_opening_a_record_is_logged_and_the_officer_sees_the_log(make, client, login, web_app):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    reporter = make.user("reporter", tree["district"], full_name="Lê Văn Quang")
    person = _person(make, tree["a"])
    other = web_app.test_client()
    from ..conftest import TEST_PASSWORD, csrf_token

    other.post(
        "/login",
        data={
            "username": reporter.username,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(other),
        },
    )
    page = other.get(f"/records/{person.id}").get_data(as_text=True)
    assert "Nhật ký truy cập" not in page and "Sửa</a>" not in page  # reporters read only
    login(officer)
    page = client.get(f"/records/{person.id}").get_data(as_text=True)
    assert "Nhật ký truy cập" in page and "Lê Văn Quang" in page
    logs = db.session.scalars(select(AccessLog).where(AccessLog.person_id == person.id)).all()
    assert {log.user_id for log in logs} == {officer.id, reporter.id}


def test_reporter_and_police_cannot_edit(make, client, login, post):
    tree = make.tree()
    person = _person(make, tree["a"])
    for role, unit in (("reporter", tree["district"]), ("police", tree["a"])):
        login(make.user(role, unit))
        resp = post(f"/records/{person.id}/facts/hamlet", {"value": "X", "source": "officer"})
        assert resp.status_code == 403
        post("/logout")
    db.session.expire_all()
    assert db.session.get(Person, person.id).hamlet == "Thôn Một"


def test_volunteer_proposes_and_officer_approves_through_the_pages(make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    volunteer = make.user("volunteer", tree["a"], full_name="Phạm Minh Khôi")
    person = _person(make, tree["a"], hamlet="Thôn Một", mother_name=None)
    hidden = _person(make, tree["a"], hamlet="Thôn Hai")
    proposals.set_volunteer_hamlets(db.session, volunteer, ["Thôn Một"])
    db.session.commit()
    login(volunteer)
    assert client.get(f"/records/{hidden.id}").status_code == 404
    resp = post(
        f"/records/{person.id}/facts/mother_name",
        {"value": "Lê Thị Hoa", "source": "household_visit", "version": str(person.version)},
        headers=HX,
    )
    assert "Đã gửi đề xuất" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, person.id).mother_name is None
    post("/logout")
    login(officer)
    page = client.get("/proposals").get_data(as_text=True)
    assert "Lê Thị Hoa" in page and "Phạm Minh Khôi" in page
    proposal = db.session.scalar(select(Proposal))
    assert post(f"/proposals/{proposal.id}", {"decision": "approve"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, person.id).mother_name == "Lê Thị Hoa"
    page = client.get(f"/records/{person.id}").get_data(as_text=True)
    assert "duyệt:" in page and "Phạm Minh Khôi" in page


def test_add_child_page_warns_then_saves(make, client, login, post):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    _person(make, tree["a"], full_name="Nguyễn Văn An", name_key="nguyen van an")
    form = {
        "full_name": "Nguyễn Văn An",
        "dob": "05/03/2015",
        "sex": "Nam",
        "ethnicity": "Kinh",
        "father_name": "Nguyễn Văn Bình",
        "hamlet": "Thôn Một",
        "source": "household_visit",
    }
    resp = post("/records/new", form)
    assert resp.status_code == 422 and "Có thể trùng" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Person).where(Person.id > 1)) is None
    resp = post("/records/new", dict(form, confirm_duplicate="1"))
    assert resp.status_code == 302
    assert len(db.session.scalars(select(Person)).all()) == 2


def test_duplicates_page_merge(make, client, login, post):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    a = _person(make, tree["a"], id_number=None)
    b = _person(make, tree["a"], id_number="052215000123")
    page = client.get("/duplicates").get_data(as_text=True)
    assert "1 cặp" in page and 'class="diff"' in page
    # The difference is said in words, not by colour alone.
    assert "ô được tô nền vàng" in page and "ô tô màu" not in page
    assert (
        page.count('<span class="badge warning">khác nhau</span>')
        == page.count('class="diff"') // 2
    )
    assert post("/duplicates/merge", {"keep": a.id, "other": b.id}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, b.id).status == "duplicate"
    assert "Không còn cặp" in client.get("/duplicates").get_data(as_text=True)


def test_merge_asks_first_naming_the_kept_record_and_what_is_taken(make, client, login, post):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    a = _person(make, tree["a"], id_number=None, hamlet="Thôn Hai")
    b = _person(make, tree["a"], id_number="052215000123", hamlet="Thôn 2")
    page = client.get("/duplicates").get_data(as_text=True)
    assert f"Giữ bản A (#{a.id}), gộp bản B vào" in page
    assert f"Giữ bản B (#{b.id}), gộp bản A vào" in page
    assert 'action="/duplicates/merge"' not in page  # no one-click merge on the list
    resp = client.get(f"/duplicates/merge?keep={a.id}&other={b.id}")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    summary = body[body.index('id="merge-summary"') :]
    assert a.full_name in summary and "Thôn Hai" in summary and a.dob.strftime("%d/%m/%Y") in body
    taken = body[body.index('id="merge-taken"') : body.index("</ul>", body.index("merge-taken"))]
    assert "Số định danh" in taken and "052215000123" in taken
    kept = body[body.index('id="merge-kept"') :]
    assert "giữ <strong>Thôn Hai</strong>" in kept and "ghi: Thôn 2" in kept
    assert f"Xác nhận gộp: giữ hồ sơ #{a.id}" in body
    db.session.expire_all()
    assert db.session.get(Person, b.id).status != "duplicate"  # asking changed nothing
    assert db.session.get(Person, a.id).id_number is None
    assert post("/duplicates/merge", {"keep": a.id, "other": b.id}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, a.id).id_number == "052215000123"
    assert db.session.get(Person, b.id).status == "duplicate"
    # A merge that cannot be done says why on the confirmation page, with nothing to press.
    resp = client.get(f"/duplicates/merge?keep={a.id}&other={b.id}")
    assert resp.status_code == 409 and "đã được đánh dấu" in resp.get_data(as_text=True)
    assert "Xác nhận gộp:" not in resp.get_data(as_text=True)


def test_merge_confirmation_of_another_commune_is_not_found(make, client, login):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    a = _person(make, tree["a"])
    b = _person(make, tree["b"])
    assert client.get(f"/duplicates/merge?keep={a.id}&other={b.id}").status_code == 404


def test_merge_refuses_records_of_another_commune(make, client, login, post):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    a = _person(make, tree["a"])
    b = _person(make, tree["b"])
    assert post("/duplicates/merge", {"keep": a.id, "other": b.id}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Person, b.id).status != "duplicate"


def test_status_changes_read_in_words_in_the_history(make, client, login, post):
    tree = make.tree()
    person = _person(make, tree["a"], id_number=None)
    login(make.user("officer", tree["a"]))
    post(f"/records/{person.id}/mark", {"mark": "moved", "reason": "Chuyển vào Quy Nhơn"})
    page = client.get(f"/records/{person.id}").get_data(as_text=True)
    history = page.split('id="history"', 1)[1]
    assert "Đã chuyển đi" in history and ">moved<" not in history


def test_automatic_fixes_read_in_words_in_the_history(make, client, login):
    from treem_app.domain.findings import FIX_NOTES, Rule
    from treem_app.domain.screening import screen_one
    from treem_app.services.persons import create_screened_person

    tree = make.tree()
    row = {"full_name": "  nguyễn   thị AN ", "dob": date(2015, 3, 5), "sex": "Nữ",
           "id_number": " 0523 1500 0123", "mother_name": "Trần Thị Cúc",
           "hamlet": "thôn  an hòa"}  # fmt: skip
    person = create_screened_person(
        db.session, tree["a"], screen_one(row, TODAY), source="export", note="Tệp xuất tháng 11"
    )
    db.session.commit()
    login(make.user("officer", tree["a"]))
    page = client.get(f"/records/{person.id}").get_data(as_text=True)
    history = page.split('id="history"', 1)[1]
    assert FIX_NOTES[Rule.NAME_NORMALIZED] in history  # the name and the hamlet
    assert FIX_NOTES[Rule.ID_FORMAT] in history and "Tệp xuất tháng 11" in history
    assert not re.search(r"\b[A-Z]{2,}_[A-Z_]+\b", history)


def test_a_ready_record_with_an_id_error_says_why_it_still_goes_to_the_police(make, client, login):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    wrong = _person(make, tree["a"], id_number="05221500012")  # 11 digits: a format error
    fine = _person(make, tree["a"], full_name="Trần Thị Bình", id_number=None)
    assert wrong.status == "ready" and any(
        f.field == "id_number" and f.severity == "error" and f.status == "open"
        for f in wrong.findings
    )
    page = client.get(f"/records/{wrong.id}").get_data(as_text=True)
    assert 'id="ready-with-id-error"' in page and "công an xã sẽ đối chiếu" in page
    page = client.get(f"/records/{fine.id}").get_data(as_text=True)
    assert 'id="ready-with-id-error"' not in page


def test_a_volunteer_follows_their_own_proposals_and_the_decisions(make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    volunteer = make.user("volunteer", tree["a"], full_name="Phạm Minh Khôi")
    other = make.user("volunteer", tree["a"], full_name="Đỗ Văn Khác")
    person = _person(make, tree["a"], hamlet="Thôn Một", mother_name=None, father_name=None)
    proposals.set_volunteer_hamlets(db.session, volunteer, ["Thôn Một"])
    db.session.commit()
    login(volunteer)
    for field, value in (("mother_name", "Lê Thị Hoa"), ("father_name", "Trần Văn Bốn")):
        db.session.refresh(person)
        post(
            f"/records/{person.id}/facts/{field}",
            {"value": value, "source": "household_visit", "version": str(person.version)},
            headers=HX,
        )
    page = client.get("/proposals/mine").get_data(as_text=True)
    assert "Chờ duyệt: <strong>2</strong>" in page and "Lê Thị Hoa" in page
    assert 'href="/proposals/mine"' in page  # in the volunteer's menu
    post("/logout")
    login(officer)
    first, second = db.session.scalars(select(Proposal).order_by(Proposal.id)).all()
    post(f"/proposals/{first.id}", {"decision": "approve"})
    post(f"/proposals/{second.id}", {"decision": "reject", "reason": "Sai tên cha"})
    assert client.get("/proposals/mine").status_code == 403
    post("/logout")
    login(volunteer)
    page = client.get("/proposals/mine").get_data(as_text=True)
    assert "Đã duyệt: <strong>1</strong>" in page and "Từ chối: <strong>1</strong>" in page
    assert "Lý do: Sai tên cha" in page and "Nguyễn Thị Thu Hà" in page
    post("/logout")
    login(other)
    page = client.get("/proposals/mine").get_data(as_text=True)
    assert "Bạn chưa gửi đề xuất nào." in page and "Lê Thị Hoa" not in page
