"""Keyboard shortcuts and their "?" panel (templates/_shortcuts.html, static/js/shortcuts.js),
driven by the keyboard alone: "?" opens a modal that keeps the focus inside and gives it back on
Escape; "/" reaches the queue's search; "g q" / "g h" open the queue and home; j / k walk the
queue's records; none fires while typing in a field."""

from datetime import date

from treem_app.extensions import db
from treem_app.services import findings

from .focus import active_id
from .test_login_flow import sign_in

FOCUS_TEXT = "() => document.activeElement.textContent.trim()"
IN_PANEL = "() => !!document.activeElement.closest('#shortcuts')"


def _queue_world(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    children = [
        make.person(tree["a"], full_name=f"Trẻ Phím {i}", hamlet="Thôn Một", id_number=None)
        for i in range(3)
    ]
    findings.rescreen(db.session, children, date(2026, 1, 5))
    db.session.commit()
    return officer, children


def test_help_panel_is_a_modal_that_gives_the_focus_back(make, page, screenshot):
    officer, _ = _queue_world(make)
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/records")
    page.wait_for_load_state("networkidle")
    # Tab to the first record's link, then "?"
    page.locator("#queue-count").focus()
    page.keyboard.press("Tab")
    start = page.evaluate(FOCUS_TEXT)
    assert start.startswith("Trẻ Phím")
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts")
    dialog.wait_for(state="visible")
    assert dialog.get_attribute("role") == "dialog"
    assert dialog.get_attribute("aria-modal") == "true"
    assert page.get_by_role("dialog", name="Phím tắt").is_visible()
    assert active_id(page, "shortcuts-title") == "shortcuts-title"
    text = dialog.inner_text()
    for words in ("Đến ô tìm kiếm của danh sách hồ sơ", "Về trang chủ", "Mở danh sách hồ sơ"):
        assert words in text
    screenshot("shortcuts-panel")
    # The focus stays inside, both ways round.
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate(IN_PANEL)
    for _ in range(4):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(IN_PANEL)
    # A shortcut does nothing while the panel is open.
    page.keyboard.press("g")
    page.keyboard.press("h")
    assert "/records" in page.url
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    page.wait_for_function(f"() => ({FOCUS_TEXT})() === {start!r}")
    # "Đóng" by keyboard closes it too.
    page.keyboard.press("?")
    dialog.wait_for(state="visible")
    dialog.get_by_role("button", name="Đóng").focus()
    page.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    page.wait_for_function(f"() => ({FOCUS_TEXT})() === {start!r}")


def test_shortcuts_move_around_and_never_fire_while_typing(make, page):
    officer, _ = _queue_world(make)
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.wait_for_load_state("networkidle")
    # "/" from home: the queue opens with its search focused
    page.keyboard.press("/")
    page.wait_for_url("**/records")
    assert active_id(page, "q") == "q"
    # typing "?", "/", "g", "h" in the search types them; nothing opens, nothing navigates
    page.keyboard.type("g h?/")
    assert page.input_value("#q") == "g h?/"
    assert not page.locator("#shortcuts").is_visible()
    assert "/records" in page.url
    page.goto("/records")
    page.wait_for_load_state("networkidle")
    # j / k walk the records
    page.locator("#main").focus()
    page.keyboard.press("j")
    assert page.evaluate(FOCUS_TEXT).startswith("Trẻ Phím")
    first = page.evaluate(FOCUS_TEXT)
    page.keyboard.press("j")
    second = page.evaluate(FOCUS_TEXT)
    assert second != first and second.startswith("Trẻ Phím")
    page.keyboard.press("k")
    assert page.evaluate(FOCUS_TEXT) == first
    # g h: home; g q: the queue; "/" on the queue focuses the search in place
    page.keyboard.press("g")
    page.keyboard.press("h")
    page.wait_for_url("**/home")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("g")
    page.keyboard.press("q")
    page.wait_for_url("**/records")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")
    assert active_id(page, "q") == "q"


def test_a_role_without_the_queue_is_not_offered_its_shortcuts(make, page):
    tree = make.tree()
    admin = make.user("admin", tree["province"])
    sign_in(page, admin.username)
    page.wait_for_url("**/home")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")
    page.keyboard.press("?")
    text = page.locator("#shortcuts").inner_text()
    assert "Về trang chủ" in text and "ô tìm kiếm" not in text
    assert "/home" in page.url
