"""A volunteer reports a child found on no record; the officer decides on "Đề xuất chờ duyệt"
(issue 11, friction 7). Synthetic children only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Person, Proposal
from treem_app.services import findings, proposals

TODAY = date(2026, 11, 22)
FORM = {
    "full_name": "Lê Thị Mộng",
    "dob": "07/08/2019",
    "sex": "Nữ",
    "ethnicity": "Kinh",
    "mother_name": "Lê Thị Hồng",
    "hamlet": "Thôn Một",
    "source": "household_visit",
    "note": "Gia đình mới chuyển đến",
}


def _world(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    volunteer = make.user("volunteer", tree["a"], full_name="Phạm Minh Khôi")
    proposals.set_volunteer_hamlets(db.session, volunteer, ["Thôn Một"])
    db.session.commit()
    return tree, officer, volunteer


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_volunteer_proposes_a_new_child_and_no_person_is_created(make, client, login, post):
    tree, _, volunteer = _world(make)
    login(volunteer)
    listing = client.get("/records").get_data(as_text=True)
    assert "Đề xuất thêm trẻ mới" in listing and "/records/new" in listing
    page = client.get("/records/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Đề xuất thêm trẻ" in text and "đề xuất chờ duyệt" in text
    assert "rà soát ngay khi lưu" not in text and "Gửi đề xuất" in text
    # The hamlet is one of theirs: a list of them, not free text.
    assert '<select id="hamlet" name="hamlet" required>' in text
    resp = post("/records/new", FORM, follow_redirects=True)
    assert resp.status_code == 200
    assert "Đã gửi đề xuất thêm trẻ Lê Thị Mộng" in resp.get_data(as_text=True)
    assert _count(Person) == 0
    proposal = db.session.scalar(select(Proposal))
    assert proposal.kind == "new_person" and proposal.user_id == volunteer.id
    # Another hamlet is refused, nothing saved.
    resp = post("/records/new", dict(FORM, hamlet="Thôn Hai"))
    assert resp.status_code == 422 and "được phân công" in resp.get_data(as_text=True)
    assert _count(Proposal) == 1


def test_the_officer_approves_and_the_child_is_created(make, client, login, post):
    tree, officer, volunteer = _world(make)
    login(volunteer)
    post("/records/new", FORM)
    post("/logout")
    login(officer)
    page = client.get("/proposals").get_data(as_text=True)
    assert "Thêm trẻ mới" in page and "Lê Thị Mộng" in page and "Phạm Minh Khôi" in page
    assert "Lê Thị Hồng" in page and "Có thể trùng" not in page
    proposal = db.session.scalar(select(Proposal))
    resp = post(f"/proposals/{proposal.id}", {"decision": "approve"}, follow_redirects=True)
    assert "Đã duyệt và thêm trẻ Lê Thị Mộng" in resp.get_data(as_text=True)
    child = db.session.scalar(select(Person))
    assert child.full_name == "Lê Thị Mộng" and child.hamlet == "Thôn Một"
    record = client.get(f"/records/{child.id}").get_data(as_text=True)
    assert "Phạm Minh Khôi" in record and "duyệt:" in record


def test_a_probable_duplicate_is_shown_and_must_be_confirmed(make, client, login, post):
    tree, officer, volunteer = _world(make)
    existing = make.person(
        tree["a"],
        full_name="Lê Thị Mộng",
        name_key="le thi mong",
        dob=date(2019, 8, 7),
        sex="F",
        father_name=None,
        mother_name="Lê Thị Hồng",
    )
    findings.rescreen(db.session, [existing], TODAY)
    db.session.commit()
    login(volunteer)
    post("/records/new", FORM)
    post("/logout")
    login(officer)
    proposal = db.session.scalar(select(Proposal))
    page = client.get("/proposals").get_data(as_text=True)
    assert "Có thể trùng với trẻ đã có" in page and f"/records/{existing.id}" in page
    assert 'name="confirm_duplicate" value="1" required' in page
    resp = post(f"/proposals/{proposal.id}", {"decision": "approve"}, follow_redirects=True)
    assert "Có thể trùng" in resp.get_data(as_text=True)
    assert _count(Person) == 1
    post(f"/proposals/{proposal.id}", {"decision": "approve", "confirm_duplicate": "1"})
    assert _count(Person) == 2


def test_rejecting_a_new_child_needs_a_reason(make, client, login, post):
    tree, officer, volunteer = _world(make)
    login(volunteer)
    post("/records/new", FORM)
    post("/logout")
    login(officer)
    proposal = db.session.scalar(select(Proposal))
    resp = post(f"/proposals/{proposal.id}", {"decision": "reject"}, follow_redirects=True)
    assert "lý do" in resp.get_data(as_text=True)
    post(f"/proposals/{proposal.id}", {"decision": "reject", "reason": "Trẻ ở xã khác"})
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == "rejected"
    assert _count(Person) == 0


def test_the_police_and_the_reporter_cannot_add_a_child(make, client, login, post):
    tree = make.tree()
    for role, unit in (("police", tree["a"]), ("reporter", tree["district"])):
        login(make.user(role, unit))
        assert client.get("/records/new").status_code == 403
        assert post("/records/new", FORM).status_code == 403
        post("/logout")
    assert _count(Proposal) == 0 and _count(Person) == 0
