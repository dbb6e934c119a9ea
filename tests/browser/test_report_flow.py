"""Reports by keyboard (issue 14): a reporter enters a commune's own count of its children and
builds a weekly report on demand; the job page offers the file, the list shows it."""

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import ReportedTotal, ReportFile

from ..report_helpers import give_figures
from .focus import active_id
from .test_login_flow import sign_in


def test_reporter_enters_a_total_and_builds_a_report_by_keyboard(make, page, screenshot, run_jobs):
    tree = make.tree()
    give_figures(tree["a"], 2583, 1731)
    reporter = make.user("reporter", tree["district"], full_name="Lê Thị Báo Cáo")
    db.session.commit()
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, reporter.username)
    page.wait_for_url("**/home")
    page.get_by_role("navigation", name="Chức năng").get_by_role("link", name="Báo cáo").click()
    page.wait_for_url("**/reports")
    page.get_by_role("link", name="Tổng số trẻ em do địa phương báo cáo").click()
    page.wait_for_url("**/reports/totals")
    screenshot("reports-totals-1366")
    page.get_by_role("link", name=f"Nhập tổng số trẻ em của {tree['a'].name}").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/reports/totals/{tree['a'].code}")

    # A wrong count is told in Vietnamese and the field keeps the focus.
    page.get_by_label("Tổng số trẻ em", exact=True).focus()
    page.keyboard.type("3,158")
    page.keyboard.press("Enter")
    page.locator("#total-error").wait_for()
    # The page script moves the focus once it has run; wait for it rather than race it.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'total-value'"
    )
    assert active_id(page, "total-value") == "total-value"
    page.keyboard.press("Control+A")
    page.keyboard.type("3.158")
    page.keyboard.press("Tab")
    page.keyboard.type("Theo số liệu của xã")
    page.keyboard.press("Enter")
    page.locator(".flash-success").wait_for()
    assert page.locator("#current-total").inner_text() == "3.158"
    assert "Lê Thị Báo Cáo" in page.locator("#total-history").inner_text()
    assert db.session.scalar(select(ReportedTotal.total)) == 3158
    # A week instead of a month, by keyboard: typing "Tuần" in the period list picks the
    # first week (the open reporting week).
    page.get_by_label("Kỳ báo cáo (tháng hoặc tuần)").focus()
    page.keyboard.type("Tuần")
    week = page.locator("#total-period").input_value()
    assert "-W" in week, week
    page.keyboard.press("Tab")
    page.keyboard.type("3.160")
    page.keyboard.press("Enter")
    page.locator(".flash-success").wait_for()
    assert db.session.scalar(select(ReportedTotal.period).order_by(ReportedTotal.id.desc())) == week
    assert "Tuần " in page.locator("#total-history").inner_text()
    screenshot("reports-total-1366")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("reports-total-360")
    page.set_viewport_size({"width": 1366, "height": 768})

    # Build the weekly report of the district by keyboard: the default week (the last closed).
    page.goto("/reports")
    page.get_by_label("Đơn vị").focus()
    page.keyboard.press("Tab")  # weekly (checked)
    page.keyboard.press("Tab")  # children (checked)
    page.keyboard.press("Tab")  # the week
    assert active_id(page, "build-week") == "build-week"
    page.get_by_role("button", name="Lập báo cáo").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/jobs/*")
    run_jobs()  # the page keeps polling on its own
    page.locator("#report-download").wait_for()
    screenshot("reports-job-1366")
    row = db.session.scalar(select(ReportFile))
    assert row.unit_id == tree["district"].id and row.created_by_id == reporter.id
    page.get_by_role("link", name="Danh sách báo cáo").click()
    page.wait_for_url("**/reports")
    assert f"/reports/files/{row.id}" in page.locator("#report-files").inner_html()
    screenshot("reports-list-1366")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("reports-list-360")


def test_the_beneficiaries_count_is_a_tab_away(make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    db.session.commit()
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto(page.url.replace("/home", f"/reports/totals/{tree['a'].code}"))
    tabs = page.get_by_role("navigation", name="Loại đối tượng được đếm")
    tabs.get_by_role("link", name="Đối tượng bảo trợ xã hội").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**kind=beneficiary")
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith("Tổng số đối tượng bảo trợ xã hội do địa phương báo cáo")
    )
    page.get_by_label("Tổng số đối tượng bảo trợ xã hội", exact=True).fill("212")
    page.keyboard.press("Enter")
    page.wait_for_selector("#current-total:has-text('212')")
    screenshot("reports-total-beneficiaries-1366")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot("reports-total-beneficiaries-360")
    rows = db.session.scalars(select(ReportedTotal)).all()
    assert [(r.person_kind, r.total) for r in rows] == [("beneficiary", 212)]
