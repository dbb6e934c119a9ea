"""Step 3 pages: upload of the returned sheet, the job, the results, the conflicts (issue 12)."""

import io

from openpyxl import load_workbook
from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Batch, BatchReturn, JobRun

from ..returns import fill, issued_batch, right_id


def upload(post, batch_id, path, name="tra-ket-qua.xlsx"):
    return post(
        f"/batches/{batch_id}/returns",
        {"file": (io.BytesIO(path.read_bytes()), name)},
        content_type="multipart/form-data",
    )


def test_police_upload_the_sheet_and_the_officer_decides_the_conflict(
    app, make, client, login, post, run_jobs, tmp_path
):
    tree = make.tree()
    police = make.user("police", tree["a"])
    officer = make.user("officer", tree["a"])
    batch, children, sheet = issued_batch(app, make, tree["a"], 3, tmp_path)
    a, b, c = children
    other = make.person(tree["a"], full_name="Lê Văn Khác", id_number=right_id(c, 777))
    db.session.commit()
    answers = {
        1: (right_id(a), "Đã xác thực", None),
        2: (None, "Không khớp thông tin", "Sai ngày sinh"),
        3: (right_id(c, 777), "Đã xác thực", None),
    }
    path = fill(sheet, tmp_path / "back.xlsx", answers)
    login(police)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Tải lên kết quả của công an" in page
    resp = upload(post, batch.id, path)
    assert resp.status_code == 302 and "/returns/" in resp.headers["Location"]
    waiting = client.get(resp.headers["Location"], headers={"HX-Request": "true"})
    assert 'hx-trigger="load delay:1s"' in waiting.get_data(as_text=True)
    run_jobs()
    # The results the page polls for come with the conflict to decide and the batch's new
    # state (the page was loaded while the job waited: neither was there yet).
    swapped = client.get(resp.headers["Location"], headers={"HX-Request": "true"})
    swapped = swapped.get_data(as_text=True)
    assert "<html" not in swapped and "hx-trigger" not in swapped
    assert "Trạng thái danh sách: <strong>Công an trả một phần</strong>" in swapped
    assert "Cần cán bộ quyết định (1)" in swapped and "Dùng số công an ghi" not in swapped
    result = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "1 đã xác thực, 1 bị trả lại, 1 cần cán bộ quyết định" in result
    assert result.count('id="return-conflicts"') == 1
    assert "Công an trả lời: không khớp thông tin" in result and "Sai ngày sinh" in result
    assert "POLICE_MISMATCH" not in result  # labels, never codes
    ret = db.session.scalar(select(BatchReturn))
    assert ret.status == "applied" and ret.uploaded_by_id == police.id
    # The annotated copy: each row's outcome beside the police's cells.
    copy = client.get(f"/batches/{batch.id}/returns/{ret.id}/ket-qua.xlsx")
    ws = load_workbook(io.BytesIO(copy.data))["Kết quả xác thực"]
    assert ws["M6"].value == "Đã xác thực" and ws["M7"].value == "Bị trả lại"
    # The same file again: nothing happens, and the page says when and by whom.
    again = upload(post, batch.id, path)
    flashes = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "đã được nhận lúc" in flashes
    assert db.session.scalar(select(db.func.count()).select_from(BatchReturn)) == 1
    # The police cannot decide a conflict; the officer can.
    row = next(r for r in db.session.get(Batch, batch.id).rows if r.outcome == "conflict")
    assert (
        post(f"/batches/{batch.id}/rows/{row.id}/decision", {"decision": "accept"}).status_code
        == 403
    )
    post("/logout")
    login(officer)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Cần cán bộ quyết định (1)" in page and "Số định danh đang thuộc hồ sơ khác" in page
    assert "Dùng số công an ghi" in page and "Giữ nguyên hồ sơ" in page
    post(f"/batches/{batch.id}/rows/{row.id}/decision", {"decision": "keep"})
    db.session.expire_all()
    assert c.id_number is None and other.id_number == right_id(c, 777)
    batch = db.session.get(Batch, batch.id)
    assert batch.state == "returned"


def test_a_wrong_file_is_refused_with_a_message_and_nothing_changes(
    app, make, client, login, post, run_jobs, tmp_path
):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    batch, children, sheet = issued_batch(app, make, tree["a"], 2, tmp_path)
    login(officer)
    resp = post(
        f"/batches/{batch.id}/returns",
        {"file": (io.BytesIO(b"STT,Ho ten\n1,A\n"), "ket-qua.csv")},
        content_type="multipart/form-data",
    )
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "phải là tệp Excel (.xlsx)" in page

    # A tampered sheet: refused by the job, the page names the cell.
    def edit(ws):
        ws["C6"] = "Tên Đã Sửa"

    path = fill(sheet, tmp_path / "t.xlsx", {1: (right_id(children[0]),)}, edit=edit)
    resp = upload(post, batch.id, path)
    run_jobs()
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "ô C6 (Họ và tên)" in page and "Không nhận tệp này" in page
    db.session.expire_all()
    assert children[0].id_number is None
    assert db.session.scalar(select(BatchReturn)).status == "refused"
    assert db.session.scalar(select(JobRun).where(JobRun.kind == "batch_ingest")).status == "failed"


def test_police_of_another_commune_get_404(app, make, client, login, post, tmp_path):
    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 1, tmp_path)
    login(make.user("police", tree["b"]))
    path = fill(sheet, tmp_path / "x.xlsx", {1: (right_id(children[0]),)})
    assert upload(post, batch.id, path).status_code == 404
    assert client.get(f"/batches/{batch.id}/returns/1").status_code == 404
    db.session.expire_all()
    assert children[0].id_number is None


def test_closing_a_partly_returned_batch_says_what_happens_to_the_open_rows(
    app, make, client, login, post, tmp_path
):
    """Rows without an answer (or with an undecided conflict): the close button says they go
    back to the work queue for next week's list, and closing does that."""
    from datetime import date

    from treem_app.cli import main
    from treem_app.services import batches as service

    tree = make.tree()
    officer = make.user("officer", tree["a"])
    batch, children, sheet = issued_batch(app, make, tree["a"], 3, tmp_path)
    a, b, c = children
    path = fill(sheet, tmp_path / "back.xlsx", {1: (right_id(a), "Đã xác thực", None)})
    result = app.test_cli_runner().invoke(main, ["batch", "ingest", str(batch.id), str(path)])
    assert result.exit_code == 0, result.stderr
    login(officer)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "2 trẻ chưa có kết quả hoặc chưa được quyết định" in page
    assert "trở lại danh sách cần xử lý và được chuyển công an trong tuần sau" in page
    assert "Hoàn tất, trả các hồ sơ còn lại về danh sách tuần sau" in page
    done = post(f"/batches/{batch.id}/close", follow_redirects=True).get_data(as_text=True)
    assert "Đã hoàn tất danh sách." in done
    db.session.expire_all()
    assert db.session.get(Batch, batch.id).state == "closed"
    assert (a.status, b.status, c.status) == ("clean", "ready", "ready")
    # Next week's list takes the two children still without a verified number.
    draft = service.create_draft(db.session, tree["a"], user=officer, today=date.today())
    db.session.commit()
    assert {r.person_id for r in draft.rows} == {b.id, c.id}


def test_a_record_changed_after_issue_shows_both_sides_of_the_conflict(
    app, make, client, login, tmp_path
):
    """The police verified facts no longer current: the officer sees, per changed fact, what
    the police were shown and what the record holds now, before deciding."""
    from treem_app.cli import main

    tree = make.tree()
    officer = make.user("officer", tree["a"])
    batch, children, sheet = issued_batch(app, make, tree["a"], 2, tmp_path)
    a, _b = children
    shown = a.full_name
    a.full_name = "Tên Đã Sửa Sau"
    db.session.commit()
    path = fill(sheet, tmp_path / "back.xlsx", {1: (right_id(a), "Đã xác thực", None)})
    result = app.test_cli_runner().invoke(main, ["batch", "ingest", str(batch.id), str(path)])
    assert result.exit_code == 0, result.stderr
    login(officer)
    ret = db.session.scalar(select(BatchReturn))
    for url in (f"/batches/{batch.id}", f"/batches/{batch.id}/returns/{ret.id}"):
        page = client.get(url).get_data(as_text=True)
        card = page.split('id="return-conflicts"')[1].split("</section>")[0]
        assert "Hồ sơ đã được sửa sau khi chuyển công an" in card
        assert f"công an xác thực: «{shown}» · hồ sơ hiện nay: «Tên Đã Sửa Sau»" in card
