"""The printed work sheet of step 4: rendered by a job, downloadable, logged, and it reads
like the page (hamlets, what to type, sources, a box per record)."""

import subprocess

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import AccessLog, JobRun, Person

from ..batch_helpers import pdf_pages
from ..changes_helpers import on_change_list
from .test_visit_sheets import pdf_text


def test_change_sheet_pdf_job(make, client, login, post, run_jobs, tmp_path):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Nguyễn Thị Thu Hà")
    on_change_list(
        make,
        tree["a"],
        full_name="Trần Thị Lan",
        sex="F",
        hamlet="Thôn Hai",
        national_key="KEY-0002",
        software={"full_name": "Tran Thi Lan", "sex": "M"},
        sources={"full_name": "household_visit", "sex": "birth_certificate"},
    )
    on_change_list(
        make,
        tree["a"],
        full_name="Lê Văn Bình",
        hamlet="Thôn Một",
        national_key="KEY-0009",
        id_number="052215000123",
        id_source="police",
        software={"id_number": None},
        sources={"id_number": "police"},
    )
    on_change_list(make, tree["a"], full_name="Đỗ Minh Khôi", hamlet="Thôn Hai", software=None)
    on_change_list(make, tree["b"], full_name="Hồ Thị Mai", software={"sex": "M"})
    login(officer)

    resp = post("/changes/sheet", {"only": "all"})
    assert resp.status_code == 302
    run_jobs()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "change_sheet"))
    assert run.status == "finished", run.message
    assert run.result["children"] == 3 and run.result["hamlets"] == 2
    page = client.get(f"/jobs/{run.id}").get_data(as_text=True)
    assert "Phiếu cập nhật lên phần mềm" in page and "Tải tệp kết quả" in page
    resp = client.get(f"/jobs/{run.id}/download")
    data = resp.get_data()
    resp.close()
    assert resp.status_code == 200 and data.startswith(b"%PDF")
    assert "phieu-cap-nhat-phan-mem-C0001" in resp.headers["Content-Disposition"]
    text = pdf_text(data, tmp_path)  # the page as laid out
    # Cell by cell (a cell's wrapped lines joined), in reading order.
    flat = " ".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "sheet.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    )
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "ỦY BAN NHÂN DÂN XÃ AN PHÚ" in flat
    assert "PHIẾU CẬP NHẬT LÊN PHẦN MỀM" in flat
    assert "Tất cả · 3 hồ sơ" in flat
    order = [flat.index(s) for s in ("Thôn Hai", "Trần Thị Lan", "Thôn Một", "Lê Văn Bình")]
    assert order == sorted(order)
    assert "Tran Thi Lan" in flat and "Trần Thị Lan" in flat
    assert "Xác minh tại hộ gia đình" in flat and "Giấy khai sinh" in flat
    assert "Công an xác thực" in flat and "052215000123" in flat
    assert "Trẻ mới, chưa có trên phần mềm" in flat
    assert "KEY-0002" in flat and "Đã nhập" in flat
    assert "Hồ Thị Mai" not in flat
    assert "Trang 1/1" in text
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "sheet.pdf")], capture_output=True, text=True, check=True
    ).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all("Treem-Serif" in n for n in names), names
    log = db.session.scalar(select(AccessLog).where(AccessLog.action == "download"))
    assert log is not None and f"job {run.id}" in log.detail

    # The current filter goes to the sheet.
    post("/changes/sheet", {"only": "police"})
    run_jobs()
    run = db.session.scalars(
        select(JobRun).where(JobRun.kind == "change_sheet").order_by(JobRun.id.desc())
    ).first()
    assert run.status == "finished" and run.result["children"] == 1
    assert run.result["only"] == "police"


def test_the_signature_never_stands_alone_on_the_last_page(app, make, tmp_path):
    """Records that fill the first page to its foot: the signature block takes the last
    record (and its hamlet's heading) with it to the next page instead of standing alone."""
    from treem_app.services.change_sheets import render_change_sheet

    from ..exports import DAY
    from ..services.test_cleaned_export import add_new_child, clean_rows, correct, import_export

    unit = make.unit("Xã Phú Thử", code="C0101")
    import_export(app, unit, clean_rows(14))
    officer = make.user("officer", unit, full_name="Nguyễn Thị Thu Hà")
    people = db.session.scalars(
        select(Person).where(Person.unit_id == unit.id).order_by(Person.national_key)
    ).all()
    correct(people[0], "id_number", "052215009876", source="police")
    correct(people[1], "mother_name", "Lê Thị Dung", source="household_visit")
    correct(people[2], "full_name", "Nguyễn Thị Ngọc Ánh Dương", name_key="x",
            source="birth_certificate")  # fmt: skip
    correct(people[3], "father_name", "Nguyễn Văn Cả", source="officer")
    correct(people[4], "hamlet", "Thôn Vinh Thạnh", source="household_visit")
    add_new_child(unit, officer)
    pdf = tmp_path / "sheet.pdf"
    assert render_change_sheet(db.session, unit, "all", pdf, today=DAY)["children"] == 6
    pages = pdf_pages(pdf)
    last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "NGƯỜI CẬP NHẬT" in last and "Tổng số" in last
    assert "Mã: TE" in last, last  # at least one record on the signature's page
