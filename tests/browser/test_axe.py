"""An axe-core sweep (tests/vendor, MPL-2.0) in Chromium over the pages of every role, each
page found from its menu, plus a record (with an edit open), an issued batch and an import:
no serious or critical violation of WCAG 2.1 A/AA."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from treem_app.extensions import db
from treem_app.services import findings

from ..batch_helpers import ready_children
from .conftest import ARTIFACTS
from .flows import issue_new_list, upload_sample_export
from .test_login_flow import sign_in

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-4.14.1.min.js"
RUN = """async () => {
  const r = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    resultTypes: ['violations'],
  });
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3)
      .map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""


@pytest.fixture
def axe_page(browser, live_server):
    # The app's Content-Security-Policy forbids injected scripts; the test's own browser may.
    context = browser.new_context(
        base_url=live_server,
        locale="vi-VN",
        viewport={"width": 1280, "height": 860},
        bypass_csp=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def sweep(page, path: str) -> list[dict]:
    """Violations of the page at `path`, or of the page as it stands when `path` is empty."""
    if path:
        page.goto(path)
    page.wait_for_load_state("networkidle")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return [dict(v, page=path or page.url) for v in page.evaluate(RUN)]


def menu_paths(page) -> list[str]:
    return page.eval_on_selector_all(
        "nav.menu a, .who a", "links => links.map(a => a.getAttribute('href'))"
    )


def _report(found: list[dict], name: str) -> str:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(found, ensure_ascii=False, indent=1))
    return "\n".join(f"{v['page']}: {v['id']} ({v['impact']}) {v['nodes']}" for v in found)


def test_officer_pages_have_no_serious_violation(make, axe_page, run_jobs, tmp_path):
    page = axe_page
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    ready_children(make, tree["a"], 4)
    child = make.person(tree["a"], full_name="Bùi Thùy Anh", hamlet="Thôn Một", id_number="12")
    findings.rescreen(db.session, [child], date(2026, 1, 5))
    db.session.commit()
    found = sweep(page, "/login")
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    batch = issue_new_list(page, run_jobs)
    imported = upload_sample_export(page, tmp_path)

    page.goto("/home")
    paths = menu_paths(page) + [
        f"/records/{child.id}",
        f"/records/{child.id}?edit=mother_name",
        f"/records/{child.id}?edit=sex",
        "/records/new",
        batch,
        imported,
        "/jobs",
    ]
    for path in dict.fromkeys(paths):
        found += sweep(page, path)
    # open states: every <details> panel of a record, the shortcuts' panel, then the
    # "sign in again" dialog
    page.goto(f"/records/{child.id}")
    page.eval_on_selector_all("details", "ds => ds.forEach(d => d.open = true)")
    found += sweep(page, "")
    page.locator("#main").focus()
    page.keyboard.press("?")  # the keyboard shortcuts' panel
    page.locator("#shortcuts").wait_for(state="visible")
    found += sweep(page, "")
    page.keyboard.press("Escape")
    page.evaluate("document.getElementById('relogin').showModal()")
    found += sweep(page, "")
    assert not found, _report(found, "officer")


@pytest.mark.parametrize("role", ["volunteer", "police", "reporter", "admin"])
def test_other_roles_pages_have_no_serious_violation(make, axe_page, role):
    page = axe_page
    tree = make.tree()
    unit = tree["province"] if role in ("reporter", "admin") else tree["a"]
    user = make.user(role, unit)
    child = make.person(tree["a"], full_name="Bùi Thùy Anh", hamlet="Thôn Một", id_number="12")
    findings.rescreen(db.session, [child], date(2026, 1, 5))
    db.session.commit()
    sign_in(page, user.username)
    page.wait_for_load_state("networkidle")
    found = []
    for path in dict.fromkeys(["/home", *menu_paths(page)]):
        found += sweep(page, path)
    assert not found, _report(found, role)
