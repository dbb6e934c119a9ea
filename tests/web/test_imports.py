import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import ImportRun, JobRun, Person

from .. import exports


def upload(post, data, name="export.xlsx", **form):
    return post("/imports", {"file": (io.BytesIO(data), name), **form},
                content_type="multipart/form-data")  # fmt: skip


def test_officer_uploads_confirms_dry_runs_then_applies(make, client, login, post, run_jobs):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    login(officer)
    page = client.get("/imports").get_data(as_text=True)
    assert "Tải tệp mẫu" in page
    sample = client.get("/imports/sample.xlsx")
    assert sample.status_code == 200 and sample.data[:2] == b"PK"
    resp = upload(post, sample.data, "mau.xlsx")
    assert resp.status_code == 302
    run = db.session.scalar(select(ImportRun))
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Xác nhận các cột" in page and "Họ và tên trẻ" in page and "Hướng dẫn" in page
    # HTMX: unmapping the name column shows the problem in the mapping component only.
    form = {f"col-{i}": f for i, f in run.mapping.items() if f != "full_name"}
    fragment = post(f"/imports/{run.id}/mapping", form, headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="mapping"') and "Chưa chọn cột" in body
    # Dry run: a job, a summary, an annotated copy, no record.
    form = {f"col-{i}": f for i, f in run.mapping.items()}
    resp = post(f"/imports/{run.id}/start", {**form, "mode": "dry_run"})
    assert resp.status_code == 302 and "/jobs/" in resp.headers["Location"]
    run_jobs()
    job = db.session.scalar(select(JobRun).order_by(JobRun.id.desc()))
    assert job.status == "finished", job.message
    assert db.session.scalar(select(func.count(Person.id))) == 0
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Kết quả chạy thử" in page and "Dòng đã đọc" in page
    annotated = client.get(f"/imports/{run.id}/annotated.xlsx")
    assert annotated.status_code == 200
    content = annotated.data
    annotated.close()  # send_file streams the stored file
    wb = load_workbook(io.BytesIO(content), read_only=True)
    assert "Kết quả rà soát (treem)" in [
        c.value for c in next(wb.worksheets[0].iter_rows(min_row=5))
    ]
    wb.close()
    # Apply.
    resp = post(f"/imports/{run.id}/start", {**form, "mode": "apply"})
    run_jobs()
    created = db.session.scalar(select(func.count(Person.id)))
    assert created == 330
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Kết quả nhập dữ liệu" in page and "/records?rule=ID_MISSING" in page
    assert ">Thiếu số định danh</a>" in page and ">ID_MISSING<" not in page


def test_bad_files_get_a_vietnamese_message_and_nothing_is_written(make, login, post):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    resp = upload(post, b"not a workbook at all", "ds.xlsx")
    assert resp.status_code == 422
    assert "không phải bảng tính Excel" in resp.get_data(as_text=True)
    resp = upload(post, exports.zip_bomb())
    assert resp.status_code == 422 and "độc hại" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportRun.id))) == 0


def test_a_unit_outside_the_officers_commune_is_refused(make, login, post):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    data = exports.simple_xlsx(exports.HEADER, [exports.row(1, "Nguyễn Văn An", "05/03/2015")])
    resp = upload(post, data, unit=tree["b"].code)
    assert resp.status_code == 403
    assert "không được nhập dữ liệu vào đơn vị này" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportRun.id))) == 0


def test_scoping_and_roles(make, client, login, post, app):
    tree = make.tree()
    officer_b = make.user("officer", tree["b"])
    login(officer_b)
    data = exports.simple_xlsx(exports.HEADER, [exports.row(1, "Nguyễn Văn An", "05/03/2015")])
    assert upload(post, data).status_code == 302
    run = db.session.scalar(select(ImportRun))
    client.post("/logout", data={"csrf_token": ""})
    client.delete_cookie("session")
    login(make.user("officer", tree["a"]))
    assert client.get(f"/imports/{run.id}").status_code == 404
    assert client.get(f"/imports/{run.id}/annotated.xlsx").status_code == 404
    client.delete_cookie("session")
    login(make.user("reporter", tree["district"]))
    assert client.get(f"/imports/{run.id}").status_code == 200  # read-only
    assert upload(post, data).status_code == 403
    assert post(f"/imports/{run.id}/start", {"mode": "apply"}).status_code == 403
    client.delete_cookie("session")
    login(make.user("volunteer", tree["b"]))
    assert client.get("/imports").status_code == 403


def test_the_summary_links_open_this_imports_records_only(make, client, login, post, run_jobs):
    from treem_app.models import Finding

    tree = make.tree()
    officer = make.user("officer", tree["a"])
    # Already on record, with the same finding as the file's rows: not this import's.
    earlier = make.person(tree["a"], full_name="Đặng Thị Cũ", name_key="dang thi cu", open_rank=0)
    db.session.add(Finding(person_id=earlier.id, rule="ID_MISSING", field="id_number",
                           severity="error", message="Thiếu số định danh."))  # fmt: skip
    db.session.commit()
    login(officer)
    rows = [
        exports.row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),
        exports.row(2, "Trần Thị Bích", "07/08/2016", sex="Nữ"),
        exports.row(3, "Lê Minh Khang", "01/01/2014"),
    ]
    resp = upload(post, exports.simple_xlsx(exports.HEADER, rows))
    run = db.session.scalar(select(ImportRun))
    form = {f"col-{i}": f for i, f in run.mapping.items()}
    resp = post(f"/imports/{run.id}/start", {**form, "mode": "apply"})
    run_jobs()
    summary = client.get(resp.headers["Location"]).get_data(as_text=True)
    link = f"/records?rule=ID_MISSING&amp;status=all&amp;import={run.id}"
    assert link in summary
    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Trần Thị Bích" in page and "Lê Minh Khang" in page
    assert "Đặng Thị Cũ" not in page and "Nguyễn Văn An" not in page
    assert f"lần nhập #{run.id}" in page and ">2 hồ sơ" in page
    # Changing another filter in place keeps the import (HTMX swaps the queue with its input).
    fragment = client.get(f"/records?rule=ID_MISSING&status=open&import={run.id}",
                          headers={"HX-Request": "true"})  # fmt: skip
    body = fragment.get_data(as_text=True)
    assert f'name="import" value="{run.id}"' in body and "Đặng Thị Cũ" not in body
    assert f"import={run.id}" in fragment.headers["HX-Push-Url"]
    # Without the import filter the queue shows the unit's records with that finding again.
    assert "Đặng Thị Cũ" in client.get("/records?rule=ID_MISSING").get_data(as_text=True)
    # Another commune's officer learns nothing about this import.
    client.delete_cookie("session")
    login(make.user("officer", tree["b"]))
    other = client.get(f"/records?status=all&import={run.id}").get_data(as_text=True)
    assert "Không tìm thấy lần nhập này" in other and "«export.xlsx»" not in other
    assert ">0 hồ sơ" in other


def test_uploading_the_same_file_again_says_when_and_by_whom(make, client, login, post):
    unit = make.unit()
    officer = make.user("officer", unit, full_name="Nguyễn Thị Thu Hà")
    login(officer)
    data = exports.export_bytes(unit, exports.child_rows(10))
    first = upload(post, data, "tuan-1.xlsx")
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'id="same-file"' not in page
    again = upload(post, data, "tuan-1-ban-sao.xlsx")
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    earlier = db.session.scalar(select(ImportRun).order_by(ImportRun.id))
    assert 'id="same-file"' in page
    assert "Tệp này đã được tải lên lúc" in page and "bởi Nguyễn Thị Thu Hà" in page
    assert f'href="/imports/{earlier.id}"' in page
    other = upload(post, exports.export_bytes(unit, exports.child_rows(11)), "tuan-2.xlsx")
    assert 'id="same-file"' not in client.get(other.headers["Location"]).get_data(as_text=True)


def test_an_upload_waiting_at_the_mapping_can_be_discarded(make, client, login, post):
    unit = make.unit()
    officer = make.user("officer", unit)
    login(officer)
    resp = upload(post, exports.export_bytes(unit, exports.child_rows(5)), "nham-tep.xlsx")
    run = db.session.scalar(select(ImportRun))
    assert "Hủy bỏ lần tải lên này" in client.get(resp.headers["Location"]).get_data(as_text=True)
    home = client.get("/home").get_data(as_text=True)
    assert f"/imports/{run.id}" in home or "Chờ xác nhận cột" in home
    resp = post(f"/imports/{run.id}/discard")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/imports")
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).status == "discarded"
    assert db.session.scalar(select(func.count()).select_from(Person)) == 0
    page = client.get(f"/imports/{run.id}").get_data(as_text=True)
    assert 'id="discarded"' in page and "Đã hủy bỏ" in page
    assert "Xác nhận và nhập dữ liệu" not in page and "Hủy bỏ lần tải lên này" not in page
    # It can no longer be started, and an applied import cannot be discarded.
    form = {f"col-{i}": f for i, f in run.mapping.items()}
    resp = post(f"/imports/{run.id}/start", {**form, "mode": "apply"})
    assert resp.status_code == 422 and "đã được hủy bỏ" in resp.get_data(as_text=True)
    assert db.session.get(ImportRun, run.id).status == "discarded"
    run.status = "applied"
    db.session.commit()
    resp = post(f"/imports/{run.id}/discard")
    db.session.expire_all()
    assert db.session.get(ImportRun, run.id).status == "applied"
    assert "chỉ hủy được khi dữ liệu chưa được nhập" in client.get(
        resp.headers["Location"]
    ).get_data(as_text=True)


def test_officer_uploads_a_beneficiary_list_choosing_its_kind(make, client, login, post, run_jobs):
    from ..services.test_beneficiaries import HEADER, ROWS

    tree = make.tree()
    officer = make.user("officer", tree["a"])
    login(officer)
    page = client.get("/imports").get_data(as_text=True)
    assert 'name="person_kind"' in page and "Đối tượng bảo trợ xã hội" in page
    data = exports.simple_xlsx(HEADER, ROWS)
    resp = upload(post, data, "doi-tuong.xlsx", person_kind="beneficiary")
    assert resp.status_code == 302
    run = db.session.scalar(select(ImportRun))
    assert run.person_kind == "beneficiary"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Diện hưởng trợ giúp xã hội" in page and "Mức trợ cấp hàng tháng" in page
    assert "Mã đối tượng (mã hồ sơ)" in page and "Đối tượng bảo trợ xã hội" in page
    form = {f"col-{i}": f for i, f in run.mapping.items()}
    resp = post(f"/imports/{run.id}/start", {**form, "mode": "apply"})
    run_jobs()
    kinds = db.session.scalars(select(Person.kind)).all()
    assert kinds == ["beneficiary"] * 8
    page = client.get("/imports").get_data(as_text=True)
    assert "Đối tượng bảo trợ xã hội" in page
    # A children's upload of the same file offers no beneficiary field, and an unknown kind
    # is refused.
    resp = upload(post, data, "tre-em.xlsx")
    child_run = db.session.scalar(select(ImportRun).order_by(ImportRun.id.desc()))
    assert child_run.person_kind == "child"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Mức trợ cấp hàng tháng" not in page
    resp = upload(post, data, "x.xlsx", person_kind="adult")
    assert resp.status_code == 422
    assert "Hãy chọn loại danh sách" in resp.get_data(as_text=True)


def test_records_gone_from_the_export_are_counted_as_differences_to_decide(
    make, client, login, post, run_jobs
):
    """A newer export without a child: the summary counts it among the differences waiting for
    a decision (it was '0 điểm khác biệt' beside '1 hồ sơ … không còn trong tệp này') and links
    to the differences page, where it waits."""
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    login(officer)
    rows = [
        exports.row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),
        exports.row(2, "Trần Thị Bích", "07/08/2016", sex="Nữ"),
    ]

    def apply(rows) -> str:
        upload(post, exports.simple_xlsx(exports.HEADER, rows))
        run = db.session.scalar(select(ImportRun).order_by(ImportRun.id.desc()))
        form = {f"col-{i}": f for i, f in run.mapping.items()}
        resp = post(f"/imports/{run.id}/start", {**form, "mode": "apply"})
        run_jobs()
        return client.get(resp.headers["Location"]).get_data(as_text=True)

    first = apply(rows)
    assert 'id="see-differences"' not in first
    summary = apply(rows[:1])
    assert "1 hồ sơ đã có từ tệp xuất trước nhưng không còn trong tệp này" in summary
    assert "0 cập nhật, 1 không đổi, 1 điểm khác biệt cần quyết định." in summary
    tile = summary.split("Khác biệt cần quyết định")[0].rsplit('<div class="n">', 1)[1]
    assert tile.startswith("1<")
    assert 'href="/imports/conflicts" id="see-differences"' in summary
    differences = client.get("/imports/conflicts").get_data(as_text=True)
    assert "Trần Thị Bích" in differences and "Không còn trong tệp xuất" in differences


def test_the_summary_says_how_many_rows_after_the_table_were_skipped(
    make, client, login, post, run_jobs
):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    rows = [
        exports.row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),
        exports.row(2, "Trần Thị Bích", "07/08/2016", sex="Nữ"),
        ["Tổng cộng: 2020 trẻ"],
        ["", "Người lập biểu", "", "", "", "", "Chủ tịch UBND xã"],
    ]
    upload(post, exports.simple_xlsx(exports.HEADER, rows))
    run = db.session.scalar(select(ImportRun))
    form = {f"col-{i}": f for i, f in run.mapping.items()}
    resp = post(f"/imports/{run.id}/start", {**form, "mode": "apply"})
    run_jobs()
    summary = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Đã bỏ qua 2 dòng không phải hồ sơ (dòng tổng cộng, chữ ký" in summary
    assert sorted(db.session.scalars(select(Person.full_name))) == [
        "Nguyễn Văn An",
        "Trần Thị Bích",
    ]
