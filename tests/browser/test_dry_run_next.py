"""A dry run, then the real import one click away, without scrolling at 1366×768."""

from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import ImportRun, Person

from .flows import upload_sample_export
from .test_login_flow import sign_in


def _in_viewport(page, locator) -> None:
    box = locator.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] < 768, box


def test_officer_dry_runs_then_applies_from_the_top_of_the_summary(
    make, page, run_jobs, screenshot, tmp_path
):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    import_url = upload_sample_export(page, tmp_path)
    page.get_by_role("button", name="Chạy thử (không thay đổi hồ sơ)").click()
    page.wait_for_url("**/jobs/*")
    run_jobs()  # the page keeps polling on its own
    page.locator('#job-status[data-status="finished"]').wait_for(timeout=15000)
    button = page.get_by_role("button", name="Nhập thật", exact=True)
    assert page.evaluate("window.scrollY") == 0
    _in_viewport(page, button)
    page.screenshot(path=str(screenshot("dry-run-job").parent / "dry-run-job-viewport.png"))
    # The import page says the same, above its mapping.
    page.goto(import_url)
    _in_viewport(page, page.get_by_role("button", name="Nhập thật", exact=True))
    page.screenshot(path=str(screenshot("dry-run-import").parent / "dry-run-import-viewport.png"))
    # The jobs list tells the dry run apart.
    page.goto("/jobs")
    assert page.locator(".badge.dry-run", has_text="Chạy thử").count() == 1
    page.go_back()
    # Apply from the import page's button, by keyboard.
    page.get_by_role("button", name="Nhập thật", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/jobs/*")
    run_jobs()
    page.locator('#job-status[data-status="finished"]').wait_for(timeout=15000)
    assert "Kết quả nhập dữ liệu" in page.locator("#job-status").inner_text()
    assert page.locator("h1 .badge.real-run").inner_text() == "Nhập thật"
    assert db.session.scalar(select(func.count(Person.id))) == 330
    assert db.session.scalar(select(ImportRun.status)) == "applied"
    page.goto("/jobs")
    assert page.locator(".badge.dry-run").count() == 1
    assert page.locator(".badge.real-run").count() == 1
    screenshot("jobs-dry-and-real")
