"""Wide lists keep their bearings (issue 20): the header row sticks while the rows scroll and the
name column sticks while the columns scroll sideways: on a wide screen the page scrolls and the
header sticks to the window's top; at 320 px (400 % zoom) the table scrolls in its own box, the
page never does."""

from datetime import date

from treem_app.extensions import db
from treem_app.services import findings

from ..batch_helpers import ready_children
from .test_login_flow import sign_in

RECT = """sel => {
  const r = document.querySelector(sel).getBoundingClientRect();
  return [r.left, r.top];
}"""


def _queue(make, n=40):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    facts = {"hamlet": "Thôn Hưng Nghĩa", "id_number": "12", "mother_name": None,
             "father_name": None}  # fmt: skip
    children = [
        make.person(tree["a"], full_name=f"Nguyễn Thị Phương Thảo {i:02d}", **facts)
        for i in range(n)
    ]
    findings.rescreen(db.session, children, date(2026, 1, 5))
    db.session.commit()
    return tree, officer


def test_the_queue_header_sticks_to_the_top_of_a_wide_window(make, page, screenshot):
    _, officer = _queue(make)
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/records")
    head = "#queue thead th.pin"
    _, top = page.evaluate(RECT, head)
    assert top > 200
    page.mouse.wheel(0, 900)
    page.wait_for_function("window.scrollY > 600")
    _, top = page.evaluate(RECT, head)
    assert abs(top) < 2, top  # stuck to the window's top
    screenshot("queue-sticky-header-1366")


def test_at_320_px_the_queue_scrolls_in_its_box_keeping_the_names(make, page, screenshot):
    _, officer = _queue(make)
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/records")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = page.locator("#queue .table-scroll")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth"), "the table fits: nothing to test"
    name = "#queue tbody tr:nth-child(3) td.pin"
    head = "#queue thead th.pin"
    left0, _ = page.evaluate(RECT, name)
    box.evaluate("b => { b.scrollLeft = 400; b.scrollTop = 300; }")
    page.wait_for_function("document.querySelector('#queue .table-scroll').scrollLeft > 100")
    left1, _ = page.evaluate(RECT, name)
    assert abs(left1 - left0) < 2, (left0, left1)  # the name stays put as the columns scroll
    box_left, box_top = page.evaluate(RECT, "#queue .table-scroll")
    head_left, head_top = page.evaluate(RECT, head)
    assert abs(head_top - box_top) < 3 and abs(head_left - box_left) < 3  # the corner header
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    screenshot("queue-sticky-320")
    # a keyboard user reaches the records (and the box scrolls to each)
    page.locator("#queue-count").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('td.pin') !== null")


def test_a_draft_batch_keeps_tick_and_name_at_320_px(make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    ready_children(make, tree["a"], 5)
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/batches")
    page.get_by_role("button", name="Lập danh sách mới").click()
    page.wait_for_url("**/batches/*")
    page.set_viewport_size({"width": 320, "height": 640})
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = page.locator(".table-scroll").first
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    tick = ".table-scroll tbody tr:first-child td.pick"
    name = ".table-scroll tbody tr:first-child td.pin:not(.pick)"
    box.evaluate("b => { b.scrollLeft = 500; }")
    page.wait_for_function("document.querySelector('.table-scroll').scrollLeft > 100")
    box_left, _ = page.evaluate(RECT, ".table-scroll")
    tick_left, _ = page.evaluate(RECT, tick)
    name_left, _ = page.evaluate(RECT, name)
    assert abs(tick_left - box_left) < 3
    assert 30 < name_left - box_left < 50  # right after the tick column (2.6rem)
    screenshot("batch-draft-sticky-320")
