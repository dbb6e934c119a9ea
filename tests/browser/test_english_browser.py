"""An English-language browser still shows a Vietnamese app: dates as dd/mm/yyyy text fields,
'Chọn tệp…' for files, and Vietnamese validation messages instead of the browser's own."""

from datetime import date

import pytest

from treem_app.extensions import db
from treem_app.models import Person, User
from treem_app.services import findings

from .conftest import ARTIFACTS
from .focus import active_id
from .test_login_flow import sign_in

DATE_MESSAGE = "Ngày phải theo dạng dd/mm/yyyy."


@pytest.fixture
def english(browser, live_server):
    context = browser.new_context(
        base_url=live_server, locale="en-US", viewport={"width": 1280, "height": 860}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _validation_message(page, selector: str) -> str:
    return page.evaluate("(s) => document.querySelector(s).validationMessage", selector)


def _assert_text_date_field(field) -> None:
    assert field.get_attribute("type") == "text"
    assert field.get_attribute("inputmode") == "numeric"
    assert field.get_attribute("placeholder").startswith("dd/mm/yyyy")


def test_an_english_browser_sees_vietnamese_fields_and_messages(make, english, tmp_path):
    page = english
    assert page.evaluate("navigator.language") == "en-US"
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    volunteer = make.user("volunteer", tree["a"], full_name="Phạm Minh Khôi")
    child = make.person(tree["a"], full_name="Bùi Thùy Anh", hamlet="Thôn Một")
    findings.rescreen(db.session, [child], date(2026, 1, 5))
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")

    # The date of birth, edited in place: a text field, and the browser's checks in Vietnamese.
    page.goto(f"/records/{child.id}")
    page.locator("#fact-dob").get_by_role("link", name="Sửa").click()
    dob = page.locator("#value-dob")
    dob.wait_for()
    _assert_text_date_field(dob)
    assert page.locator("input[type=date]").count() == 0
    assert dob.evaluate("(e) => e === document.activeElement")  # focus stays where the user works
    dob.fill("12/04/2016")
    save = page.locator("#fact-dob").get_by_role("button", name="Lưu")
    save.click()  # no source chosen: the required select stops the form
    source = "#fact-dob select[name=source]"
    assert _validation_message(page, source) == "Vui lòng chọn một mục trong danh sách."
    page.locator(source).select_option("birth_certificate")
    assert _validation_message(page, source) == ""
    dob.fill("abc")
    save.click()
    assert "dd/mm/yyyy, mm/yyyy" in _validation_message(page, "#value-dob")
    _shoot(page, "english-browser-record-dob")
    db.session.expire_all()
    assert db.session.get(Person, child.id).dob == date(2015, 3, 5)  # nothing was sent
    dob.fill("12/04/2016")
    assert _validation_message(page, "#value-dob") == ""
    save.click()
    page.locator("#fact-dob .badge.ok").wait_for()
    assert "12/04/2016" in page.locator("#fact-dob").inner_text()
    db.session.expire_all()
    assert db.session.get(Person, child.id).dob == date(2016, 4, 12)

    # A required text field left empty.
    page.goto("/records/new")
    _assert_text_date_field(page.locator("#dob"))
    page.get_by_role("button", name="Thêm trẻ").click()
    assert _validation_message(page, "#full_name") == "Vui lòng điền vào ô này."

    # The volunteers' end date: dd/mm/yyyy, a bad one stopped in Vietnamese, a good one saved.
    page.goto("/volunteers")
    end = page.locator(f"#exp-{volunteer.id}")
    _assert_text_date_field(end)
    end.fill("2020-13-45")
    page.get_by_role("button", name="Lưu phân công").click()
    assert _validation_message(page, f"#exp-{volunteer.id}") == DATE_MESSAGE
    end.fill("31/12/2026")
    page.get_by_role("button", name="Lưu phân công").click()
    page.get_by_text("Đã cập nhật phân công").wait_for()
    assert page.locator(f"#exp-{volunteer.id}").input_value() == "31/12/2026"
    _shoot(page, "english-browser-volunteers")
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).expires_at is not None

    # The import upload: a Vietnamese file button, the chosen file named beside it.
    page.goto("/imports")
    assert page.locator("label[for=file]", has_text="Chọn tệp").is_visible()
    assert page.locator("#file-name").inner_text() == "Chưa chọn tệp"
    page.get_by_role("button", name="Tải lên và kiểm tra cột").click()
    assert _validation_message(page, "#file") == "Vui lòng chọn tệp."
    # The real input is reachable by keyboard: Shift+Tab from the button after it lands on it.
    page.get_by_role("button", name="Tải lên và kiểm tra cột").focus()
    page.keyboard.press("Shift+Tab")
    assert active_id(page, "file") == "file"
    _shoot(page, "english-browser-import-focus")
    upload = tmp_path / "xuat-du-lieu.csv"
    upload.write_text("Họ và tên\nBùi Thùy Anh\n", encoding="utf-8")
    page.locator("#file").set_input_files(str(upload))
    assert page.locator("#file-name").inner_text() == "xuat-du-lieu.csv"
    assert _validation_message(page, "#file") == ""
    _shoot(page, "english-browser-import")


def test_an_english_browser_sees_the_admins_account_end_date_as_text(make, english):
    tree = make.tree()
    admin = make.user("admin", tree["province"])
    sign_in(english, admin.username)
    english.wait_for_url("**/home")
    english.goto("/admin/users")
    _assert_text_date_field(english.locator("#expires_at"))
    english.locator("#expires_at").fill("31-02-2026x")
    english.get_by_role("button", name="Tạo").click()
    assert _validation_message(english, "#username") == "Vui lòng điền vào ô này."
    assert _validation_message(english, "#expires_at") == DATE_MESSAGE
