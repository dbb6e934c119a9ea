"""`treem campaign show` and the demo's campaign (issue 17)."""

from __future__ import annotations

import json

from sqlalchemy import select

from treem_app import clock
from treem_app.cli import main
from treem_app.domain import campaigns as dom
from treem_app.extensions import db
from treem_app.models import Campaign, Unit

from ..campaign_helpers import CHILDREN, THURSDAY_10, add_campaign, fixed_now  # noqa: F401
from ..report_helpers import give_figures


def test_campaign_show_json_and_text(app, ctx, make, fixed_now):  # noqa: F811
    tree = make.tree()
    add_campaign(tree["district"], CHILDREN, name="Kế hoạch huyện")
    give_figures(tree["a"], 10, 4)
    fixed_now(THURSDAY_10)
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["campaign", "show", "--unit", "D01", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["campaign"]["owner"] == "D01"
    assert out["campaign"]["phases"] == [{"kind": "child", "start": "2026-06-04",
                                          "end": "2026-06-18"}]  # fmt: skip
    a = out["communes"][0]
    assert (a["code"], a["state"], a["days_left"], a["remaining"]) == ("C0001", "running", 8, 6)
    assert a["needed_per_week"] == 6 and a["past_per_week"] is None
    text = runner.invoke(main, ["campaign", "show", "--unit", "C0001"]).output
    assert "Kế hoạch huyện (kế hoạch của Huyện Một)" in text
    assert "còn 8 ngày" in text
    none = runner.invoke(main, ["campaign", "show", "--unit", "C0003"]).output
    assert "chưa có kế hoạch chiến dịch" in none
    bad = runner.invoke(main, ["campaign", "show", "--unit", "NOPE"])
    assert bad.exit_code == 2


def test_the_demo_is_inside_its_campaigns_first_phase(app, ctx):
    from treem_app.demo import seed

    seed(db.session, children_per_commune=20)
    today = clock.today()
    province = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
    plan = db.session.scalar(select(Campaign).where(Campaign.unit_id == province.id)).plan
    phase = dom.current_phase(plan, today)
    assert phase.kind == "child" and phase.starts_on <= today <= phase.ends_on
    assert phase.starts_on.weekday() == 3  # a Thursday, like 04/06/2026
    assert [p.days for p in plan] == [15, 43]  # 04/06–18/06 and 19/06–31/07
    own = db.session.scalar(select(Campaign).where(Campaign.unit_id != province.id))
    assert own.unit.code == "21994"
