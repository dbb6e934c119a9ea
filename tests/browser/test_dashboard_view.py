"""The reporters' dashboard at 1366x768 and on a 360 px phone: looked at (screenshots), the
figures reached by keyboard, the district opened by its link."""

import pytest

from ..web.test_dashboard import build_scene
from ..web.test_dashboard_pages import build_big
from .conftest import ARTIFACTS
from .test_login_flow import sign_in


@pytest.fixture
def scene(app, make):
    return build_scene(make)


def test_the_dashboard_at_1366_and_360(scene, page, screenshot):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, scene["reporter"].username)
    page.wait_for_url("**/home")
    page.get_by_role("link", name="Theo dõi tiến độ theo đơn vị").click()
    page.wait_for_url("**/dashboard")
    assert page.locator(".chart-wide svg.chart circle").count() == 2
    assert (
        page.locator(".chart-wide").is_visible() and not page.locator(".chart-phone").is_visible()
    )
    assert page.locator('tr[data-unit="C0002"]').get_by_text("chưa báo cáo").first.is_visible()
    screenshot("dashboard-1366")
    # Keyboard: Tab reaches the first figure, Enter opens its list.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.figure || ''") == "total-in_software":
            break
    else:
        raise AssertionError("the first figure never got the focus")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/records?*column=in_software*")
    assert page.locator("#list-count").get_attribute("data-count") == "15"
    page.go_back()
    page.get_by_role("link", name="Huyện Một").click()
    page.wait_for_url("**/dashboard?unit=D01")
    screenshot("dashboard-district-1366")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/dashboard")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, width  # no sideways scrolling on a phone
    screenshot("dashboard-360")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-360-top.png"))
    page.locator('tr[data-unit="C0001"]').screenshot(path=str(ARTIFACTS / "dashboard-360-row.png"))
    page.locator(".chart-card").screenshot(path=str(ARTIFACTS / "dashboard-360-chart.png"))


@pytest.fixture
def big(app, make):
    return build_big(make)


def test_a_large_province_pages_its_rows_and_changes_order_by_keyboard(big, page, screenshot):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, big["reporter"].username)
    page.wait_for_url("**/home")
    page.goto("/dashboard")
    rows = page.locator("table.board tbody tr")
    assert rows.count() == 50 and rows.first.get_attribute("data-unit") == "L049"
    assert "Trang 1/2" in page.locator("#board-pager").inner_text()
    screenshot("dashboard-paged-1366")
    # The order by keyboard: the list, then its button.
    page.get_by_label("Sắp xếp").focus()
    page.keyboard.type("Theo")
    assert page.locator("#order").input_value() == "unit"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard?unit=PL&order=unit")
    assert rows.first.get_attribute("data-unit") == "L000"
    page.get_by_role("link", name="Trang sau →").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard?page=2&order=unit&unit=PL")
    assert rows.count() == 5 and rows.first.get_attribute("data-unit") == "L050"
    page.set_viewport_size({"width": 360, "height": 740})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, width
    screenshot("dashboard-paged-360")
