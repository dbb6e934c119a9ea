"""After an in-place edit of a fact (saved or cancelled) the focus is back on that fact's
edit button, not lost to the top of the page: a keyboard user goes on from where they were."""

from datetime import date

from treem_app.extensions import db
from treem_app.services import findings

from .test_login_flow import sign_in

FOCUSED = (
    "() => { const e = document.activeElement;"
    " return (e.closest('[id^=fact-]') || {}).id + ' ' + e.textContent.trim(); }"
)


def _focused(page) -> str:
    return page.evaluate(FOCUSED)


def _wait_focus(page, expected: str) -> str:
    """HTMX focuses the swapped-in [autofocus] once the swap settles: wait for it (a few ms,
    longer on a busy machine), then report where the focus is."""
    try:
        page.wait_for_function(f"() => ({FOCUSED})() === {expected!r}", timeout=5000)
    except Exception:  # the assertion below names where the focus went instead
        pass
    return _focused(page)


def test_focus_returns_to_the_facts_edit_button_after_save_and_cancel(make, page):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    child = make.person(tree["a"], full_name="Bùi Thùy Anh", hamlet="Thôn Một", mother_name=None)
    findings.rescreen(db.session, [child], date(2026, 1, 5))
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto(f"/records/{child.id}")

    row = page.locator("#fact-mother_name")
    row.get_by_role("link", name="Sửa").click()
    row.get_by_label("Họ tên mẹ").fill("Trần Thị Hoa")
    row.get_by_label("Nguồn thông tin").select_option("household_visit")
    row.get_by_label("Họ tên mẹ").press("Enter")
    page.locator("#fact-mother_name .badge.ok").wait_for()
    assert _wait_focus(page, "fact-mother_name Sửa") == "fact-mother_name Sửa"

    row = page.locator("#fact-father_name")
    row.get_by_role("link", name="Sửa").click()
    row.get_by_label("Họ tên cha").wait_for()
    row.get_by_role("link", name="Hủy").click()
    page.locator("#fact-father_name:not(.editing)").wait_for()
    assert _wait_focus(page, "fact-father_name Sửa") == "fact-father_name Sửa"
