"""An officer's day by the keyboard alone (issue 20): sign in, open the queue, find a record, open
it, complete a missing fact, add the child (now ready) to the draft list and issue the list, with
key presses only (no click), the focus visible (an outline of at least 2 px) at every step.
Screenshots of each step under test-artifacts/walk-*.png."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from treem_app import clock
from treem_app.extensions import db
from treem_app.models import Batch, BatchRow, Person
from treem_app.services import batches, findings

from ..batch_helpers import ready_children
from ..conftest import TEST_PASSWORD
from .focus import active_id
from .test_login_flow import sign_in  # noqa: F401 - the same sign-in page, typed here

FOCUS = """() => { const e = document.activeElement; const s = getComputedStyle(e);
  return {id: e.id, tag: e.tagName, text: (e.textContent || e.value || '').trim().slice(0, 60),
          outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""


def focus(page) -> dict:
    return page.evaluate(FOCUS)


def assert_focus_visible(page, where: str) -> dict:
    f = focus(page)
    assert f["tag"] != "BODY", f"{where}: the focus is lost"
    assert f["outline"] != "none" and f["width"] >= 2, f"{where}: no visible focus {f}"
    return f


def tab_to(page, test: str, where: str, limit: int = 80) -> dict:
    """Tab (and only Tab) until `test` (a JS predicate on the focused element e) holds; the
    focus shows at every stop."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return !!({test}); }}"):
            return assert_focus_visible(page, where)
        if page.evaluate("document.activeElement !== document.body"):
            assert_focus_visible(page, f"{where} (on the way)")
    raise AssertionError(f"{where}: never reached by Tab; last {focus(page)}")


def test_officer_walks_from_sign_in_to_an_issued_list_by_keyboard(make, page, screenshot, run_jobs):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    others = ready_children(make, tree["a"], 2)
    child = make.person(tree["a"], full_name="Lò Thị Phím", name_key="lo thi phim",
                        hamlet="Thôn Một", father_name=None, mother_name=None,
                        id_number=None)  # fmt: skip
    findings.rescreen(db.session, [child, *others], date(2026, 1, 5))
    draft = batches.create_draft(
        db.session, tree["a"], user=officer, today=clock.today(), person_ids=[others[0].id]
    )
    db.session.commit()
    assert child.status != "ready"
    page.set_viewport_size({"width": 1366, "height": 768})

    # 1. Sign in: the name field has the focus, Tab to the password, Enter.
    page.goto("/login")
    assert active_id(page, "username") == "username"
    assert_focus_visible(page, "login")
    page.keyboard.type(officer.username)
    page.keyboard.press("Tab")
    assert_focus_visible(page, "password")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/home")
    page.wait_for_load_state("networkidle")
    screenshot("walk-1-home")

    # 2. The queue ("g q"), its search ("/"), the record (j, Enter).
    page.keyboard.press("g")
    page.keyboard.press("q")
    page.wait_for_url("**/records")
    page.wait_for_load_state("networkidle")
    page.keyboard.press("/")
    assert active_id(page, "q") == "q"
    assert_focus_visible(page, "search")
    page.keyboard.type("lo thi phim")
    page.wait_for_function(
        "() => document.querySelector('#queue-count').textContent.trim().startsWith('1 ')"
    )
    assert active_id(page, "q") == "q"  # the filter swapped the list, the focus stayed
    page.keyboard.press("Tab")  # "Tìm"
    page.keyboard.press("Tab")  # the skip link past the filters
    assert_focus_visible(page, "skip the filters")
    page.keyboard.press("Enter")
    assert active_id(page, "queue-count") == "queue-count"
    page.keyboard.press("j")
    f = assert_focus_visible(page, "first record")
    assert f["text"] == "Lò Thị Phím"
    screenshot("walk-2-queue")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/records/{child.id}")
    page.wait_for_load_state("networkidle")

    # 3. The mother's name: Tab to its "Sửa", Enter, type, choose the source, Enter saves.
    tab_to(page, "e.closest('#fact-mother_name') && e.textContent.trim() === 'Sửa'", "Sửa")
    screenshot("walk-3-record")
    page.keyboard.press("Enter")
    assert active_id(page, "value-mother_name") == "value-mother_name"
    # the swap has settled (htmx focuses the [autofocus] field again when it does)
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.wait_for_timeout(100)
    assert active_id(page, "value-mother_name") == "value-mother_name"
    assert_focus_visible(page, "the value")
    page.keyboard.type("Lò Thị Hoa")
    page.keyboard.press("Tab")
    f = assert_focus_visible(page, "the source")
    assert f["tag"] == "SELECT"
    page.keyboard.press("ArrowDown")  # the first source
    screenshot("walk-4-edit")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.locator("#fact-mother_name .badge.ok").wait_for()
    page.wait_for_function(
        "() => document.activeElement.closest('#fact-mother_name') !== null"
        " && document.activeElement.textContent.trim() === 'Sửa'"
    )
    assert_focus_visible(page, "back on Sửa")
    db.session.expire_all()
    assert db.session.get(Person, child.id).mother_name == "Lò Thị Hoa"
    assert db.session.get(Person, child.id).status == "ready"

    # 4. The draft list: through the menu by Tab, then the draft, then tick the child and add.
    page.keyboard.press("g")
    page.keyboard.press("h")
    page.wait_for_url("**/home")
    page.wait_for_load_state("networkidle")
    tab_to(page, "e.closest('nav.menu') && e.textContent.trim() === 'Bàn giao công an'", "menu")
    page.keyboard.press("Enter")
    page.wait_for_url("**/batches")
    tab_to(page, f"e.getAttribute('href') === '/batches/{draft.id}'", "the draft")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/batches/{draft.id}")
    tab_to(page, "e.getAttribute('aria-label') === 'Chọn Lò Thị Phím'", "the tick")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    screenshot("walk-5-draft")
    tab_to(page, "e.textContent.trim() === 'Thêm các hồ sơ đã chọn'", "add")
    page.keyboard.press("Enter")
    page.get_by_text("Đã thêm 1 hồ sơ.").wait_for()
    db.session.expire_all()
    rows = db.session.scalars(select(BatchRow).where(BatchRow.batch_id == draft.id)).all()
    assert child.id in {r.person_id for r in rows}

    # 5. Issue the list: Tab to "Khóa và chuyển công an", Enter; the documents come.
    tab_to(page, "e.id === 'issue'", "issue")
    page.keyboard.press("Enter")
    page.locator("#batch-documents").wait_for()
    run_jobs()
    page.locator("#download-pdf").wait_for(timeout=20000)
    db.session.expire_all()
    assert db.session.get(Batch, draft.id).state == "issued"
    assert db.session.get(Batch, draft.id).row_count == 2
    tab_to(page, "e.id === 'download-pdf'", "the PDF")
    screenshot("walk-6-issued")
