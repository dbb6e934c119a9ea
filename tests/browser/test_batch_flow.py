"""Officer drafts a batch, issues it, watches the documents job, downloads the PDF; the QR code
of the PDF leads to the public verification page."""

import subprocess

import pytest
from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Batch

from ..batch_helpers import ready_children
from .test_login_flow import sign_in


def test_officer_issues_a_batch_and_the_qr_code_opens_its_verification_page(
    make, page, screenshot, run_jobs, live_server, tmp_path
):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    children = ready_children(make, tree["a"], 12)
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.get_by_role("link", name="Bàn giao công an").first.click()
    page.get_by_role("button", name="Lập danh sách mới").click()
    page.get_by_text(children[0].full_name).first.wait_for()
    # Take one child out, then issue.
    page.get_by_label(f"Chọn {children[0].full_name}").check()
    page.get_by_role("button", name="Rút các hồ sơ đã chọn").click()
    page.get_by_text("Đã rút 1 hồ sơ").wait_for()
    page.get_by_role("button", name="Khóa và chuyển công an").click()
    page.locator('#batch-documents[data-status="queued"]').wait_for()
    screenshot("batch-issued-job-queued")
    run_jobs()  # the worker renders the documents; the page's poll picks the result up
    download_link = page.locator("#download-pdf")
    download_link.wait_for(timeout=20000)
    screenshot("batch-issued-documents-ready")
    with page.expect_download() as info:
        download_link.click()
    pdf = tmp_path / "list.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    batch = db.session.scalar(select(Batch))
    assert batch.row_count == 11

    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "p")], check=True)
    urls = [
        code.text
        for png in sorted(tmp_path.glob("p*.png"))
        for code in zxingcpp.read_barcodes(Image.open(png))
    ]
    assert urls == [f"http://127.0.0.1:8000/v/{batch.token}"]
    # Follow the code's path on the test server, signed out, like a phone on the intranet.
    page.context.clear_cookies()
    page.goto(live_server + urls[0].removeprefix("http://127.0.0.1:8000"))
    facts = page.locator("#verify-facts")
    assert batch.content_hash in facts.inner_text()
    assert children[1].full_name not in page.content()
    screenshot("batch-verification-page")
    # On a phone (360 px wide) the page reads without sideways scrolling.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert batch.content_hash in facts.inner_text().replace("\n", "")
    phone = screenshot("batch-verification-page-phone")
    with Image.open(phone) as picture:  # the full-page picture is no wider than the phone
        assert picture.size[0] == 360
