"""What an officer reads after importing the demo export holds no rule code: the import
summary, a record whose name was fixed automatically, and a handover draft (issue 11)."""

import re

from .flows import upload_sample_export
from .test_login_flow import sign_in

CODE = re.compile(r"\b[A-Z]{2,}_[A-Z_]+\b")


def codes_in(page) -> list[str]:
    return CODE.findall(page.locator("main").inner_text())


def test_an_officer_reads_labels_not_rule_codes(make, page, run_jobs, screenshot, tmp_path):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    upload_sample_export(page, tmp_path)
    page.get_by_role("button", name="Xác nhận và nhập dữ liệu").click()
    page.wait_for_url("**/jobs/*")
    run_jobs()
    page.locator('#job-status[data-status="finished"]').wait_for(timeout=15000)

    # The import summary: each kind of problem by its label (the code only in a tooltip).
    summary = page.locator("#job-status")
    assert "Thiếu số định danh" in summary.inner_text()
    assert "Đã chuẩn hóa họ và tên" in summary.inner_text()
    assert codes_in(page) == []
    screenshot("plain-words-import-summary")

    # A record whose name the import fixed: its history says what was done, in words.
    summary.get_by_role("link", name="Đã chuẩn hóa họ và tên").click()
    page.wait_for_url("**/records?rule=NAME_NORMALIZED*")
    assert codes_in(page) == []
    page.locator("#queue a[href^='/records/']").first.click()
    page.wait_for_url(re.compile(r".*/records/\d+$"))
    history = page.locator("#history").inner_text()
    assert "Chuẩn hóa tự động" in history  # the source column
    assert "Tự động chuẩn hóa cách viết" in history  # the note column
    assert codes_in(page) == []
    page.locator("#history").scroll_into_view_if_needed()
    screenshot("plain-words-record-history")

    # A handover draft: each record's open errors by their labels.
    page.goto("/batches")
    page.get_by_role("button", name="Lập danh sách mới").click()
    page.wait_for_url(re.compile(r".*/batches/\d+$"))
    badges = page.locator("main .badge.error")
    assert badges.count() > 0, "the draft shows some records' open errors"
    assert "Thiếu số định danh" in badges.all_inner_texts()
    assert codes_in(page) == []
    screenshot("plain-words-batch-draft")
