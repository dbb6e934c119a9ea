"""Steps several browser tests take the same way, as an officer would."""

from __future__ import annotations


def upload_sample_export(page, tmp_path) -> str:
    """Download the import page's sample export and upload it; returns the import's URL (its
    column mapping waiting for confirmation). From the import page when already on it."""
    if not page.url.endswith("/imports"):
        page.goto("/imports")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp mẫu").click()
    sample = tmp_path / download.value.suggested_filename
    download.value.save_as(sample)
    page.get_by_label("Tệp xuất").set_input_files(str(sample))
    page.get_by_role("button", name="Tải lên và kiểm tra cột").click()
    page.wait_for_url("**/imports/*")
    return page.url


def issue_new_list(page, run_jobs) -> str:
    """Draft a new handover list of the ready records, issue it and let its documents be made;
    returns the list's URL."""
    page.goto("/batches")
    page.get_by_role("button", name="Lập danh sách mới").click()
    page.get_by_role("button", name="Khóa và chuyển công an").click()
    run_jobs()
    page.locator("#download-pdf").wait_for(timeout=20000)
    return page.url
