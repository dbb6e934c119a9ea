"""After an in-place edit of a fact (saved or cancelled) the focus is back on that fact's
edit button, not lost to the top of the page: a keyboard user goes on from where they were."""

from datetime import date

from treem_app.extensions import db
from treem_app.services import findings

from .flows import upload_sample_export
from .focus import active_id
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


def test_a_select_fact_opens_focused_and_escape_cancels_the_edit(make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    child = make.person(tree["a"], full_name="Bùi Thùy Anh", hamlet="Thôn Một")
    findings.rescreen(db.session, [child], date(2026, 1, 5))
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto(f"/records/{child.id}")

    page.set_viewport_size({"width": 1366, "height": 768})
    for field in ("sex", "ethnicity"):
        page.locator(f"#fact-{field}").get_by_role("link", name="Sửa").focus()
        page.keyboard.press("Enter")
        assert active_id(page, f"value-{field}") == f"value-{field}"
        if field == "sex":
            screenshot("fact-edit-sex-focused-1366")
            page.set_viewport_size({"width": 640, "height": 720})
            screenshot("fact-edit-sex-focused-640")
        page.keyboard.press("Escape")
        page.locator(f"#fact-{field}:not(.editing)").wait_for()
        assert _wait_focus(page, f"fact-{field} Sửa") == f"fact-{field} Sửa"
        if field == "sex":
            screenshot("fact-escape-focus-back-640")

    # Escape from the source select or the note cancels too; nothing is saved.
    row = page.locator("#fact-mother_name")
    row.get_by_role("link", name="Sửa").click()
    row.get_by_label("Họ tên mẹ").fill("Trần Thị Hoa")
    row.get_by_label("Ghi chú").focus()
    page.keyboard.press("Escape")
    page.locator("#fact-mother_name:not(.editing)").wait_for()
    assert _wait_focus(page, "fact-mother_name Sửa") == "fact-mother_name Sửa"
    assert "Trần Thị Hoa" not in page.locator("#fact-mother_name").inner_text()


def test_paging_the_queue_moves_the_focus_to_the_result_count(make, page):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    children = [
        make.person(tree["a"], full_name=f"Trẻ Thử {i:02d}", hamlet="Thôn Một", id_number=None)
        for i in range(55)
    ]
    findings.rescreen(db.session, children, date(2026, 1, 5))
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/records")
    page.get_by_role("link", name="Trang sau →").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2**")
    assert active_id(page, "queue-count") == "queue-count"
    assert "trang 2/2" in page.locator("#queue-count").inner_text()
    page.get_by_role("link", name="← Trang trước").focus()
    page.keyboard.press("Enter")
    page.locator("#queue-count", has_text="trang 1/2").wait_for()
    assert active_id(page, "queue-count") == "queue-count"
    # A filter keeps the focus on itself (the select is swapped with the list it filters).
    page.locator("#severity").focus()
    page.locator("#severity").select_option("error")
    page.locator("#queue-count", has_text="55 hồ sơ").wait_for()
    assert active_id(page, "severity") == "severity"


def test_changing_a_mapping_select_keeps_the_focus_on_it(make, page, tmp_path):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    upload_sample_export(page, tmp_path)
    select = page.get_by_label("Cột C: Họ và tên trẻ")
    select.focus()
    select_id = select.get_attribute("id")
    with page.expect_response("**/mapping*") as response:
        select.select_option("")
    assert response.value.ok
    page.wait_for_timeout(200)  # the swap settles
    assert active_id(page, select_id) == select_id
    page.keyboard.press("Tab")  # goes on to the next column, not back to the top of the page
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("Cột D")


def test_a_poll_redrawing_the_focused_link_keeps_the_focus_in_its_area(make, page, run_jobs):
    from ..batch_helpers import ready_children

    tree = make.tree()
    officer = make.user("officer", tree["a"])
    ready_children(make, tree["a"], 3)
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/batches")
    page.get_by_role("button", name="Lập danh sách mới").click()
    page.get_by_role("button", name="Khóa và chuyển công an").click()
    link = page.get_by_role("link", name="Xem tiến trình xử lý")
    link.focus()
    page.evaluate("document.getElementById('batch-documents').dataset.old = '1'")
    page.wait_for_function("() => !document.getElementById('batch-documents').dataset.old")
    page.wait_for_timeout(300)  # the poll redrew the area; the swap settles
    assert page.evaluate("document.activeElement.textContent.trim()").startswith(
        "Xem tiến trình xử lý"
    )
    run_jobs()
    page.locator("#download-pdf").wait_for(timeout=20000)
    assert active_id(page, "batch-documents") == "batch-documents"
    page.keyboard.press("Tab")  # goes on inside the area, to its first download
    assert active_id(page, "download-pdf") == "download-pdf"
