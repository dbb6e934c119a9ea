"""The campaign's settings page (issue 17): create, edit, inherit, refusals outside the scope,
bad dates refused in Vietnamese and tied to their field."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Campaign, CampaignPhase
from treem_app.services import campaigns

PLAN = {
    "name": "Chiến dịch làm sạch dữ liệu trẻ em, đối tượng bảo trợ 2026",
    "handover_weekday": "3",
    "return_weekday": "2",
    "report_weekday": "4",
    "report_hour": "10",
    "monthly_day": "15",
    "phase-0-kind": "child",
    "phase-0-start": "04/06/2026",
    "phase-0-end": "18/06/2026",
    "phase-1-kind": "beneficiary",
    "phase-1-start": "19/6/2026",
    "phase-1-end": "31/07/2026",
}


def count_campaigns() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Campaign))


def test_a_province_reporter_sets_the_plan_and_communes_follow_it(make, login, post):
    tree = make.tree()
    reporter = make.user("reporter", tree["province"])
    client = login(reporter)
    page = client.get("/campaigns").get_data(as_text=True)
    assert "Chưa có kế hoạch chiến dịch" in page
    assert 'id="phase-0-start"' in page and 'placeholder="dd/mm/yyyy"' in page

    resp = post("/campaigns", {**PLAN, "unit": "P01"})
    assert resp.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert campaign.unit_id == tree["province"].id
    assert [(p.kind, p.starts_on, p.ends_on) for p in campaign.phases] == [
        ("child", date(2026, 6, 4), date(2026, 6, 18)),
        ("beneficiary", date(2026, 6, 19), date(2026, 7, 31)),
    ]
    # A commune follows it, and its page says whose plan it is.
    followed = campaigns.campaign_for(db.session, tree["a"])
    assert followed.id == campaign.id
    page = client.get("/campaigns?unit=C0001").get_data(as_text=True)
    assert "theo kế hoạch của Tỉnh Thử Nghiệm" in page
    # Another unit's plan is chosen by name among the units in scope, not by a typed code.
    chooser = re.search(r'<select id="unit-code" name="unit">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]+)"', chooser) == ["P01", "D01", "C0001", "C0002",
                                                                "D02", "C0003"]  # fmt: skip
    assert '<option value="C0001" selected>\u2003\u2003Xã An Phú</option>' in chooser
    assert "04/06/2026" in page and "31/07/2026" in page
    assert "Chuyển danh sách cho công an thứ năm hằng tuần" in page


def test_editing_replaces_the_phases(make, login, post):
    tree = make.tree()
    client = login(make.user("reporter", tree["district"]))
    assert post("/campaigns", {**PLAN, "unit": "D01"}).status_code == 302
    edited = {**PLAN, "unit": "D01", "name": "Kế hoạch huyện", "phase-1-kind": "",
              "phase-1-start": "", "phase-1-end": "", "phase-0-end": "25/06/2026"}  # fmt: skip
    assert post("/campaigns", edited).status_code == 302
    assert count_campaigns() == 1
    campaign = db.session.scalar(select(Campaign))
    assert campaign.name == "Kế hoạch huyện"
    assert [(p.kind, p.ends_on) for p in campaign.phases] == [("child", date(2026, 6, 25))]
    assert db.session.scalar(select(func.count()).select_from(CampaignPhase)) == 1
    page = client.get("/campaigns?unit=D01").get_data(as_text=True)
    assert 'value="25/06/2026"' in page
    assert "Kế hoạch riêng của đơn vị" in page


def test_a_communes_officer_sets_its_own_plan_and_may_remove_it(make, login, post):
    tree = make.tree()
    login(make.user("reporter", tree["province"]))
    post("/campaigns", {**PLAN, "unit": "P01"})
    post("/logout")

    login(make.user("officer", tree["a"]))
    own = {**PLAN, "unit": "C0001", "name": "Kế hoạch xã An Phú", "phase-1-kind": "",
           "phase-1-start": "", "phase-1-end": ""}  # fmt: skip
    assert post("/campaigns", own).status_code == 302
    assert campaigns.campaign_for(db.session, tree["a"]).name == "Kế hoạch xã An Phú"
    assert campaigns.campaign_for(db.session, tree["b"]).unit_id == tree["province"].id
    assert post("/campaigns/remove", {"unit": "C0001"}).status_code == 302
    db.session.expire_all()
    assert campaigns.campaign_for(db.session, tree["a"]).unit_id == tree["province"].id


def test_refused_outside_the_scope(make, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    client = login(officer)
    # The commune's officer may not set the province's plan, nor another commune's.
    assert post("/campaigns", {**PLAN, "unit": "P01"}).status_code == 404
    assert post("/campaigns", {**PLAN, "unit": "C0002"}).status_code == 404
    assert client.get("/campaigns?unit=D01").status_code == 404
    assert count_campaigns() == 0
    # A district's reporter may not set the other district's commune.
    post("/logout")
    login(make.user("reporter", tree["district"]))
    assert post("/campaigns", {**PLAN, "unit": "C0003"}).status_code == 404
    assert post("/campaigns", {**PLAN, "unit": "P01"}).status_code == 404
    assert count_campaigns() == 0


def test_roles_without_the_permission_are_refused(make, login, post):
    tree = make.tree()
    client = login(make.user("police", tree["a"]))
    assert client.get("/campaigns").status_code == 403
    assert post("/campaigns", {**PLAN, "unit": "C0001"}).status_code == 403
    assert count_campaigns() == 0


def test_the_service_refuses_an_officer_outside_their_commune(make, ctx):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    assert campaigns.may_set(officer, tree["a"])
    assert not campaigns.may_set(officer, tree["province"])
    assert not campaigns.may_set(make.user("volunteer", tree["a"]), tree["a"])


def test_bad_dates_are_refused_in_vietnamese_on_their_fields(make, login, post):
    tree = make.tree()
    login(make.user("reporter", tree["province"]))
    bad = {**PLAN, "unit": "P01", "phase-0-start": "31/02/2026", "phase-1-end": "01/06/2026",
           "monthly_day": "40", "name": ""}  # fmt: skip
    resp = post("/campaigns", bad)
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert count_campaigns() == 0
    assert "Chưa lưu được kế hoạch" in page
    # Each error sits beside its field, which names it and is marked invalid.
    for field, words in (
        ("phase-0-start", "không phải một ngày có thật"),
        ("phase-1-end", "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu"),
        ("monthly_day", "từ 1 đến 28"),
        ("name", "Hãy nhập tên chiến dịch"),
    ):
        assert re.search(rf'id="{field}-error">[^<]*{words}', page), field
        tag = re.search(rf'<(input|select)[^>]*id="{field}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in tag, field
        assert f"{field}-error" in tag, field
    # What was typed stays typed.
    assert 'value="31/02/2026"' in page and 'value="19/6/2026"' in page
