"""A province's work queue by keyboard (issue 15): the unit filter narrows it to a district or a
commune, the commune's hamlets appear once one is chosen and go with it, and the focus stays
on the filter the person is using after each swap."""

from datetime import date

from treem_app.extensions import db
from treem_app.services import findings

from .focus import active_id
from .test_login_flow import sign_in

TODAY = date(2026, 11, 22)


def test_a_reporter_narrows_the_queue_by_keyboard(make, page):
    tree = make.tree()
    people = [
        make.person(tree["a"], full_name="Trần Văn An", name_key="tran van an", id_number=None,
                    hamlet="Thôn Một"),
        make.person(tree["c"], full_name="Võ Thị Dung", name_key="vo thi dung", id_number=None,
                    hamlet="Thôn Ba"),
    ]  # fmt: skip
    findings.rescreen(db.session, people, TODAY)
    reporter = make.user("reporter", tree["province"])
    db.session.commit()
    sign_in(page, reporter.username)
    page.wait_for_url("**/home")
    page.goto("/records")
    assert page.locator("#hamlet").count() == 0
    assert page.get_by_role("columnheader", name="Đơn vị").count() == 1
    page.locator("#unit").focus()
    page.keyboard.press("ArrowDown")  # Huyện Hai (the options are by name)
    page.wait_for_url("**unit=D02**")
    assert active_id(page, "unit") == "unit"
    page.keyboard.press("ArrowDown")  # Xã Cát Tiên: its hamlets are offered
    page.wait_for_url("**unit=C0003**")
    assert active_id(page, "unit") == "unit"
    page.locator("#hamlet").wait_for()
    assert page.get_by_text("Võ Thị Dung").count() == 1
    assert page.get_by_text("Trần Văn An").count() == 0
    page.locator("#hamlet").focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_url("**hamlet=**")
    assert active_id(page, "hamlet") == "hamlet"
    # Another unit: the hamlet goes with the commune it belonged to.
    page.locator("#unit").focus()
    page.keyboard.press("ArrowDown")  # Huyện Một
    page.wait_for_url("**unit=D01")
    assert "hamlet=" not in page.url and page.locator("#hamlet").count() == 0
    assert active_id(page, "unit") == "unit"
    assert page.get_by_text("Trần Văn An").count() == 1
