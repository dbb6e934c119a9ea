import subprocess
from datetime import date
from pathlib import Path

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import AccessLog, JobRun
from treem_app.services import findings, review

TODAY = date(2026, 11, 22)


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_visit_sheet_pdf_job_lists_children_to_verify(
    make, client, login, post, run_jobs, tmp_path
):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    need = make.person(
        tree["a"],
        full_name="Đặng Thị Ngọc Ánh",
        name_key="dang thi ngoc anh",
        hamlet="Thôn Hưng Nghĩa",
        id_number=None,
        sex="F",
    )
    make.person(
        tree["a"],
        full_name="Lữ Quốc Khải",
        name_key="lu quoc khai",
        hamlet="Thôn Hưng Nghĩa",
        id_number="052215000123",
        id_source="export",
    )
    other_hamlet = make.person(
        tree["a"], full_name="Vũ Hoàng Yến", hamlet="Thôn Khác", id_number=None, sex="F"
    )
    for p in db.session.scalars(select(review.Person)):
        findings.rescreen(db.session, [p], TODAY)
    db.session.commit()
    login(officer)
    resp = post("/visit-sheets", {"hamlet": "Thôn Hưng Nghĩa"})
    assert resp.status_code == 302
    run_jobs()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "visit_sheets"))
    assert run.status == "finished", run.message
    assert run.result["children"] == 1
    page = client.get(f"/jobs/{run.id}").get_data(as_text=True)
    assert "Tải tệp kết quả" in page
    resp = client.get(f"/jobs/{run.id}/download")
    data = resp.get_data()
    resp.close()
    assert resp.status_code == 200 and data.startswith(b"%PDF")
    assert "attachment" in resp.headers["Content-Disposition"]
    text = pdf_text(data, tmp_path)
    assert "PHIẾU XÁC MINH THÔNG TIN TRẺ EM TẠI HỘ GIA ĐÌNH" in text
    assert need.full_name in text and "Thiếu số định danh" in text
    assert "Lữ Quốc Khải" not in text and other_hamlet.full_name not in text
    assert "Trang 1/1" in text
    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "sheet.pdf")], capture_output=True, text=True, check=True
    ).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all("Treem-Serif" in n for n in names), names  # only the bundled font
    assert db.session.scalar(select(AccessLog).where(AccessLog.action == "download")) is not None


def test_visit_sheet_download_is_scoped_and_for_officers(make, client, login, post, run_jobs):
    tree = make.tree()
    officer_b = make.user("officer", tree["b"])
    run = JobRun(kind="visit_sheets", unit=tree["a"], status="finished", result_file="/etc/hosts")
    db.session.add(run)
    db.session.commit()
    login(officer_b)
    assert client.get(f"/jobs/{run.id}/download").status_code == 404
    post("/logout")
    login(make.user("reporter", tree["district"]))
    assert client.get(f"/jobs/{run.id}/download").status_code == 403
