"""Step 3 in the browser: the police upload their sheet, the officer reads the results."""

from treem_app.extensions import db

from ..files.test_signed_copy import pdf_bytes
from ..returns import fill, issued_batch, right_id
from .focus import active_id
from .test_login_flow import sign_in


def test_the_returned_sheet_is_uploaded_and_its_results_read(
    app, make, page, screenshot, tmp_path, run_jobs
):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    batch, children, sheet = issued_batch(app, make, tree["a"], 4, tmp_path)
    a, b, c, d = children
    make.person(tree["a"], full_name="Lê Văn Khác", id_number=right_id(d, 777))
    db.session.commit()
    path = fill(
        sheet,
        tmp_path / "tra-ket-qua.xlsx",
        {
            1: (right_id(a), "Đã xác thực", None),
            2: (right_id(b), "Đã xác thực", None),
            3: (None, "Không tìm thấy", "Chưa đăng ký khai sinh"),
            4: (right_id(d, 777), "Đã xác thực", None),
        },
    )
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto(f"/batches/{batch.id}")
    page.get_by_label("Tệp Excel công an đã ghi kết quả").set_input_files(str(path))
    page.get_by_role("button", name="Tải lên kết quả của công an").click()
    page.wait_for_url("**/returns/*")
    run_jobs()
    page.locator("#return-status[data-status=applied]").wait_for()
    text = page.locator("#return-status").inner_text()
    assert "2 đã xác thực, 1 bị trả lại, 1 cần cán bộ quyết định" in text
    assert "Chưa đăng ký khai sinh" in text
    screenshot("return-results")
    page.get_by_role("link", name=f"← Danh sách số {batch.number}").click()
    assert "Cần cán bộ quyết định (1)" in page.content()
    screenshot("return-batch-page")
    page.get_by_role("button", name="Dùng số công an ghi").click()
    page.wait_for_load_state()
    assert "Cán bộ chấp nhận số" in page.locator("#flash").inner_text()
    # The signed, stamped paper: its scan is attached with the keyboard, and the public
    # verification page says a copy is on file.
    scan = tmp_path / "ban-ky-dong-dau.pdf"
    scan.write_bytes(pdf_bytes(2))
    # The file field is the visually hidden input behind "Chọn tệp…" (reached by Tab); the
    # chooser dialog itself is the system's, so the file is given to the input directly.
    page.locator("#signed-file").set_input_files(str(scan))
    assert "ban-ky-dong-dau.pdf" in page.locator("#signed-file-name").inner_text()
    page.locator("#signed-file").focus()
    page.keyboard.press("Tab")
    assert active_id(page, "upload-signed") == "upload-signed"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Đã lưu bản đã ký «ban-ky-dong-dau.pdf»" in page.locator("#flash").inner_text()
    assert "Bản quét PDF, 2 trang" in page.locator("#signed-copy").inner_text()
    page.locator("#signed-copy").scroll_into_view_if_needed()
    screenshot("return-signed-copy")
    page.goto(f"/v/{batch.token}")
    assert "Đã lưu tại xã (1 tệp" in page.locator("#signed-copy-on-file").inner_text()
