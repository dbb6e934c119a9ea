from datetime import date

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Person
from treem_app.services import findings, proposals

from .test_login_flow import sign_in

TODAY = date(2026, 11, 22)


def _person(make, unit, **facts):
    person = make.person(unit, **facts)
    findings.rescreen(db.session, [person], TODAY)
    db.session.commit()
    return person


def test_volunteer_proposes_officer_approves_edits_adds_and_merges(
    make, browser, live_server, screenshot, page
):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    volunteer = make.user("volunteer", tree["a"], full_name="Phạm Minh Khôi")
    child = _person(
        make,
        tree["a"],
        full_name="Bùi Thùy Anh",
        name_key="bui thuy anh",
        hamlet="Thôn Một",
        mother_name=None,
        id_number=None,
        sex="F",
        dob=date(2016, 4, 2),
    )
    dup_a = _person(
        make,
        tree["a"],
        full_name="Hồ Quốc An",
        name_key="ho quoc an",
        hamlet="Thôn Hai",
        dob=date(2019, 11, 19),
        id_number=None,
        father_name="Hồ Anh Đạt",
    )
    dup_b = _person(
        make,
        tree["a"],
        full_name="Hồ Quốc An",
        name_key="ho quoc an",
        hamlet="Thôn Hai",
        dob=date(2019, 11, 19),
        id_number="052219000123",
        father_name="Hồ Anh Đạt",
    )
    proposals.set_volunteer_hamlets(db.session, volunteer, ["Thôn Một"])
    db.session.commit()

    # The volunteer proposes the mother's name found at the household.
    sign_in(page, volunteer.username)
    page.wait_for_url("**/home")
    page.goto("/records")
    assert page.locator("#queue-count").inner_text().startswith("1 hồ sơ")
    page.get_by_role("link", name="Bùi Thùy Anh").click()
    row = page.locator("#fact-mother_name")
    row.get_by_role("link", name="Đề xuất sửa").click()
    row.get_by_label("Họ tên mẹ").fill("trần thị  hoa")
    row.get_by_label("Nguồn thông tin").select_option("household_visit")
    row.get_by_role("button", name="Gửi đề xuất").click()
    page.locator("#fact-mother_name .badge.ok").wait_for()
    assert "Đã gửi đề xuất" in page.locator("#fact-mother_name").inner_text()
    assert "Đề xuất chờ duyệt: Trần Thị Hoa" in page.locator("#fact-mother_name").inner_text()
    screenshot("review-volunteer-proposal")
    page.context.clear_cookies()

    # The officer approves it, then corrects the ID number inline.
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.get_by_role("navigation", name="Chức năng").get_by_role(
        "link", name="Đề xuất chờ duyệt"
    ).click()
    screenshot("review-proposals")
    page.get_by_role("button", name="Duyệt").click()
    assert "Đã duyệt" in page.locator("#flash").inner_text()
    page.goto(f"/records/{child.id}")
    assert "Trần Thị Hoa" in page.locator("#fact-mother_name").inner_text()
    assert "Thiếu số định danh" in page.locator("#findings").inner_text()
    row = page.locator("#fact-id_number")
    row.get_by_role("link", name="Sửa").click()
    row.get_by_label("Số định danh cá nhân").fill("052316000777")
    row.get_by_label("Nguồn thông tin").select_option("birth_certificate")
    row.get_by_role("button", name="Lưu").click()
    page.locator("#fact-id_number .badge.ok").wait_for()
    assert "Thiếu số định danh" not in page.locator("#findings").inner_text()
    assert "Giấy khai sinh" in page.locator("#history").inner_text()
    assert "Phạm Minh Khôi" in page.locator("#history").inner_text()  # the volunteer is named
    screenshot("review-record-after-edit")

    # A child found during visits.
    page.goto("/records/new")
    page.get_by_label("Họ và tên").fill("Võ Gia Hân")
    page.get_by_label("Ngày sinh").fill("12/07/2022")
    page.get_by_label("Giới tính").select_option("Nữ")
    page.get_by_label("Họ tên mẹ").fill("Đỗ Thị Lan")
    page.get_by_label("Thôn/Tổ dân phố").fill("Thôn Một")
    page.get_by_role("button", name="Thêm trẻ").click()
    page.wait_for_url("**/records/*")
    assert page.get_by_role("heading", name="Võ Gia Hân").is_visible()

    # The duplicate pair, merged.
    page.goto("/duplicates")
    screenshot("review-duplicates")
    page.get_by_role("link", name=f"Giữ bản B (#{dup_b.id}), gộp bản A vào").click()
    page.get_by_role("button", name=f"Xác nhận gộp: giữ hồ sơ #{dup_b.id}").click()
    assert "Đã gộp" in page.locator("#flash").inner_text()
    db.session.expire_all()
    assert db.session.get(Person, dup_a.id).status == "duplicate"
    assert db.session.scalar(select(Person).where(Person.full_name == "Võ Gia Hân")) is not None


def test_merge_waits_for_confirmation_and_cancel_changes_nothing(make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    facts = dict(full_name="Hồ Quốc An", name_key="ho quoc an", dob=date(2019, 11, 19),
                 father_name="Hồ Anh Đạt")  # fmt: skip
    a = _person(
        make, tree["a"], hamlet="Thôn Hai", id_number=None, mother_name="Lê Thị Na", **facts
    )
    b = _person(make, tree["a"], hamlet="Thôn 2", id_number="052219000123", mother_name=None,
                **facts)  # fmt: skip
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/duplicates")
    keep_a = page.get_by_role("link", name=f"Giữ bản A (#{a.id}), gộp bản B vào")
    keep_b = page.get_by_role("link", name=f"Giữ bản B (#{b.id}), gộp bản A vào")
    assert keep_a.is_visible() and keep_b.is_visible()
    screenshot("review-duplicates-choose")

    # Keyboard: focus the first choice and press Enter; the confirmation page names the record.
    keep_a.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/duplicates/merge?*")
    summary = page.locator("#merge-summary").inner_text()
    assert "Giữ lại: bản A" in summary and "Hồ Quốc An" in summary
    assert "19/11/2019" in summary and "Thôn Hai" in summary
    taken = page.locator("#merge-taken").inner_text()
    assert "Số định danh" in taken and "052219000123" in taken and "Lê Thị Na" not in taken
    assert "Thôn 2" in page.locator("#merge-kept").inner_text()
    screenshot("review-merge-confirm")
    db.session.expire_all()
    assert db.session.get(Person, b.id).status != "duplicate"  # nothing happened yet

    # Cancel: back to the pairs, nothing changed.
    page.get_by_role("link", name="Hủy, không gộp").click()
    page.wait_for_url("**/duplicates#pair-*")
    db.session.expire_all()
    assert db.session.get(Person, b.id).status != "duplicate"
    assert db.session.get(Person, a.id).id_number is None
    assert keep_b.is_visible()

    # Keep B this time, and confirm.
    keep_b.click()
    taken = page.locator("#merge-taken").inner_text()
    assert "Họ tên mẹ" in taken and "Lê Thị Na" in taken
    page.get_by_role("button", name=f"Xác nhận gộp: giữ hồ sơ #{b.id}").click()
    assert "Đã gộp" in page.locator("#flash").inner_text()
    db.session.expire_all()
    assert db.session.get(Person, a.id).status == "duplicate"
    assert db.session.get(Person, b.id).mother_name == "Lê Thị Na"


def test_queue_filters_update_in_place_and_the_url_can_be_shared(make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    for name, key, hamlet in [
        ("Nguyễn Văn An", "nguyen van an", "Thôn Một"),
        ("Nguyễn Văn Bảo", "nguyen van bao", "Thôn Hai"),
        ("Nguyễn Văn Cường", "nguyen van cuong", "Thôn Hai"),
    ]:
        _person(make, tree["a"], full_name=name, name_key=key, hamlet=hamlet, id_number=None)
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/records")
    assert page.locator("#queue-count").inner_text().startswith("3 hồ sơ")
    page.get_by_label("Thôn/Tổ dân phố").select_option("Thôn Hai")
    page.wait_for_url("**/records?hamlet=*")
    assert page.locator("#queue-count").inner_text().startswith("2 hồ sơ")
    page.get_by_label("Tìm theo họ tên").fill("NGUYEN van")
    page.wait_for_url("**q=NGUYEN*")
    shared = page.url
    screenshot("review-queue-filtered")
    page.goto(shared)  # a bookmarked or shared link opens the same view
    assert page.locator("#queue-count").inner_text().startswith("2 hồ sơ")
    assert page.get_by_label("Thôn/Tổ dân phố").input_value() == "Thôn Hai"


def test_enter_in_a_rejection_reason_rejects_and_never_applies(make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    volunteer = make.user("volunteer", tree["a"], full_name="Phạm Minh Khôi")
    child = _person(make, tree["a"], full_name="Bùi Thùy Anh", name_key="bui thuy anh",
                    hamlet="Thôn Một", mother_name=None)  # fmt: skip
    proposals.set_volunteer_hamlets(db.session, volunteer, ["Thôn Một"])
    proposal = proposals.propose(db.session, child, "mother_name", "Trần Thị Hoa", user=volunteer,
                                 source="household_visit", note=None, today=TODAY)  # fmt: skip
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/proposals")
    reason = page.get_by_label("Lý do từ chối")
    reason.fill("Hộ gia đình đã chuyển đi, không xác minh được")
    reason.press("Enter")
    page.wait_for_load_state()
    assert "Đã từ chối đề xuất" in page.locator("#flash").inner_text()
    screenshot("review-proposal-rejected")
    db.session.expire_all()
    assert proposal.status == "rejected"
    assert proposal.decision_reason == "Hộ gia đình đã chuyển đi, không xác minh được"
    assert child.mother_name is None  # nothing applied
