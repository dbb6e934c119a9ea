"""A double-clicked submit button sends its form once, even without the server's key (the page
disables the form's buttons after the first submit; issue 16)."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import JobRun

from .test_login_flow import sign_in


def test_double_click_sends_the_form_once(make, page, screenshot, redis):
    officer = make.user("officer", make.unit("Xã Bấm Hai Lần"))
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/jobs")
    # Without the one-time key, only the page's guard stands between a double click and two jobs.
    page.evaluate("document.querySelectorAll('input[name=once]').forEach(e => e.remove())")
    # The answer goes to a frame, so the page stays as it is while the user clicks again.
    page.evaluate(
        """() => {
        const sink = document.createElement('iframe');
        sink.name = 'sink';
        document.body.appendChild(sink);
        document.querySelectorAll('form').forEach(f => f.target = 'sink');
    }"""
    )
    button = page.get_by_role("button", name="Rà soát lại")
    button.click(no_wait_after=True)
    expect(button).to_be_disabled()
    page.wait_for_timeout(500)
    button.click(force=True, no_wait_after=True)  # the second click meets a disabled button
    page.wait_for_timeout(800)
    page.wait_for_load_state("networkidle")
    screenshot("double-click-one-job")
    db.session.expire_all()
    kinds = select(func.count()).select_from(JobRun).where(JobRun.kind == "rebuild_findings")
    assert db.session.scalar(kinds) == 1
