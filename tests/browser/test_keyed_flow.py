"""Step 3 by hand in the browser: the police's numbers typed from the signed paper list, by
keyboard only (issue 12)."""

from treem_app.extensions import db
from treem_app.models import Batch

from ..returns import issued_batch, right_id
from .test_login_flow import sign_in


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_the_grid_is_keyed_by_keyboard_checked_live_confirmed_and_applied(
    app, make, page, screenshot, tmp_path
):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    batch, children, _ = issued_batch(app, make, tree["a"], 3, tmp_path)
    a, b, c = children
    rows = sorted(batch.rows, key=lambda r: r.position)
    r1, r2, r3 = (r.id for r in rows)
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/batches/{batch.id}")
    page.get_by_role("link", name="Nhập số từ bản giấy").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/keyed")
    page.get_by_role("button", name="Bắt đầu nhập").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/keyed/1")
    grid_url = page.url
    # The grid opens in the first row's number.
    assert focused_id(page) == f"number-{r1}"
    page.keyboard.type(right_id(a))
    page.keyboard.press("Enter")  # the next row, never a submit
    assert focused_id(page) == f"number-{r2}" and page.url == grid_url
    page.locator(f"#msg-{r1}").get_by_text("Hợp lệ").wait_for()
    # Row 2: a number that does not fit the child (too short), the message beside the row.
    page.keyboard.type(right_id(b)[:9])
    page.locator(f"#msg-{r2}").get_by_text("không phải 12 chữ số").wait_for()
    assert focused_id(page) == f"number-{r2}"  # the swap never moves the focus
    for _ in range(3):
        page.keyboard.press("Backspace")
    page.keyboard.type(right_id(b)[6:])
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # "Khớp"
    page.keyboard.press("Enter")
    assert focused_id(page) == f"number-{r3}" and page.url == grid_url
    page.locator(f"#msg-{r2}").get_by_text("Hợp lệ").wait_for()
    # Row 3: the police could not find the child; a note.
    page.keyboard.press("Tab")
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # "Không tìm thấy"
    page.keyboard.press("Tab")
    page.keyboard.type("Chưa đăng ký khai sinh")
    page.locator(f"#msg-{r3}").get_by_text("không tìm thấy").wait_for()
    screenshot("keyed-grid-1366")
    # At 200 % zoom (half of 1366 x 768): every row still reads without sideways scrolling.
    page.set_viewport_size({"width": 683, "height": 384})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("keyed-grid-200")
    page.set_viewport_size({"width": 1366, "height": 768})
    # The keying survives a reload.
    page.reload()
    assert page.locator(f"#number-{r1}").input_value() == right_id(a)
    assert page.locator(f"#note-{r3}").input_value() == "Chưa đăng ký khai sinh"
    page.locator(f"#note-{r3}").focus()
    page.keyboard.press("Enter")  # after the last row: the review button
    assert focused_id(page) == "keyed-review"
    page.keyboard.press("Enter")
    page.wait_for_url("**/keyed/review")
    counts = page.locator("#keyed-counts").inner_text()
    assert "Đã xác thực\t2" in counts and "Bị trả lại\t1" in counts
    db.session.expire_all()
    assert a.id_number is None  # nothing written before the confirmation
    screenshot("keyed-review")
    page.get_by_role("button", name="Xác nhận áp dụng").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/returns/*")
    assert "2 đã xác thực, 1 bị trả lại" in page.locator("#return-status").inner_text()
    screenshot("keyed-applied")
    db.session.expire_all()
    assert a.id_number == right_id(a) and b.id_number == right_id(b)
    assert db.session.get(Batch, batch.id).state == "returned"
