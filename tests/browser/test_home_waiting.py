"""The officer's home lists every kind of waiting work; its links are reached by keyboard."""

from ..waiting_helpers import OFFICER_COUNTS, seed_waiting_work
from .test_login_flow import sign_in


def _tab_to(page, element_id: str, limit: int = 80) -> None:
    """Press Tab until the element with `element_id` has the focus (as a keyboard user does)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} never got the focus by Tab")


def test_officer_follows_the_waiting_work_from_the_home_by_keyboard(app, make, page, screenshot):
    tree = make.tree()
    volunteer = make.user("volunteer", tree["a"])
    seeded = seed_waiting_work(make, tree["a"], volunteer, app.config["TREEM_FILES_DIR"])
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    waiting = page.get_by_role("region", name="Việc cần làm")
    for key, count in OFFICER_COUNTS.items():
        assert page.locator(f"#todo-{key} .n").inner_text() == str(count), key
    assert waiting.get_by_role("link", name="Đề xuất chờ duyệt").is_visible()
    assert waiting.get_by_role("link", name="Khác biệt khi nhập chờ quyết định").is_visible()
    screenshot("home-officer-waiting")
    # Proposals: Tab to the tile, Enter opens the page where they are decided.
    _tab_to(page, "todo-proposals")
    page.keyboard.press("Enter")
    page.wait_for_url("**/proposals")
    assert page.get_by_text("Trần Thị Mai").first.is_visible()
    page.go_back()
    page.wait_for_url("**/home")
    # Import differences.
    _tab_to(page, "todo-conflicts")
    page.keyboard.press("Enter")
    page.wait_for_url("**/imports/conflicts")
    assert page.get_by_text("Trần Thị Mai").first.is_visible()
    page.go_back()
    page.wait_for_url("**/home")
    # The dry run waiting for the real import opens that import itself.
    _tab_to(page, "todo-imports_dry_run")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/imports/{seeded.ids['imports_dry_run']}")
    # The differences page is in the menu too.
    nav = page.get_by_role("navigation", name="Chức năng")
    nav.get_by_role("link", name="Khác biệt khi nhập").click()
    page.wait_for_url("**/imports/conflicts")
