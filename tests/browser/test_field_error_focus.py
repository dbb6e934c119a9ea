"""A refused new child, sent by the keyboard: the page comes back with the focus on the field in
error, which names its message (aria-describedby) shown right below it."""

from .focus import active_id
from .test_login_flow import sign_in

DESCRIBED = """() => (document.activeElement.getAttribute('aria-describedby') || '').split(' ')
  .map(id => (document.getElementById(id) || {}).textContent || '').join(' | ')"""


def test_the_focus_lands_on_the_field_in_error(make, page, screenshot):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/records/new")
    page.locator("#full_name").focus()
    page.keyboard.type("Lò Thị Mai")
    page.keyboard.press("Tab")  # father
    page.locator("#dob").focus()
    page.keyboard.type("31/02/2015")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert active_id(page, "dob") == "dob"
    assert page.locator("#dob").get_attribute("aria-invalid") == "true"
    assert "không phải ngày có thật" in page.evaluate(DESCRIBED)
    assert page.locator("#dob-error").is_visible()
    assert page.input_value("#full_name") == "Lò Thị Mai"
    # the field's outline shows where the focus is
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    screenshot("new-child-dob-error-focused")
