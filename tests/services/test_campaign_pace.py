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


def test_a_beneficiaries_phase_reads_the_beneficiaries_figures_only(make):
    """The pace of a beneficiaries' phase: its frozen (6) and its live (6) are the
    beneficiaries', never the children's cleaned alongside (issue 17: the kinds are apart)."""
    unit = make.unit()
    add_campaign(unit, ("beneficiary", THURSDAY.replace(day=1), THURSDAY.replace(month=7)))
    give_figures(unit, 500, 400)  # children: many, mostly clean
    freeze_cleaned(unit, 100, 200, 300, 400)  # the children's weeks: fast
    give_figures(unit, 40, 12, kind="beneficiary")  # 28 beneficiaries still to clean
    freeze_cleaned(unit, 12, 12, 12, 12, kind="beneficiary")  # no progress for four weeks
    out = campaign_pace.board_pace(
        db.session, [unit], {unit.id: 400}, now=THURSDAY_10, today=THURSDAY
    )
    pace = out[0].pace
    assert pace.phase.kind == "beneficiary" and pace.remaining == 28
    # 12 cleaned at every cut-off and 12 now: no progress (the children's 100 -> 400 and the
    # live 400 passed for the children are not read).
    assert str(pace.past_per_week) == "0.0" and dom.NO_PROGRESS in pace.flags
