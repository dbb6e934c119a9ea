"""The work queue's kind filter and a beneficiary's record page (issue 17)."""

from __future__ import annotations

import re

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Person
from treem_app.services import work_queue

from ..services.test_beneficiaries import children, import_beneficiaries


def count_of(page: str) -> int:
    return int(re.search(r'id="queue-count"[^>]*>([\d.]+) hồ sơ', page).group(1).replace(".", ""))


def test_queue_filters_by_kind_and_the_record_page_shows_the_beneficiary(app, make, client, login):
    tree = make.tree()
    unit = tree["a"]
    hoa, _quan = children(make, unit)
    import_beneficiaries(app, unit)
    officer = make.user("officer", unit)
    login(officer)
    everyone = client.get("/records?status=all").get_data(as_text=True)
    assert count_of(everyone) == 10 and 'id="kind"' in everyone
    only = client.get("/records?status=all&kind=beneficiary").get_data(as_text=True)
    assert count_of(only) == 8 and "Nguyễn Thị Lành" in only
    assert only.count('<span class="badge">Đối tượng bảo trợ xã hội</span>') == 8
    assert '<option value="beneficiary" selected>' in only
    kids = client.get("/records?status=all&kind=child").get_data(as_text=True)
    assert count_of(kids) == 2 and "Nguyễn Thị Lành" not in kids
    assert '<span class="badge">Đối tượng bảo trợ xã hội</span>' not in kids
    # The same through the service, with a rule filter (the open findings of one kind).
    filt = work_queue.QueueFilter(status="all", kind="beneficiary", rule="GUARDIAN_MISSING")
    page = work_queue.queue_page(db.session, officer, filt)
    assert [r.full_name for r in page.items] == ["Võ Minh Tâm"]
    assert page.items[0].kind == "beneficiary"
    from werkzeug.datastructures import MultiDict

    assert work_queue.QueueFilter.from_args(MultiDict({"kind": "adult"})).kind == ""
    # The record page: the kind, the allowance in words and in Vietnamese numbers, the link.
    ngoc = db.session.scalar(select(Person).where(Person.full_name == "Võ Thị Ngọc"))
    page = client.get(f"/records/{ngoc.id}").get_data(as_text=True)
    assert "Đối tượng bảo trợ xã hội" in page
    assert "Đối tượng hưởng hỗ trợ kinh phí chăm sóc, nuôi dưỡng hàng tháng" in page
    assert "1.080.000 đồng" in page and "Võ Văn Lực" in page and "Họ tên người chăm sóc" in page
    linked = db.session.scalar(
        select(Person).where(Person.kind == "beneficiary", Person.full_name == "Phạm Thị Hoa")
    )
    page = client.get(f"/records/{linked.id}").get_data(as_text=True)
    assert "Cũng có trong sổ trẻ em" in page and f"/records/{hoa.id}" in page
    page = client.get(f"/records/{hoa.id}").get_data(as_text=True)
    assert "Cũng có trong danh sách đối tượng bảo trợ xã hội" in page
    assert f"/records/{linked.id}" in page and "Mức trợ cấp hàng tháng" not in page
    assert '<div class="fact-value" id="record-kind">Trẻ em</div>' in page
