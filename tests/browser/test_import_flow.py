from openpyxl import load_workbook
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Person

from .flows import upload_sample_export
from .test_login_flow import sign_in


def test_officer_imports_the_demo_export_end_to_end(make, page, run_jobs, screenshot, tmp_path):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.get_by_role("navigation", name="Chức năng").get_by_role(
        "link", name="Nhập dữ liệu"
    ).click()
    page.wait_for_url("**/imports")
    upload_sample_export(page, tmp_path)
    assert page.get_by_role("heading", name="Xác nhận các cột").is_visible()
    assert page.get_by_label("Cột C: Họ và tên trẻ").input_value() == "full_name"
    screenshot("import-mapping")
    page.get_by_role("button", name="Xác nhận và nhập dữ liệu").click()
    page.wait_for_url("**/jobs/*")
    run_jobs()  # the page keeps polling on its own
    page.locator('#job-status[data-status="finished"]').wait_for(timeout=15000)
    assert "Hồ sơ mới" in page.locator("#job-status").inner_text()
    assert db.session.scalar(select(func.count(Person.id))) == 330
    screenshot("import-summary")
    # Download the annotated copy and open it.
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bản chú thích (.xlsx)").click()
    annotated = tmp_path / "annotated.xlsx"
    download.value.save_as(annotated)
    wb = load_workbook(annotated)
    ws = wb.worksheets[0]
    assert ws.cell(5, 13).value == "Kết quả rà soát (treem)"
    red = [c for r in ws.iter_rows(min_row=8) for c in r if c.fill.fill_type == "solid"]
    assert red, "faulty cells are highlighted"
    wb.close()
    # Follow a rule's link into the list of affected records.
    page.locator("#job-status a", has_text="Thiếu số định danh").click()
    page.wait_for_url("**/records?rule=ID_MISSING&status=all&import=*")
    assert "lần nhập #" in page.locator(".flash-info").inner_text()
    assert page.locator("#queue-count").inner_text().startswith("15 hồ sơ")  # as summarised
    screenshot("import-rule-records")
    # Another filter, changed in place, keeps to this import.
    page.select_option("#status", "open")
    page.wait_for_url("**/records?rule=ID_MISSING&import=*")
    assert "lần nhập #" in page.locator(".flash-info").inner_text()
