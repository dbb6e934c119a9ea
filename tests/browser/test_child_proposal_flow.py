"""A volunteer reports a child found on no record; the officer approves from the keyboard after
checking the probable duplicate (issue 11, friction 7); the police's home counts only the
children of their lists (friction 8). Synthetic children only."""

from datetime import date

from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Person
from treem_app.services import batches, findings, proposals

from ..batch_helpers import ready_children
from .test_login_flow import sign_in

TODAY = date(2026, 11, 22)


def test_volunteer_proposes_a_new_child_and_the_officer_approves_by_keyboard(
    make, page, screenshot
):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    volunteer = make.user("volunteer", tree["a"], full_name="Phạm Minh Khôi")
    existing = make.person(
        tree["a"],
        full_name="Lê Thị Mộng",
        name_key="le thi mong",
        dob=date(2019, 8, 7),
        sex="F",
        father_name=None,
        mother_name="Lê Thị Hồng",
        hamlet="Thôn Hai",
    )
    findings.rescreen(db.session, [existing], TODAY)
    proposals.set_volunteer_hamlets(db.session, volunteer, ["Thôn Một"])
    db.session.commit()

    # The volunteer reports the child from the records list.
    sign_in(page, volunteer.username)
    page.wait_for_url("**/home")
    page.goto("/records")
    page.get_by_role("link", name="Đề xuất thêm trẻ mới").click()
    page.wait_for_url("**/records/new")
    assert "đề xuất chờ duyệt" in page.locator("#new-intro").inner_text()
    page.locator("#full_name").focus()
    page.keyboard.type("lê thị mộng")
    page.keyboard.press("Tab")
    page.keyboard.type("07/08/2019")
    page.locator("#sex").select_option("Nữ")
    page.locator("#mother_name").focus()
    page.keyboard.type("Lê Thị Hồng")
    assert page.locator("#hamlet").input_value() == "Thôn Một"  # their one hamlet
    page.locator("#note").focus()
    page.keyboard.type("Gia đình mới chuyển đến")
    screenshot("child-proposal-volunteer-form")
    page.keyboard.press("Enter")
    page.wait_for_url("**/records")
    assert "Đã gửi đề xuất thêm trẻ Lê Thị Mộng" in page.locator(".flash-success").inner_text()
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1
    page.context.clear_cookies()

    # The officer sees it with the probable duplicate, confirms and approves by keyboard.
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.get_by_role("link", name="Đề xuất chờ duyệt", exact=True).click()
    row = page.locator("tr", has_text="Thêm trẻ mới")
    assert "Có thể trùng với trẻ đã có" in row.inner_text()
    assert "Phạm Minh Khôi" in row.inner_text()
    screenshot("child-proposal-officer-review")
    approve = row.get_by_role("button", name="Duyệt, thêm trẻ")
    approve.focus()
    page.keyboard.press("Enter")  # not confirmed: the browser asks for the box, nothing sent
    assert db.session.scalar(select(func.count()).select_from(Person)) == 1
    row.get_by_label("Tôi đã kiểm tra: đây là một trẻ khác, vẫn thêm mới").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Duyệt, thêm trẻ"
    page.keyboard.press("Enter")
    page.locator(".flash-success").wait_for()
    assert "Đã duyệt và thêm trẻ Lê Thị Mộng" in page.locator(".flash-success").inner_text()
    screenshot("child-proposal-officer-approved")
    db.session.expire_all()
    child = db.session.scalar(select(Person).where(Person.id != existing.id))
    assert child.full_name == "Lê Thị Mộng" and child.hamlet == "Thôn Một"
    page.goto(f"/records/{child.id}")
    assert "Phạm Minh Khôi" in page.locator("body").inner_text()
    screenshot("child-proposal-created-record")


def test_the_police_home_counts_the_children_of_their_lists(make, page, screenshot):
    tree = make.tree()
    ready_children(make, tree["a"], 4)
    batch = batches.create_draft(db.session, tree["a"], user=None, today=date.today())
    batches.issue(db.session, batch, user=None, today=date.today())
    for i in range(5):  # children of the commune on no list
        make.person(tree["a"], full_name=f"Đinh Văn Lạc {i}", name_key=f"dinh van lac {i}")
    db.session.commit()
    police = make.user("police", tree["a"], full_name="Võ Đức Thịnh")
    sign_in(page, police.username)
    page.wait_for_url("**/home")
    assert page.locator("#police-children").inner_text() == "4"
    screenshot("police-home-children")
    page.get_by_role("link", name="Xem hồ sơ các trẻ em trong danh sách").click()
    assert page.locator("#queue-count").inner_text().startswith("4 hồ sơ")
    assert "Đinh Văn Lạc" not in page.locator("body").inner_text()
    screenshot("police-records")
