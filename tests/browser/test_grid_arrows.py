"""Arrow keys in the grids, like a spreadsheet (issue 20): in the keyed-entry grid Up/Down move
between rows in the same column (a select keeps its arrows for its choices) and Enter still goes
to the next row's number; in the change list Up/Down move between the records' ticks and ticking
still moves on."""

from treem_app.extensions import db

from ..changes_helpers import on_change_list
from ..returns import issued_batch, right_id
from .focus import active_id
from .test_login_flow import sign_in


def test_arrows_move_between_rows_of_the_keyed_grid(app, make, page, tmp_path):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    batch, children, _ = issued_batch(app, make, tree["a"], 3, tmp_path)
    r1, r2, r3 = (r.id for r in sorted(batch.rows, key=lambda r: r.position))
    db.session.commit()
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/batches/{batch.id}/keyed")
    page.get_by_role("button", name="Bắt đầu nhập").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/keyed/1")
    assert active_id(page, f"number-{r1}") == f"number-{r1}"
    page.keyboard.press("ArrowDown")
    assert active_id(page, f"number-{r2}") == f"number-{r2}"
    page.keyboard.press("ArrowDown")
    assert active_id(page, f"number-{r3}") == f"number-{r3}"
    page.keyboard.press("ArrowDown")  # the last row: stays
    assert active_id(page, f"number-{r3}") == f"number-{r3}"
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert active_id(page, f"number-{r1}") == f"number-{r1}"
    page.keyboard.press("ArrowUp")  # the first row: stays, nothing scrolls away
    assert active_id(page, f"number-{r1}") == f"number-{r1}"
    # typed text is selected on arrival, so typing over it replaces it
    page.keyboard.type(right_id(children[0]))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert (
        page.evaluate("document.activeElement.selectionEnd - document.activeElement.selectionStart")
        == 12
    )
    # Enter still moves to the next row's number
    page.keyboard.press("Enter")
    assert active_id(page, f"number-{r2}") == f"number-{r2}"
    # the note column: Down goes to the next row's note
    page.locator(f"#note-{r1}").focus()
    page.keyboard.press("ArrowDown")
    assert active_id(page, f"note-{r2}") == f"note-{r2}"
    # a select keeps its arrows: they change its choice, the focus stays
    page.locator(f"#result-{r2}").focus()
    page.keyboard.press("ArrowDown")
    assert active_id(page, f"result-{r2}") == f"result-{r2}"
    assert page.locator(f"#result-{r2}").input_value() != ""


def test_arrows_move_between_the_change_lists_ticks(make, page):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    children = [
        on_change_list(make, tree["a"], full_name=name, hamlet="Thôn An Hòa",
                       national_key=f"KEY-000{i}", software={"father_name": "Phạm Văn Tú"})
        for i, name in enumerate(["Phạm Gia An", "Lê Văn Bình", "Trần Thị Lan"])
    ]  # fmt: skip
    ids = [f"entered-{p.id}" for p in children]
    sign_in(page, officer.username)
    page.wait_for_url("**/home")
    page.goto("/changes")
    page.locator(f"#{ids[0]}").focus()
    page.keyboard.press("ArrowDown")
    assert active_id(page, ids[1]) == ids[1]
    page.keyboard.press("ArrowDown")
    assert active_id(page, ids[2]) == ids[2]
    page.keyboard.press("ArrowUp")
    assert active_id(page, ids[1]) == ids[1]
    assert not any(page.locator(f"#{i}").is_checked() for i in ids)  # arrows tick nothing
    page.keyboard.press("Enter")  # Enter still ticks and moves on
    page.locator(f"#change-{children[1].id}.entered").wait_for()
    assert active_id(page, ids[2]) == ids[2]
    page.keyboard.press("ArrowUp")
    assert active_id(page, ids[1]) == ids[1]
