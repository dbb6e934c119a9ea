"""The signed copy of a handover list: uploaded on the batch, shown as on file, downloaded with a
log entry, refused when it is not a scan or a photo (issue 12)."""

import io

from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import AccessLog, Batch, SignedCopy

from ..files.test_signed_copy import pdf_bytes, photo_bytes
from ..returns import issued_batch


def attach(post, batch_id, data, name):
    return post(
        f"/batches/{batch_id}/signed",
        {"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_police_attach_the_signed_list_and_the_officer_sees_and_downloads_it(
    app, make, client, login, post, tmp_path
):
    tree = make.tree()
    police = make.user("police", tree["a"])
    officer = make.user("officer", tree["a"])
    batch, _children, _sheet = issued_batch(app, make, tree["a"], 2, tmp_path)
    public = client.get(f"/v/{batch.token}").get_data(as_text=True)
    assert "Bản đã ký, đóng dấu" in public and "Chưa lưu" in public
    login(police)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Chưa có bản đã ký" in page and "Lưu bản đã ký" in page
    scan = pdf_bytes(2)
    resp = attach(post, batch.id, scan, "quet-danh-sach.pdf")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#signed-copy")
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Đã lưu bản đã ký «quet-danh-sach.pdf»" in page
    assert "Đã lưu 1 tệp" in page and "Bản quét PDF, 2 trang" in page
    copy = db.session.scalar(select(SignedCopy))
    assert copy.uploaded_by_id == police.id and copy.size == len(scan) and copy.pages == 2
    # A photo of the second page, taken with a phone: kept too, without its location.
    attach(post, batch.id, photo_bytes(gps=True), "IMG_2001.jpg")
    assert count(SignedCopy) == 2
    # The very same scan again: nothing new, and the page says when it was kept.
    again = attach(post, batch.id, scan, "quet-lai.pdf")
    assert "đã được lưu trước đó" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert count(SignedCopy) == 2
    post("/logout")
    login(officer)
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "Đã lưu 2 tệp" in page and "IMG_2001.jpg" in page
    got = client.get(f"/batches/{batch.id}/signed/{copy.id}")
    assert got.status_code == 200 and got.data == scan
    assert got.mimetype == "application/pdf"
    assert "ban-da-ky-" in got.headers["Content-Disposition"]
    got.close()
    logged = db.session.scalar(select(AccessLog).where(AccessLog.action == "download"))
    assert logged.user_id == officer.id and f"signed {copy.id}" in logged.detail
    # The public page says a copy is on file, never what it is or holds.
    public = client.get(f"/v/{batch.token}").get_data(as_text=True)
    assert "Đã lưu tại xã (2 tệp" in public
    assert "IMG_2001" not in public and "quet-danh-sach" not in public and copy.sha256 not in public


def test_what_cannot_be_a_signed_copy_is_refused_and_nothing_is_kept(
    app, make, client, login, post, tmp_path
):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    batch, _children, sheet = issued_batch(app, make, tree["a"], 2, tmp_path)
    login(officer)
    for data, name, words in [
        (sheet.read_bytes(), "ket-qua.xlsx", "không phải tệp PDF, ảnh JPEG hay PNG"),
        (b"", "rong.pdf", "Tệp rỗng"),
        (b"%PDF-1.4 not really", "hong.pdf", "Tệp PDF bị hỏng"),
    ]:
        resp = attach(post, batch.id, data, name)
        assert words in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert count(SignedCopy) == 0
    # A draft was never signed, a cancelled list no longer counts.
    draft = Batch(unit_id=tree["a"].id, number="99/2026", year=2026, seq=99, state="draft")
    db.session.add(draft)
    db.session.commit()
    resp = attach(post, draft.id, pdf_bytes(1), "scan.pdf")
    assert "chưa chuyển công an" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert count(SignedCopy) == 0


def test_other_communes_and_other_roles_cannot_attach_or_read(
    app, make, client, login, post, tmp_path
):
    tree = make.tree()
    batch, _children, _sheet = issued_batch(app, make, tree["a"], 2, tmp_path)
    login(make.user("officer", tree["a"]))
    attach(post, batch.id, pdf_bytes(1), "scan.pdf")
    copy = db.session.scalar(select(SignedCopy))
    post("/logout")
    login(make.user("police", tree["b"]))
    assert attach(post, batch.id, pdf_bytes(2), "x.pdf").status_code == 404
    assert client.get(f"/batches/{batch.id}/signed/{copy.id}").status_code == 404
    post("/logout")
    login(make.user("volunteer", tree["a"]))
    assert attach(post, batch.id, pdf_bytes(2), "x.pdf").status_code == 403
    assert client.get(f"/batches/{batch.id}/signed/{copy.id}").status_code == 403
    assert count(SignedCopy) == 1
