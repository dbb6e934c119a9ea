"""The first Tab of every page reaches "Bỏ qua, đến nội dung chính", which moves the focus to
<main>; in the work queue a second skip link leads from the search box past the filters to the
result count, right above the first record."""

from datetime import date

from treem_app.extensions import db
from treem_app.services import findings

from .focus import active_id
from .test_login_flow import sign_in

ACTIVE = "() => { const e = document.activeElement; return e.id + '|' + e.textContent.trim(); }"


FIRST_FOCUSABLE = """() => [...document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])'
)].filter(e => !e.closest('dialog'))[0].textContent.trim()"""


def _first_tab(page) -> str:
    """The first focusable element in the page's order; where no field has autofocus, the first
    Tab after the page loads lands on it."""
    first = page.evaluate(FIRST_FOCUSABLE)
    if page.evaluate("document.activeElement === document.body"):
        page.keyboard.press("Tab")
        assert page.evaluate(ACTIVE) == "|" + first
    else:
        page.locator(".skip-link").first.focus()
    return "|" + first


def test_the_first_tab_is_the_skip_link_and_it_leads_to_main(make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    children = [
        make.person(tree["a"], full_name=f"Trẻ Thử {i}", hamlet="Thôn Một", id_number=None)
        for i in range(3)
    ]
    findings.rescreen(db.session, children, date(2026, 1, 5))
    db.session.commit()

    page.goto("/login")
    assert _first_tab(page) == "|Bỏ qua, đến nội dung chính"
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    for path in ("/home", "/records", f"/records/{children[0].id}", "/imports", "/batches"):
        page.goto(path)
        assert _first_tab(page) == "|Bỏ qua, đến nội dung chính", path
        link = page.locator(".skip-link").first
        assert link.bounding_box()["width"] > 50  # visible once focused
        if path == "/records":
            screenshot("skip-link-focused")
        page.keyboard.press("Enter")
        assert active_id(page, "main") == "main", path
        page.keyboard.press("Tab")  # the next Tab goes on past the menu
        assert page.evaluate("document.activeElement.closest('header') === null"), path

    page.goto("/records")
    page.locator("#q").focus()
    page.keyboard.press("Tab")  # "Tìm"
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE) == "|Bỏ qua bộ lọc, đến danh sách kết quả"
    screenshot("queue-skip-filters-focused")
    page.keyboard.press("Enter")
    assert active_id(page, "queue-count") == "queue-count"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()").startswith("Trẻ Thử")
