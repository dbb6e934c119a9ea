"""The campaign's pace on the dashboard at 1366x768 (looked at), and the settings page used by
keyboard: a bad date refused beside its field, then the plan saved (issue 17)."""

from __future__ import annotations

from ..campaign_helpers import (  # noqa: F401 - the fixture
    BENEFICIARIES,
    CHILDREN,
    THURSDAY_10,
    add_campaign,
    fixed_now,
    freeze_cleaned,
)
from ..report_helpers import give_figures
from .focus import active_id
from .test_login_flow import sign_in


def test_the_campaign_dashboard_at_1366(app, make, page, screenshot, fixed_now):  # noqa: F811
    tree = make.tree()
    add_campaign(tree["province"], CHILDREN, BENEFICIARIES, name="Chiến dịch 2026")
    give_figures(tree["a"], 300, 220)
    freeze_cleaned(tree["a"], 100, 130, 160, 190)
    give_figures(tree["b"], 50, 20)
    freeze_cleaned(tree["b"], 20, 20, 20, 20)
    give_figures(tree["c"], 40, 38)
    freeze_cleaned(tree["c"], 0, 10, 20, 30)
    reporter = make.user("reporter", tree["province"])
    fixed_now(THURSDAY_10)
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, reporter.username)
    page.wait_for_url("**/home")
    page.goto("/dashboard")
    table = page.locator("#campaign-pace")
    table.scroll_into_view_if_needed()
    rows = {code: table.locator(f'tr[data-unit="{code}"]') for code in ("C0001", "C0002", "C0003")}
    assert rows["C0001"].get_by_text("Không kịp tiến độ").is_visible()
    assert rows["C0002"].get_by_text("Không tiến triển 2 tuần").is_visible()
    assert rows["C0003"].get_by_text("Kịp tiến độ", exact=True).is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1366, width
    screenshot("campaign-dashboard-1366")
    table.screenshot(path=str(screenshot("campaign-dashboard-1366").parent / "campaign-pace.png"))


def test_the_settings_page_by_keyboard(app, make, page, screenshot):
    tree = make.tree()
    reporter = make.user("reporter", tree["province"])
    sign_in(page, reporter.username)
    page.wait_for_url("**/home")
    page.goto("/campaigns")
    page.locator("#phase-0-kind").focus()
    page.keyboard.press("ArrowDown")  # Trẻ em
    page.keyboard.press("Tab")
    assert active_id(page, "phase-0-start") == "phase-0-start"
    page.keyboard.type("31/02/2026")
    page.keyboard.press("Tab")
    page.keyboard.type("18/06/2026")
    page.keyboard.press("Enter")
    page.wait_for_selector("#campaign-errors")
    assert active_id(page, "campaign-errors") == "campaign-errors"
    field = page.locator("#phase-0-start")
    assert field.get_attribute("aria-invalid") == "true"
    assert "không phải một ngày có thật" in page.locator("#phase-0-start-error").inner_text()
    screenshot("campaign-settings-error-1280")
    page.get_by_role("link", name="không phải một ngày có thật", exact=False).first.click()
    assert active_id(page, "phase-0-start") == "phase-0-start"
    field.fill("04/06/2026")
    field.press("Enter")
    page.wait_for_selector("#phases-in-force")
    assert "04/06/2026" in page.locator("#phases-in-force").inner_text()
    screenshot("campaign-settings-1280")
