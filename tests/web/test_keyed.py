"""Step 3 by hand: the keyed-entry grid, its live check, double entry and the confirmation
(issue 12)."""

import pytest
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Batch, BatchReturn

from ..returns import issued_batch, right_id


def returns_count():
    return db.session.scalar(select(func.count()).select_from(BatchReturn))


def test_single_entry_from_the_batch_page_to_the_results(app, make, client, login, post, tmp_path):
    tree = make.tree()
    police = make.user("police", tree["a"])
    batch, children, _ = issued_batch(app, make, tree["a"], 3, tmp_path)
    a, b, c = children
    rows = sorted(batch.rows, key=lambda r: r.position)
    login(police)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Nhập số từ bản giấy" in page and f"/batches/{batch.id}/keyed" in page
    start = post(f"/batches/{batch.id}/keyed", {"mode": "single"})
    assert start.status_code == 302
    grid = client.get(f"/batches/{batch.id}/keyed", follow_redirects=True).get_data(as_text=True)
    assert grid.count('inputmode="numeric"') == 3 and 'autocomplete="off"' in grid
    assert a.full_name in grid and "Không khớp thông tin" in grid and ">Khớp<" in grid
    assert 'aria-live="polite"' in grid
    # The live check: saved, judged, a message in words (no codes).
    r1 = rows[0].id
    live = post(
        f"/batches/{batch.id}/keyed/1/rows/{r1}",
        {f"number-{r1}": right_id(a)[:10], f"result-{r1}": "", f"note-{r1}": ""},
        headers={"HX-Request": "true"},
    )
    text = live.get_data(as_text=True)
    assert live.status_code == 200 and "không phải 12 chữ số" in text and "ID_FORMAT" not in text
    live = post(
        f"/batches/{batch.id}/keyed/1/rows/{r1}",
        {f"number-{r1}": right_id(a), f"result-{r1}": "verified"},
        headers={"HX-Request": "true"},
    )
    assert "Hợp lệ" in live.get_data(as_text=True)
    # Saved on the server: a reload shows it.
    again = client.get(f"/batches/{batch.id}/keyed/1").get_data(as_text=True)
    assert f'value="{right_id(a)}"' in again
    # The whole grid sent (no JavaScript): kept, then the confirmation, nothing applied yet.
    r2 = rows[1].id
    sent = post(
        f"/batches/{batch.id}/keyed/1",
        {
            f"number-{r1}": right_id(a),
            f"result-{r1}": "verified",
            f"number-{r2}": "",
            f"result-{r2}": "not_found",
            f"note-{r2}": "Chưa đăng ký khai sinh",
        },
    )
    assert sent.headers["Location"].endswith(f"/batches/{batch.id}/keyed/review")
    review = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Xác nhận áp dụng" in review and "Chưa có gì được ghi vào hồ sơ" in review
    assert "Chưa đăng ký khai sinh" in review
    db.session.expire_all()
    assert a.id_number is None and returns_count() == 0
    digest = review.split('name="digest" value="')[1].split('"')[0]
    applied = post(f"/batches/{batch.id}/keyed/apply", {"digest": digest})
    assert "/returns/" in applied.headers["Location"]
    result = client.get(applied.headers["Location"]).get_data(as_text=True)
    assert "1 đã xác thực, 1 bị trả lại" in result and "Nhập tay từ bản giấy" in result
    db.session.expire_all()
    assert a.id_number == right_id(a)
    assert db.session.get(Batch, batch.id).state == "partly_returned"
    # Confirming again changes nothing and says so.
    twice = post(f"/batches/{batch.id}/keyed/apply", {"digest": digest}, follow_redirects=True)
    assert "đã được áp dụng lúc" in twice.get_data(as_text=True) and returns_count() == 1


def test_the_second_pass_never_shows_the_first(app, make, client, login, post, tmp_path):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    batch, children, _ = issued_batch(app, make, tree["a"], 2, tmp_path)
    rows = sorted(batch.rows, key=lambda r: r.position)
    login(officer)
    post(f"/batches/{batch.id}/keyed", {"mode": "double"})
    number = right_id(children[0])
    r1 = rows[0].id
    post(f"/batches/{batch.id}/keyed/1", {f"number-{r1}": number, "next": "stay"})
    assert number in client.get(f"/batches/{batch.id}/keyed/1").get_data(as_text=True)
    second = client.get(f"/batches/{batch.id}/keyed/2").get_data(as_text=True)
    assert number not in second and "Lần nhập thứ hai" in second
    review = client.get(f"/batches/{batch.id}/keyed/review").get_data(as_text=True)
    assert f"Hàng 1</strong> ({children[0].full_name}): lần 1 {number}, lần 2 (trống)" in review


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/keyed"),
        ("post", "/keyed"),
        ("get", "/keyed/1"),
        ("post", "/keyed/1/rows/{row}"),
        ("get", "/keyed/review"),
        ("post", "/keyed/apply"),
    ],
)
def test_the_police_of_another_commune_get_404_and_a_volunteer_403(
    app, make, client, login, post, tmp_path, method, path
):
    tree = make.tree()
    batch, _, _ = issued_batch(app, make, tree["a"], 1, tmp_path)
    url = f"/batches/{batch.id}" + path.format(row=batch.rows[0].id)
    outsider = make.user("police", tree["b"])
    volunteer = make.user("volunteer", tree["a"])
    db.session.commit()

    def call():
        return client.get(url) if method == "get" else post(url, {})

    login(outsider)
    assert call().status_code == 404
    client.post("/logout", data={"csrf_token": ""})
    client.delete_cookie("session")
    login(volunteer)
    assert call().status_code == 403


def test_double_entry_mismatch_is_settled_on_the_page_and_only_agreed_rows_apply(
    app, make, client, login, post, tmp_path
):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    police = make.user("police", tree["a"])
    batch, children, _ = issued_batch(app, make, tree["a"], 2, tmp_path)
    a, b = children
    r1, r2 = (r.id for r in sorted(batch.rows, key=lambda r: r.position))
    login(officer)
    post(f"/batches/{batch.id}/keyed", {"mode": "double"})
    first = {f"number-{r1}": right_id(a), f"result-{r1}": "verified",
             f"number-{r2}": right_id(b), f"result-{r2}": "verified"}  # fmt: skip
    post(f"/batches/{batch.id}/keyed/1", {**first, "next": "stay"})
    post("/logout")
    login(police)  # another person keys the paper a second time, one digit misread
    misread = right_id(b)[:-1] + ("0" if right_id(b)[-1] != "0" else "1")
    second = {**first, f"number-{r2}": misread}
    review = client.get(post(f"/batches/{batch.id}/keyed/2", second).headers["Location"]).get_data(
        as_text=True
    )
    assert f"({b.full_name}): lần 1 {right_id(b)} · Khớp, lần 2 {misread} · Khớp" in review
    digest = review.split('name="digest" value="')[1].split('"')[0]
    applied = post(f"/batches/{batch.id}/keyed/apply", {"digest": digest})
    db.session.expire_all()
    assert a.id_number == right_id(a) and b.id_number is None  # only the agreed row
    assert "/returns/" in applied.headers["Location"]
    # Read again on the paper and typed once: it settles the row, and it applies next time.
    settled = post(
        f"/batches/{batch.id}/keyed/resolve/{r2}",
        {f"number-{r2}": right_id(b), f"result-{r2}": "verified"},
    )
    page = client.get(settled.headers["Location"]).get_data(as_text=True)
    assert "STT 2: đã ghi giá trị đọc lại trên bản giấy" in page
    assert f"lần 2 {misread}" not in page
    digest = page.split('name="digest" value="')[1].split('"')[0]
    post(f"/batches/{batch.id}/keyed/apply", {"digest": digest})
    db.session.expire_all()
    assert b.id_number == right_id(b)
    assert db.session.get(Batch, batch.id).state == "returned"


def test_a_row_sharing_the_typed_number_is_told_at_once(app, make, client, login, post, tmp_path):
    tree = make.tree()
    police = make.user("police", tree["a"])
    batch, children, _ = issued_batch(app, make, tree["a"], 3, tmp_path)
    a, b, _c = children
    r1, r2, _r3 = (r.id for r in sorted(batch.rows, key=lambda r: r.position))
    login(police)
    post(f"/batches/{batch.id}/keyed", {"mode": "single"})
    hx = {"HX-Request": "true"}

    def key(row_id, number):
        resp = post(
            f"/batches/{batch.id}/keyed/1/rows/{row_id}",
            {f"number-{row_id}": number, f"result-{row_id}": "verified"},
            headers=hx,
        )
        assert resp.status_code == 200
        return resp.get_data(as_text=True)

    alone = key(r1, right_id(a))
    assert "Hợp lệ" in alone and "hx-swap-oob" not in alone
    # Row 2 takes row 1's number: row 2 is told, and row 1's message is redrawn too.
    shared = key(r2, right_id(a))
    oob = shared.split(
        f'<div class="keyed-msg" id="msg-{r1}" aria-live="polite" hx-swap-oob="true">'
    )
    assert len(oob) == 2, shared
    row1_now = oob[1].split("</div>", 1)[0]
    assert "Hợp lệ" not in row1_now and row1_now.strip()
    # Row 2 moves to its own child's number: row 1 is valid again, at once.
    moved = key(r2, right_id(b))
    oob = moved.split(f'id="msg-{r1}" aria-live="polite" hx-swap-oob="true">')
    assert len(oob) == 2 and "Hợp lệ" in oob[1].split("</div>", 1)[0]
