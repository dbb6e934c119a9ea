"""The handover page when more records are ready than one list may hold (issue 19)."""

from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Batch, BatchRow

from ..batch_helpers import ready_children


def test_the_page_offers_to_split_a_list_too_long(make, client, login, post, web_app, monkeypatch):
    monkeypatch.setitem(web_app.config, "TREEM_MAX_BATCH_ROWS", 5)
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    ready_children(make, tree["a"], 9, hamlets=("Thôn Một", "Thôn Hai", "Thôn Ba"))
    login(officer)
    page = client.get("/batches").get_data(as_text=True)
    assert "Lập danh sách cho thôn đã chọn" in page and 'id="hamlet"' in page
    assert "Lập danh sách với 5 hồ sơ đầu tiên" in page

    # The whole commune at once: refused, nothing made.
    resp = post("/batches", follow_redirects=True)
    assert "vượt giới hạn 5 hồ sơ" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Batch)) == 0

    # The first five now, the rest later.
    resp = post("/batches", {"first_only": "1", "hamlet": "Thôn Một"})
    assert resp.status_code == 302
    batch = db.session.scalar(select(Batch))
    assert batch.row_count == 5
    # The four left fit in one list: the page offers the ordinary button again.
    page = client.get("/batches").get_data(as_text=True)
    assert 'id="hamlet"' not in page and "Lập danh sách mới" in page
    assert post("/batches").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(BatchRow)) == 9
