"""The dashboard's campaign pace (issue 17): per commune and its current phase, days left, the
pace needed against the last four weeks' and the flags, on a fixed Thursday."""

from __future__ import annotations

import re

from treem_app.extensions import db

from ..campaign_helpers import (  # noqa: F401 - the fixture
    BENEFICIARIES,
    CHILDREN,
    THURSDAY_10,
    add_campaign,
    fixed_now,
    freeze_cleaned,
)
from ..report_helpers import give_figures


def row(page: str, code: str) -> str:
    match = re.search(rf'<tr data-unit="{code}" data-state="[^"]*"[^>]*>.*?</tr>', page, re.S)
    assert match, code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def test_the_dashboard_shows_each_communes_pace(make, login, fixed_now):  # noqa: F811
    tree = make.tree()
    add_campaign(tree["province"], CHILDREN, BENEFICIARIES)
    give_figures(tree["a"], 300, 220)
    freeze_cleaned(tree["a"], 100, 130, 160, 190)
    give_figures(tree["b"], 50, 20)
    freeze_cleaned(tree["b"], 20, 20, 20, 20)
    give_figures(tree["c"], 40, 40)
    reporter = make.user("reporter", tree["province"])
    fixed_now(THURSDAY_10)
    client = login(reporter)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Tiến độ chiến dịch theo xã" in page
    a = row(page, "C0001")
    assert "Xã An Phú" in a and "Trẻ em" in a and "04/06/2026 – 18/06/2026" in a
    # 8 days left, 80 to clean: 70 a week needed, 31 a week done: cannot finish.
    assert re.search(r"Trẻ em .* 8 80 70 31 ▲ Không kịp tiến độ", a), a
    b = row(page, "C0002")
    assert "Không tiến triển 2 tuần" in b and "Không kịp tiến độ" in b
    c = row(page, "C0003")
    assert "Đã hoàn thành" in c
    assert 'data-flags="no_progress behind"' in page
    # The district's dashboard shows its own communes only.
    page = client.get("/dashboard?unit=D01").get_data(as_text=True)
    assert 'data-unit="C0003" data-state' not in page and 'data-unit="C0001" data-state' in page


def test_without_a_campaign_the_dashboard_says_so(make, login):
    tree = make.tree()
    page = login(make.user("reporter", tree["province"])).get("/dashboard").get_data(as_text=True)
    assert "Chưa có kế hoạch chiến dịch cho các xã này" in page
    db.session.remove()
