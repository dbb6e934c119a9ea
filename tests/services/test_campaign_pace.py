"""Campaign pace per commune counted from the database (issue 17), on a fixed Thursday."""

from __future__ import annotations

from treem_app.domain import campaigns as dom
from treem_app.extensions import db
from treem_app.services import campaign_pace

from ..campaign_helpers import (
    BENEFICIARIES,
    CHILDREN,
    THURSDAY,
    THURSDAY_10,
    add_campaign,
    freeze_cleaned,
)
from ..report_helpers import give_figures


def scene(make):
    tree = make.tree()
    a, b, c = tree["a"], tree["b"], tree["c"]
    add_campaign(tree["province"], CHILDREN, BENEFICIARIES)
    add_campaign(c, BENEFICIARIES, name="Kế hoạch riêng của xã")
    give_figures(a, 300, 220)  # 80 children to clean
    make.person(a, kind="beneficiary", status="in_review")  # another kind: not counted
    make.person(a, status="moved")  # inactive: not counted
    freeze_cleaned(a, 100, 130, 160, 190)
    give_figures(b, 50, 20)
    freeze_cleaned(b, 20, 20, 20, 20)
    for _ in range(3):
        make.person(c, kind="beneficiary", status="in_review")
    return tree


def test_pace_per_commune(make):
    tree = scene(make)
    units = [tree["a"], tree["b"], tree["c"]]
    out = campaign_pace.board_pace(db.session, units, now=THURSDAY_10, today=THURSDAY)
    a, b, c = (cp.pace for cp in out)
    assert (a.state, a.days_left, a.remaining, a.needed_per_week) == (dom.RUNNING, 8, 80, 70)
    assert str(a.past_per_week) == "31.1" and a.flags == (dom.BEHIND,)
    assert b.remaining == 30 and b.flags == (dom.NO_PROGRESS, dom.BEHIND)
    # C follows its own plan: the beneficiaries' phase, not started, 3 records to clean.
    assert (c.state, c.phase.kind) == (dom.NOT_STARTED, "beneficiary")
    assert (c.remaining, c.days_to_start) == (3, 8)
    assert out[0].inherited and not out[2].inherited


def test_the_kept_counts_follow_a_change(make):
    tree = scene(make)
    cache = campaign_pace.PaceCache(120)
    first = campaign_pace.board_pace(
        db.session, [tree["b"]], now=THURSDAY_10, today=THURSDAY, cache=cache
    )
    assert first[0].pace.remaining == 30
    make.person(tree["b"], status="in_review")  # a new child: the newest change moves
    again = campaign_pace.board_pace(
        db.session, [tree["b"]], now=THURSDAY_10, today=THURSDAY, cache=cache
    )
    assert again[0].pace.remaining == 31


def test_a_commune_without_a_campaign_has_no_pace(make):
    unit = make.unit()
    out = campaign_pace.board_pace(db.session, [unit], now=THURSDAY_10, today=THURSDAY)
    assert out[0].pace is None and out[0].campaign is None
