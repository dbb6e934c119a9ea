"""The differences page in a browser: select by kind, one decision for all, asked first with
the count; keyboard only, the focus where the work goes on."""

from playwright.sync_api import expect
from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Conflict, Person

from ..conflict_helpers import make_conflicts
from .test_login_flow import sign_in


def test_select_by_kind_and_mark_moved_in_one_decision(app, make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    gone, corrected, _ = make_conflicts(app, tree["a"], officer, absent=6, values=2)
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/imports/conflicts")
    count = page.locator("#bulk-count")
    assert count.inner_text() == "Đã chọn 0 mục"

    # Keyboard: the "absent" kind button, then the decision, then apply.
    by_kind = page.get_by_role("button", name="Chỉ chọn loại “Không còn trong tệp xuất” (6)")
    by_kind.focus()
    page.keyboard.press("Enter")
    assert count.inner_text() == "Đã chọn 6 mục"
    boxes = page.locator('input[type=checkbox][form="bulk"]')
    assert [boxes.nth(i).is_checked() for i in range(8)].count(True) == 6
    page.get_by_role("button", name="Chọn tất cả (8)").click()
    assert count.inner_text() == "Đã chọn 8 mục"
    by_kind.click()
    assert count.inner_text() == "Đã chọn 6 mục"
    page.get_by_label("Quyết định").select_option("moved")
    page.get_by_role("button", name="Áp dụng cho các mục đã chọn…").click()

    confirm = page.get_by_role("button", name="Xác nhận cho 6 mục")
    confirm.wait_for()
    assert "Áp dụng “Đã chuyển đi” cho 6 mục?" in page.locator("#bulk-confirm").inner_text()
    expect(confirm).to_be_focused()  # the focus moves to the confirmation
    screenshot("conflicts-bulk-confirm")

    # Cancel first: nothing changed, the focus back on the apply button.
    page.get_by_role("button", name="Hủy").click()
    assert page.locator("#bulk-confirm").inner_text().strip() == ""
    expect(page.get_by_role("button", name="Áp dụng cho các mục đã chọn…")).to_be_focused()
    db.session.expire_all()
    assert db.session.scalar(select(Conflict).where(Conflict.status != "open")) is None

    page.keyboard.press("Enter")  # apply again, from the keyboard
    expect(confirm).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the focused confirmation
    assert "Đã áp dụng “Đã chuyển đi” cho 6 mục" in page.locator("#flash").inner_text()
    screenshot("conflicts-after-bulk")
    assert page.locator('input[type=checkbox][form="bulk"]').count() == 2
    db.session.expire_all()
    assert {db.session.get(Person, p.id).status for p in gone} == {"moved"}
    assert {db.session.get(Person, p.id).status for p in corrected} != {"moved"}


def test_the_decision_reads_in_full_at_1366_and_at_200_percent(app, make, page):
    """The bulk decision's choices are sentences: the chosen one is not cut off in the field."""
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    make_conflicts(app, tree["a"], officer, absent=2, values=1)
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    for width in (1366, 683):  # 683 css px: a 1366 px screen at 200 % zoom
        page.set_viewport_size({"width": width, "height": 768})
        page.goto("/imports/conflicts")
        decision = page.get_by_label("Quyết định")
        for value in ("keep", "export", "moved"):
            decision.select_option(value)
            text_width, box_width = decision.evaluate(
                """(s) => { const c = document.createElement('canvas').getContext('2d');
                   c.font = getComputedStyle(s).font;
                   const text = s.options[s.selectedIndex].text;
                   return [c.measureText(text).width, s.clientWidth]; }"""
            )
            if width == 1366:
                assert text_width < box_width, (value, text_width, box_width)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
