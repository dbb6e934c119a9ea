"""The documents job of an issued batch: the PDF list (text, headers, pages, QR code that leads
to the verification page) and the return sheet (protection, validation, hidden identifiers)."""

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from treem_app.extensions import db
from treem_app.files.return_sheet import FIRST_ROW, HEADER_ROW, META_SHEET, SHEET
from treem_app.models import AccessLog, Batch
from treem_app.services import batches as service

from ..batch_helpers import pdf_pages, pdf_text, ready_children

TODAY = date(2026, 11, 19)


def issue_through_web(make, client, login, post, n, **kwargs):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Trần Thị Cán Bộ")
    children = ready_children(make, tree["a"], n, **kwargs)
    login(officer)
    assert post("/batches").status_code == 302
    batch = db.session.scalar(select(Batch))
    assert post(f"/batches/{batch.id}/issue").status_code == 302
    return tree, officer, children, batch


def test_job_renders_the_signable_list_and_the_return_sheet(
    make, client, login, post, run_jobs, tmp_path
):
    tree, officer, children, batch = issue_through_web(
        make, client, login, post, 30, hamlets=("Thôn Hưng Nghĩa", "Thôn Phổ Đồng")
    )
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert 'hx-trigger="load delay:1s"' in page  # the page polls while the job runs
    run_jobs()
    db.session.refresh(batch)
    assert batch.job_run.status == "finished", batch.job_run.message
    page = client.get(f"/batches/{batch.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert page.lstrip().startswith('<section id="batch-documents"') and "hx-trigger" not in page
    assert "Tải danh sách PDF" in page

    resp = client.get(f"/batches/{batch.id}/files/pdf")
    data = resp.get_data()
    resp.close()
    assert resp.status_code == 200 and data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    flat = " ".join(text.split())
    for child in children:
        assert child.full_name in flat, child.full_name  # diacritics intact
    for phrase in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND HUYỆN MỘT",
        "ỦY BAN NHÂN DÂN XÃ AN PHÚ",
        "Số: 01/DS-UBND",
        "An Phú, ngày",
        "DANH SÁCH",
        "Kính gửi: Công an xã An Phú",
        "STT",
        "Số định danh (Công an ghi)",
        "Kết quả xác thực",
        "Tổng số: 30 trẻ em.",
        "XÁC NHẬN CỦA CÔNG AN XÃ AN PHÚ",
        "(Ký, ghi rõ họ tên, đóng dấu)",
        "NGƯỜI LẬP DANH SÁCH",
        "Trần Thị Cán Bộ",
        batch.content_hash[:16],
    ):
        assert phrase in flat, phrase
    path = tmp_path / "list.pdf"
    pages = pdf_pages(path)
    assert pages >= 2
    for n in range(1, pages + 1):  # every page, page 1 included, carries the batch and x/y
        assert f"Danh sách số 01/DS-UBND · Xã An Phú · Trang {n}/{pages}" in flat
    # The table header repeats on every page.
    assert flat.count("Số định danh (Công an ghi)") == pages
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all("Treem-Serif" in n for n in names), names

    # The QR code on the last page decodes to the batch's verification URL, which opens.
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "150",
            "-f",
            str(pages),
            "-l",
            str(pages),
            str(path),
            str(tmp_path / "last"),
        ],
        check=True,
    )
    png = next(tmp_path.glob("last*.png"))
    codes = zxingcpp.read_barcodes(Image.open(png))
    urls = [c.text for c in codes if c.format == zxingcpp.BarcodeFormat.QRCode]
    assert urls == [f"http://127.0.0.1:8000/v/{batch.token}"]
    post("/logout")
    page = client.get(urls[0].removeprefix("http://127.0.0.1:8000"))
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and batch.content_hash in body and "01/DS-UBND" in body
    assert children[0].full_name not in body

    # The return sheet.
    login(officer)
    resp = client.get(f"/batches/{batch.id}/files/xlsx")
    xlsx = tmp_path / "return.xlsx"
    xlsx.write_bytes(resp.get_data())
    resp.close()
    check_return_sheet(xlsx, batch, children)
    logs = db.session.scalars(select(AccessLog).where(AccessLog.action == "download")).all()
    assert [(log.user_id, log.detail.split(":")[0]) for log in logs] == [
        (officer.id, f"batch {batch.id} pdf"),
        (officer.id, f"batch {batch.id} xlsx"),
    ]


def check_return_sheet(path: Path, batch, children) -> None:
    wb = load_workbook(path)
    assert wb.sheetnames == [SHEET, META_SHEET]
    ws, meta = wb[SHEET], wb[META_SHEET]
    assert meta.sheet_state == "veryHidden" and meta.protection.sheet
    assert wb.security.lockStructure
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props == {"treem_batch_id": str(batch.id), "treem_content_hash": batch.content_hash}
    assert meta["B1"].value == batch.id and meta["B2"].value == batch.content_hash
    headings = [c.value for c in ws[HEADER_ROW]]
    assert headings[:3] == ["Mã dòng", "STT", "Họ và tên"]
    assert headings[-3:] == ["Số định danh (Công an ghi)", "Kết quả xác thực", "Ghi chú"]
    rows = sorted(batch.rows, key=lambda r: r.position)
    keyed = {r[0]: r[1] for r in meta.iter_rows(min_row=9, values_only=True)}
    assert keyed == {r.row_key: r.person_id for r in rows}
    names = {c.full_name for c in children}
    for i, row in enumerate(rows):
        cells = ws[FIRST_ROW + i]
        assert cells[0].value == row.row_key and cells[1].value == row.position
        assert cells[2].value in names
        assert all(c.protection.locked for c in cells[:9])  # facts are read-only
        assert not any(c.protection.locked for c in cells[9:12])  # the police's cells
        assert cells[9].number_format == "@"  # text: leading zeros survive
    assert ws.protection.sheet and ws.max_row == FIRST_ROW + len(rows) - 1
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    last = FIRST_ROW + len(rows) - 1
    ids = dvs[f"J{FIRST_ROW}:J{last}"]
    assert ids.type == "custom" and "LEN(J6)=12" in ids.formula1 and ids.showErrorMessage
    results = dvs[f"K{FIRST_ROW}:K{last}"]
    assert results.type == "list"
    assert results.formula1 == '"Đã xác thực,Không khớp thông tin,Không tìm thấy"'


def test_formula_like_text_is_neutralised(make, tmp_path):
    tree = make.tree()
    (child,) = ready_children(make, tree["a"], 1)
    child.hamlet = '=HYPERLINK("http://x")'
    db.session.commit()
    batch = service.create_draft(db.session, tree["a"], user=None, today=TODAY)
    service.issue(db.session, batch, user=None, today=TODAY)
    _, xlsx = service.render_documents(
        db.session, batch, tmp_path, public_url="http://treem.local", workers=1
    )
    ws = load_workbook(xlsx)[SHEET]
    cell = ws.cell(FIRST_ROW, 8)
    assert cell.value.startswith("'=") and cell.data_type == "s"


def test_long_batch_paginates_and_numbers_every_page(make, tmp_path):
    tree = make.tree()
    ready_children(make, tree["a"], 120, hamlets=("Thôn Một", "Thôn Hai", "Tổ dân phố 3"))
    batch = service.create_draft(db.session, tree["a"], user=None, today=TODAY)
    service.issue(db.session, batch, user=None, today=TODAY)
    pdf, _ = service.render_documents(db.session, batch, tmp_path, public_url="http://x")
    pages = pdf_pages(pdf)
    flat = " ".join(pdf_text(pdf.read_bytes(), tmp_path, "long.pdf").split())
    assert "Tổng số: 120 trẻ em." in flat
    assert [n for n in range(1, pages + 1) if f"Trang {n}/{pages}" in flat] == list(
        range(1, pages + 1)
    )
    for r in batch.rows:
        assert r.snapshot["full_name"] in flat


def test_progress_moves_with_each_rendered_slice(make, client, login, post, run_jobs, monkeypatch):
    """A long list renders in slices; the job reports progress after each one (the bar no
    longer sits at 0 % until the end), and the joined PDF keeps every row, in order, and the
    page numbering."""
    from treem_app import jobs

    reported: list[tuple[int, int, str]] = []
    real = jobs._progress

    def spy(done: int, total: int, stage: str) -> None:
        reported.append((done, total, stage))
        real(done, total, stage)

    monkeypatch.setattr(jobs, "_progress", spy)
    tree, officer, children, batch = issue_through_web(
        make, client, login, post, 130, hamlets=("Thôn Một", "Thôn Hai", "Tổ dân phố 3")
    )
    run_jobs()
    db.session.refresh(batch)
    assert batch.job_run.status == "finished", batch.job_run.message
    assert {total for _, total, _ in reported} == {130}
    percents = [done * 100 // total for done, total, _ in reported]
    assert percents[0] == 0 and percents[-1] == 100
    between = [p for p in percents if 0 < p < 100]
    assert len(between) >= 2, reported  # several slices reported on the way
    assert percents == sorted(percents)
    assert any("Đang dựng danh sách PDF: trang" in stage for _, _, stage in reported)

    pdf = Path(batch.pdf_path)
    pages = pdf_pages(pdf)
    assert pages >= 8  # more than one slice
    text = pdf_text(pdf.read_bytes(), pdf.parent, "copy.pdf")
    flat = " ".join(text.split())
    assert "Tổng số: 130 trẻ em." in flat
    assert [n for n in range(1, pages + 1) if f"Trang {n}/{pages}" in flat] == list(
        range(1, pages + 1)
    )
    assert flat.count("Danh sách số 01/DS-UBND") == pages
    assert flat.count("NGƯỜI LẬP DANH SÁCH") == 1
    rows = sorted(batch.rows, key=lambda r: r.position)
    layout = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    printed = [
        (int(m[1]), m[2])
        for m in re.finditer(r"^\s*(\d+)\s+(\S.*?)\s{2,}\d\d/\d\d/\d{4}", layout, re.M)
    ]
    # Every row, once, in the order of the list, across the slices.
    assert printed == [(r.position, r.snapshot["full_name"]) for r in rows]
