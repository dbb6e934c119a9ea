"""200 % zoom on a 1280 px screen is a 640 CSS px window, 400 % a 320 px one: no main page
scrolls sideways there (WCAG 1.4.10). Long hashes and URLs break; badges wrap; at 320 px a wide
table scrolls inside its own box."""

from datetime import date

from treem_app.extensions import db
from treem_app.services import findings

from ..batch_helpers import ready_children
from .flows import issue_new_list, upload_sample_export
from .test_login_flow import sign_in

WIDTH = 640

# The elements wider than the window, for the assertion's message.
OVERFLOW = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
    && !(e.parentElement && e.parentElement.closest('.table-wrap, table.grid'))
    && !e.closest('.sr-only, .skip-link'))
  .slice(0, 5)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def _assert_no_sideways_scroll(page, path, window, screenshot, name):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(name)
    assert width <= window, f"{path} at {window} px: {width} px wide; {page.evaluate(OVERFLOW)}"


def test_main_pages_fit_a_640_px_window(make, page, screenshot, run_jobs, tmp_path):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    children = ready_children(make, tree["a"], 6)
    flagged = [
        make.person(
            tree["a"],
            full_name=f"Nguyễn Thị Phương Thảo {i}",
            hamlet="Thôn Hưng Nghĩa",
            id_number="12",
            mother_name=None,
            father_name=None,
        )
        for i in range(4)
    ]
    findings.rescreen(db.session, children + flagged, date(2026, 1, 5))
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")

    # an issued batch (its 64-character hash, its verification URL)
    batch_url = issue_new_list(page, run_jobs)
    # an uploaded import (its SHA-256, the mapping table)
    import_url = upload_sample_export(page, tmp_path)

    pages = {
        "home": "/home",
        "queue": "/records",
        "record": f"/records/{flagged[0].id}",
        "batches": "/batches",
        "batch": batch_url,
        "imports": "/imports",
        "import": import_url,
        "jobs": "/jobs",
    }
    page.set_viewport_size({"width": 1366, "height": 768})
    for name in ("queue", "record", "batch", "import"):
        page.goto(pages[name])
        screenshot(f"reflow-1366-{name}")
    # 200 % zoom of a 1280 px screen, then 400 % (WCAG's 320 px)
    for width in (WIDTH, 320):
        page.set_viewport_size({"width": width, "height": 720})
        for name, path in pages.items():
            _assert_no_sideways_scroll(page, path, width, screenshot, f"reflow-{width}-{name}")
