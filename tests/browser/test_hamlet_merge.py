"""Gộp thôn with the keyboard only: choose, preview, confirm; the records and the volunteer
follow, and the merge shows in the history."""

from datetime import date

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Person, VolunteerHamlet
from treem_app.services import findings, proposals

from .focus import active_text
from .test_login_flow import sign_in

TODAY = date(2026, 11, 22)
CHILDREN = [
    ("Bùi Thùy Anh", "Thôn An Hòa"),
    ("Hồ Quốc An", "Thôn An Hòa"),
    ("Lê Minh Khang", "An Hòa"),
    ("Trần Thị Bích", "Thôn An Hòa 2"),
    ("Võ Đức Long", "Tổ dân phố 5"),
]


def test_officer_merges_hamlets_with_the_keyboard(make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    volunteer = make.user("volunteer", tree["a"], full_name="Phạm Minh Khôi")
    persons = [
        make.person(tree["a"], full_name=name, name_key=name.lower(), hamlet=hamlet)
        for name, hamlet in CHILDREN
    ]
    findings.rescreen(db.session, persons, TODAY)
    proposals.set_volunteer_hamlets(db.session, volunteer, ["An Hòa"])
    db.session.commit()

    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.get_by_role("navigation", name="Chức năng").get_by_role(
        "link", name="Thôn, tổ dân phố"
    ).click()
    page.wait_for_url("**/hamlets")
    assert page.get_by_role("heading", name="Thôn, tổ dân phố", exact=True).is_visible()

    # Keyboard only: tick the two old names, pick the hamlet to keep, preview.
    page.get_by_label("An Hòa", exact=True).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the count's link
    page.keyboard.press("Tab")  # the next hamlet's box ("Thôn An Hòa")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # "Thôn An Hòa 2"
    assert page.evaluate("document.activeElement.id") == page.get_by_label(
        "Thôn An Hòa 2", exact=True
    ).get_attribute("id")
    page.keyboard.press("Space")
    page.get_by_label("Gộp các thôn đã chọn vào").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # "Thôn An Hòa" (after "An Hòa")
    assert (
        page.get_by_label("Gộp các thôn đã chọn vào").evaluate(
            "s => s.options[s.selectedIndex].text"
        )
        == "Thôn An Hòa"
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Xem trước khi gộp"
    page.keyboard.press("Enter")

    # The confirmation names what goes into what; focus is on its button.
    confirm = page.locator("#merge-confirm")
    confirm.wait_for()
    assert "Gộp «An Hòa», «Thôn An Hòa 2» vào «Thôn An Hòa»?" in confirm.inner_text()
    assert "2 hồ sơ trẻ em" in confirm.inner_text()
    assert "1 cộng tác viên" in confirm.inner_text()
    assert active_text(page, "Gộp vào «Thôn An Hòa»") == "Gộp vào «Thôn An Hòa»"
    screenshot("hamlets-confirm")
    page.keyboard.press("Enter")

    page.wait_for_url("**/hamlets")
    flash = page.locator(".flash-success")
    assert "Đã gộp «An Hòa», «Thôn An Hòa 2» vào «Thôn An Hòa»" in flash.inner_text()
    history = page.locator("#merge-history")
    assert "Nguyễn Thị Thu Hà" in history.inner_text()
    assert "An Hòa; Thôn An Hòa 2" in history.inner_text()
    row = page.get_by_role("row").filter(has=page.get_by_label("Thôn An Hòa", exact=True))
    assert "4" in row.inner_text() and "Phạm Minh Khôi" in row.inner_text()
    screenshot("hamlets-merged")

    # At 200 % zoom (half the width) the page still reads without sideways scrolling.
    page.set_viewport_size({"width": 640, "height": 860})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot("hamlets-merged-narrow")

    db.session.expire_all()
    assert sorted({p.hamlet for p in db.session.scalars(select(Person))}) == [
        "Thôn An Hòa",
        "Tổ dân phố 5",
    ]
    assert db.session.scalars(select(VolunteerHamlet.hamlet)).all() == ["Thôn An Hòa"]
