"""Step 4 with the keyboard only: Tab to the first record's box, Space ticks it and the focus
moves on, Enter ticks the next; the ticks are saved (state and history), and unticking keeps
the focus where it is. Screenshots at 1366×768 and at 200 % zoom."""

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Person, PersonEvent

from ..changes_helpers import on_change_list
from .conftest import ARTIFACTS
from .test_login_flow import sign_in


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_officer_ticks_records_with_the_keyboard(make, page, browser, live_server, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    children = [
        on_change_list(
            make,
            tree["a"],
            full_name="Phạm Gia An",
            hamlet="Thôn An Hòa",
            national_key="KEY-0001",
            software={"father_name": "Phạm Văn Tú"},
            sources={"father_name": "civil_registry"},
        ),
        on_change_list(
            make,
            tree["a"],
            full_name="Lê Văn Bình",
            hamlet="Thôn An Hòa",
            national_key="KEY-0002",
            ethnicity="02",
            id_number="052215000123",
            id_source="police",
            software={"ethnicity": "01", "id_number": None},
            sources={"id_number": "police", "ethnicity": "household_visit"},
        ),
        on_change_list(
            make,
            tree["a"],
            full_name="Trần Thị Lan",
            sex="F",
            hamlet="Thôn Bình Lâm",
            national_key="KEY-0003",
            software={"full_name": "Tran Thi Lan", "sex": "M"},
            sources={"full_name": "household_visit", "sex": "birth_certificate"},
        ),
        on_change_list(
            make, tree["a"], full_name="Đỗ Minh Khôi", hamlet="Thôn Bình Lâm", software=None
        ),
    ]
    ids = [f"entered-{p.id}" for p in children]

    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.get_by_role("navigation", name="Chức năng").get_by_role(
        "link", name="Cập nhật lên phần mềm"
    ).click()
    page.wait_for_url("**/changes")
    screenshot("changes-1366")

    # Tab from the filters to the first record's box.
    page.get_by_role("link", name="Chưa nhập vào phần mềm (4)").focus()
    for _ in range(5):
        page.keyboard.press("Tab")
        if _focused_id(page) == ids[0]:
            break
    assert _focused_id(page) == ids[0]

    page.keyboard.press("Space")  # ticks, and the focus moves on
    page.locator(f"#change-{children[0].id} .change-state").get_by_text(
        "bởi Nguyễn Thị Thu Hà", exact=False
    ).wait_for()
    assert _focused_id(page) == ids[1]
    page.keyboard.press("Enter")  # Enter ticks too
    page.locator(f"#change-{children[1].id}.entered").wait_for()
    assert _focused_id(page) == ids[2]
    assert page.locator(f"#{ids[0]}").is_checked() and page.locator(f"#{ids[1]}").is_checked()
    assert not page.locator(f"#{ids[2]}").is_checked()
    screenshot("changes-ticked")

    # Space on the third, then untick it again: the focus stays on its box through the swap.
    page.keyboard.press("Space")
    page.locator(f"#change-{children[2].id}.entered").wait_for()
    assert _focused_id(page) == ids[3]
    page.keyboard.press("Shift+Tab")  # the fourth record's name link
    page.keyboard.press("Shift+Tab")  # the third record's box
    assert _focused_id(page) == ids[2]
    page.keyboard.press("Space")
    page.locator(f"#change-{children[2].id}:not(.entered)").wait_for()
    assert _focused_id(page) == ids[2]

    db.session.expire_all()
    states = [db.session.get(Person, p.id).sync_state for p in children]
    assert states == ["entered", "entered", "pending", "pending"]
    events = db.session.scalars(
        select(PersonEvent).where(PersonEvent.field == "software").order_by(PersonEvent.id)
    ).all()
    assert [e.person_id for e in events] == [children[i].id for i in (0, 1, 2, 2)]
    assert all(e.user_id == officer.id for e in events)

    page.reload()
    assert page.locator(f"#{ids[0]}").is_checked() and not page.locator(f"#{ids[2]}").is_checked()
    filters = page.get_by_role("navigation", name="Lọc hồ sơ")
    assert "Chưa nhập vào phần mềm (2)" in filters.inner_text()

    # 200 % zoom: the same page in half the CSS pixels, twice the density.
    zoomed = browser.new_context(
        base_url=live_server,
        locale="vi-VN",
        viewport={"width": 683, "height": 384},
        device_scale_factor=2,
    )
    try:
        zpage = zoomed.new_page()
        sign_in(zpage, officer.username)
        zpage.wait_for_url("**/home")
        zpage.goto("/changes")
        box = zpage.locator(f"#{ids[2]}")
        box.focus()
        assert box.is_visible()
        width = zpage.evaluate("document.documentElement.scrollWidth")
        assert width <= 683, width  # nothing scrolls sideways
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        zpage.screenshot(path=str(ARTIFACTS / "changes-200.png"), full_page=True)
    finally:
        zoomed.close()
