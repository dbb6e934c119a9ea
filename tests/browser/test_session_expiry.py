"""Issue 11, bug 8: a session that expires during an in-place edit loses nothing."""

from datetime import date

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Person
from treem_app.models.person import PersonEvent
from treem_app.services import findings

from .test_login_flow import sign_in

TODAY = date(2026, 11, 22)


def _child(make, unit):
    person = make.person(unit, full_name="Bùi Thùy Anh", name_key="bui thuy anh",
                         mother_name=None, dob=date(2016, 4, 2))  # fmt: skip
    findings.rescreen(db.session, [person], TODAY)
    db.session.commit()
    return person


def _expire_session(page):
    # What an expired (or ended) session looks like to the server: no session cookie at all.
    page.context.clear_cookies()


def test_the_typed_value_survives_an_expired_session_and_is_saved_after_signing_in(
    make, page, screenshot
):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    child = _child(make, tree["a"])
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto(f"/records/{child.id}")
    page.locator("#fact-mother_name").get_by_role("link", name="Sửa").click()
    field = page.locator("#value-mother_name")
    field.fill("Trần Thị Hoa")
    page.locator("#fact-mother_name select[name=source]").select_option("household_visit")
    _expire_session(page)
    page.locator("#fact-mother_name").get_by_role("button", name="Lưu").click()

    dialog = page.get_by_role("dialog", name="Phiên làm việc đã hết hạn")
    dialog.wait_for()
    assert page.locator("#value-mother_name").input_value() == "Trần Thị Hoa"  # nothing lost
    assert "Máy chủ báo lỗi" not in page.locator("#flash").inner_text()
    password = dialog.get_by_label("Mật khẩu")
    assert password.evaluate("el => el === document.activeElement")
    screenshot("session-expired-dialog")
    db.session.expire_all()
    assert child.mother_name is None  # the refused request changed nothing

    password.fill("sai-mat-khau")
    password.press("Enter")
    page.get_by_role("dialog").get_by_role("alert").wait_for()
    assert page.locator("#value-mother_name").input_value() == "Trần Thị Hoa"

    password.fill("mat-khau-thu-123")
    password.press("Enter")
    page.locator("#fact-mother_name .badge.ok").wait_for()
    assert "Trần Thị Hoa" in page.locator("#fact-mother_name").inner_text()
    assert not page.get_by_role("dialog").is_visible()
    db.session.expire_all()
    assert child.mother_name == "Trần Thị Hoa"
    event = db.session.scalars(
        select(PersonEvent).where(PersonEvent.person_id == child.id).order_by(PersonEvent.id.desc())
    ).first()
    assert event.field == "mother_name" and event.new_value == "Trần Thị Hoa"
    # Signed in again for real: the next page opens without a login.
    page.goto(f"/records/{child.id}")
    assert "/login" not in page.url


def test_putting_the_edit_off_keeps_the_value_and_says_it_was_not_saved(make, page):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    child = _child(make, tree["a"])
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto(f"/records/{child.id}")
    page.locator("#fact-mother_name").get_by_role("link", name="Sửa").click()
    page.locator("#value-mother_name").fill("Trần Thị Hoa")
    page.locator("#fact-mother_name select[name=source]").select_option("household_visit")
    _expire_session(page)
    page.locator("#fact-mother_name").get_by_role("button", name="Lưu").click()
    dialog = page.get_by_role("dialog", name="Phiên làm việc đã hết hạn")
    dialog.get_by_role("button", name="Để sau").click()
    assert "chưa được lưu" in page.locator("#flash").inner_text()
    assert page.locator("#value-mother_name").input_value() == "Trần Thị Hoa"
    db.session.expire_all()
    assert db.session.get(Person, child.id).mother_name is None
