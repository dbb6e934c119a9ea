"""An administrator resets a forgotten password; the person signs in with it and must replace it.

Everything by keyboard: Tab to the control, Enter to use it.
"""

from ..conftest import TEST_PASSWORD
from .focus import active_id


def focused(page, attribute: str = "aria-label") -> str:
    return page.evaluate(
        f"() => document.activeElement.getAttribute('{attribute}') || "
        "document.activeElement.textContent.trim()"
    )


def tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused control is called `name`."""
    for _ in range(limit):
        if focused(page) == name:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{name!r} not reached by Tab (last: {focused(page)!r})")


def sign_in_by_keyboard(page, username: str, password: str) -> None:
    page.goto("/login")
    # The login page puts the cursor in the username (autofocus; wait for it under load).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")


def test_reset_sign_in_and_change_by_keyboard(make, page, screenshot):
    tree = make.tree()
    admin = make.user("admin", tree["district"], full_name="Phạm Quốc Huy")
    officer = make.user("officer", tree["a"], username="tran.thi.mai", full_name="Trần Thị Mai")

    sign_in_by_keyboard(page, admin.username, TEST_PASSWORD)
    page.wait_for_url("**/home")
    page.goto("/admin/users")
    tab_to(page, "Đặt lại mật khẩu cho tran.thi.mai")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/users/{officer.id}/password")
    assert page.get_by_role("heading", name="Đặt lại mật khẩu cho Trần Thị Mai?").is_visible()
    assert focused(page) == "Đặt lại mật khẩu cho Trần Thị Mai"  # the confirm button
    screenshot("password-reset-confirm")
    page.keyboard.press("Enter")
    page.locator("#one-time-password").wait_for()
    assert active_id(page, "one-time-password") == "one-time-password"
    password = page.locator("#one-time-password").inner_text().strip()
    assert len(password) == 10
    screenshot("password-reset-shown-once")

    page.set_viewport_size({"width": 640, "height": 860})  # 200 % zoom: nothing cut off
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("password-reset-shown-once-200")
    page.set_viewport_size({"width": 1280, "height": 860})

    tab_to(page, "Về danh sách tài khoản")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/users")
    assert password not in page.content()
    row = page.get_by_role("row").filter(has_text="tran.thi.mai")
    assert "Chờ đặt mật khẩu mới" in row.inner_text()
    screenshot("password-reset-users")
    tab_to(page, "Đăng xuất")
    page.keyboard.press("Enter")
    page.wait_for_url("**/login")

    sign_in_by_keyboard(page, officer.username, password)
    page.wait_for_url("**/account/password")
    assert page.get_by_role("heading", name="Đặt mật khẩu mới").is_visible()
    assert page.get_by_role("navigation", name="Chức năng").count() == 0  # no menu yet
    assert "Quản trị đã đặt lại mật khẩu" in page.locator("#forced-note").inner_text()
    screenshot("password-reset-must-change")
    page.goto("/records")
    page.wait_for_url("**/account/password")

    assert active_id(page, "current") == "current"
    page.keyboard.type(password)
    page.keyboard.press("Tab")
    page.keyboard.type(password)  # the one-time password cannot be kept
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    assert "khác mật khẩu hiện tại" in alert.inner_text()
    assert active_id(page, "current") == "current"
    page.keyboard.type(password)
    page.keyboard.press("Tab")
    page.keyboard.type("mat-khau-rieng-42")
    page.keyboard.press("Tab")
    page.keyboard.type("mat-khau-rieng-42")
    page.keyboard.press("Enter")
    page.wait_for_url("**/home")
    assert "Đã đổi mật khẩu." in page.locator("#flash").inner_text()
    tab_to(page, "Hồ sơ trẻ em")  # the menu is back, and leads where it says
    page.keyboard.press("Enter")
    page.wait_for_url("**/records")
