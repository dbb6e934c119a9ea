"""The handover page when more records are ready than one list may hold: the way to split it,
by keyboard (issue 19)."""

from ..batch_helpers import ready_children
from ..conftest import TEST_PASSWORD
from .test_password_reset import sign_in_by_keyboard


def test_split_form_by_keyboard(make, page, screenshot, web_app, monkeypatch):
    monkeypatch.setitem(web_app.config, "TREEM_MAX_BATCH_ROWS", 5)
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    ready_children(make, tree["a"], 9, hamlets=("Thôn Một", "Thôn Hai"))
    sign_in_by_keyboard(page, officer.username, TEST_PASSWORD)
    page.wait_for_url("**/home")
    page.goto("/batches")
    assert page.get_by_label("Thôn").is_visible()
    screenshot("batch-split-form")
    page.get_by_label("Thôn").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # to "Lập danh sách với 5 hồ sơ đầu tiên"
    page.keyboard.press("Enter")
    page.wait_for_url("**/batches/*")
    assert "với 5 hồ sơ" in page.content()
