"""The work queue's alternative query paths (issue 15) give the results of the plain ones."""

from dataclasses import asdict
from datetime import date

import pytest
from sqlalchemy import inspect

from treem_app.extensions import db
from treem_app.services import findings, review, work_queue

TODAY = date(2026, 11, 22)


@pytest.fixture
def scene(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    reporter = make.user("reporter", tree["district"])
    rows = [
        (tree["a"], {"id_number": None}),
        (tree["a"], {"id_number": None, "father_name": None, "hamlet": "Thôn Hai"}),
        (tree["a"], {"id_number": "052215000123", "id_source": "export"}),
        (tree["a"], {"id_number": "052215000456", "father_name": None, "hamlet": "Thôn Hai"}),
        (tree["a"], {"id_number": None, "full_name": "Trần Thị Bình", "name_key": "tran thi binh"}),
        (tree["a"], {"id_number": "052216000789", "dob": date(2016, 1, 2), "hamlet": None}),
        (tree["b"], {"id_number": None, "hamlet": "Thôn Hai"}),
        (tree["b"], {"id_number": "052215000999", "father_name": None}),
        (tree["c"], {"id_number": None}),
    ]
    persons = []
    for i, (unit, facts) in enumerate(rows):
        person = make.person(unit, **facts, dob_precision="day" if i % 2 else "year")
        findings.rescreen(db.session, [person], TODAY)
        persons.append(person)
    review.set_mark(db.session, persons[1], "moved", "Chuyển đi", user=officer, today=TODAY)
    db.session.commit()
    return officer, reporter, persons


def _result(user, args):
    page = work_queue.queue_page(db.session, user, work_queue.QueueFilter(**args))
    return asdict(page)


RULE_FILTERS = [
    {"rule": "ID_MISSING"},
    {"rule": "GUARDIAN_MISSING", "hamlet": "Thôn Hai", "status": "all"},
    {"severity": "warning", "status": "all"},
    {"rule": "ID_MISSING", "severity": "warning"},
    {"rule": "ID_MISSING", "q": "nguyen"},
]


def _probed_and_joined(monkeypatch, user, args) -> list[dict]:
    """The page with each person's findings probed and with them joined (_probes_per_person)."""
    results = []
    for per_person in (False, True):
        monkeypatch.setattr(work_queue, "_probes_per_person", lambda shape, v=per_person: v)
        work_queue._statements.cache_clear()
        results.append(_result(user, args))
    work_queue._statements.cache_clear()
    return results


@pytest.mark.parametrize("args", RULE_FILTERS)
def test_a_rule_probed_per_person_gives_what_the_join_gives(scene, monkeypatch, args):
    """Finding 6: the rule (or warning) filter as a probe per person (OFFSET 0, PostgreSQL's
    path for a commune) and as the plain EXISTS the planner may join: the same page."""
    officer, reporter, _persons = scene
    for user in (officer, reporter):
        results = _probed_and_joined(monkeypatch, user, args)
        assert results[0] == results[1]
        assert results[0]["total"] > 0 or args.get("hamlet")


@pytest.mark.parametrize("args", [{}, {"status": "all"}, {"hamlet": "Thôn Hai"}, *RULE_FILTERS])
def test_a_communes_counts_probe_each_persons_findings_on_postgresql(scene, monkeypatch, args):
    """Issue 15: a commune's rule and severity counts probe each person's open findings (a
    LATERAL subquery, PostgreSQL) instead of joining every open finding in the database; the
    same counts as the join (SQLite keeps the join: no LATERAL there)."""
    officer, _reporter, _persons = scene
    dialect = db.engine.dialect.name
    shape = work_queue._Shape.of(dialect, officer, [officer.unit_id], work_queue.QueueFilter())
    compiled = str(work_queue._statements(shape).counts.compile(dialect=db.engine.dialect))
    assert ("LATERAL" in compiled) == (dialect == "postgresql")
    results = _probed_and_joined(monkeypatch, officer, args)
    assert results[0] == results[1]
    assert results[0]["hamlets"] and (results[0]["rules"] or args.get("status") == "all")


def test_a_search_over_the_cap_shows_the_first_matches_and_says_so(scene, monkeypatch):
    """Finding 5: a search matching more than SEARCH_BY_ID_MAX persons runs once and shows
    that many (capped), instead of searching the whole scope again for each statement."""
    officer, _reporter, persons = scene
    everyone = _result(officer, {"q": "nguyen", "status": "all"})
    assert everyone["capped"] == 0 and everyone["total"] >= 3
    monkeypatch.setattr(work_queue, "SEARCH_BY_ID_MAX", 2)
    capped = _result(officer, {"q": "nguyen", "status": "all"})
    # The first 2 matches found (a moved child among them is then left out of the list).
    assert capped["capped"] == 2 and 1 <= capped["total"] <= 2
    shown = {row["id"] for row in capped["items"]}
    assert shown < {row["id"] for row in everyone["items"]}
    # The officer's commune holds 5 "nguyen" (one moved): at a cap of 5, everything, nothing said.
    monkeypatch.setattr(work_queue, "SEARCH_BY_ID_MAX", 5)
    assert _result(officer, {"q": "nguyen", "status": "all"}) == everyone


def test_the_capped_search_says_so_on_the_page(scene, monkeypatch, login):
    monkeypatch.setattr(work_queue, "SEARCH_BY_ID_MAX", 2)
    client = login(scene[0])
    html = client.get("/records?q=nguyen&status=all").get_data(as_text=True)
    assert 'id="queue-capped"' in html and "Có hơn 2 hồ sơ khớp" in html
    html = client.get("/records?q=binh&status=all").get_data(as_text=True)
    assert 'id="queue-capped"' not in html


def test_the_name_is_searched_by_btree_word_starts_not_trigrams(app, ctx):
    indexes = {i["name"]: i for i in inspect(db.engine).get_indexes("persons")}
    assert not {"ix_persons_name_key_trgm", "ix_persons_unit_name_trgm"} & set(indexes)
    words = {name for name in indexes if name.startswith("ix_persons_unit_name_w")}
    if db.engine.dialect.name == "postgresql":  # migration 0031
        assert words == {f"ix_persons_unit_name_w{w}" for w in range(2, 6)}
    else:
        assert not words


WALK_FILTERS = [
    {},
    {"status": "all"},
    {"status": "errors"},
    {"rule": "ID_MISSING"},
    {"rule": "DOB_PARTIAL"},
    {"rule": "GUARDIAN_MISSING", "status": "all"},
    {"rule": "ID_MISSING", "severity": "error"},
    {"severity": "warning"},
    {"severity": "error", "status": "all"},
    {"hamlet": "Thôn Hai"},
    {"hamlet": "Thôn Hai", "rule": "ID_MISSING", "status": "all"},
    {"hamlet": "Thôn Một", "severity": "warning"},
    {"rule": "DOB_PARTIAL", "severity": "warning", "status": "all"},
]


def test_a_walked_page_is_the_sorted_page(scene, monkeypatch):
    """A province's (several units') page walked in the queue's order from the rank the kept
    counts say it starts in (PostgreSQL) lists the persons the sorting statement lists, on every
    page (two rows a page here, so later pages start past a rank), with the same counts."""
    _officer, reporter, _persons = scene
    monkeypatch.setattr(work_queue, "PAGE_SIZE", 2)
    work_queue._statements.cache_clear()
    planned = work_queue._plan_walk
    walked = []

    def counting(params, matches, ranks):
        walked.append(planned(params, matches, ranks))
        return walked[-1]

    for args in WALK_FILTERS:
        results = []
        for plan in (counting, lambda *_args: False):
            monkeypatch.setattr(work_queue, "_plan_walk", plan)
            pages = [_result(reporter, {**args, "page": n}) for n in range(1, 7)]
            results.append(pages)
        assert results[0] == results[1], args
        assert results[0][0]["total"] > 0, args
    work_queue._statements.cache_clear()
    if db.engine.dialect.name == "postgresql":  # the walk is PostgreSQL's (kept counts)
        assert walked.count(True) > 20
    else:
        assert walked == []


@pytest.mark.parametrize("rule", ["DOB_PARTIAL", "ID_MISSING"])
def test_a_warning_rule_with_the_warning_filter_is_the_rule_alone(scene, monkeypatch, rule):
    """A warning rule's persons all have an open warning: the queue drops the redundant
    severity filter (and so reads the kept counts, PostgreSQL); the same page as with it."""
    officer, reporter, _persons = scene
    args = {"rule": rule, "severity": "warning", "status": "all"}
    for user in (officer, reporter):
        dropped = _result(user, args)
        monkeypatch.setattr(work_queue, "RULE_SEVERITY", {})
        work_queue._statements.cache_clear()
        assert _result(user, args) == dropped
        monkeypatch.undo()
        work_queue._statements.cache_clear()
    if rule == "DOB_PARTIAL":  # the scene's partial dates
        assert dropped["total"] > 0


@pytest.mark.parametrize(
    ("who", "args", "custom"),
    [
        ("reporter", {"q": "nguyen"}, True),  # a province's name search
        ("officer", {"q": "nguyen"}, True),
        ("reporter", {}, True),  # a kept-counts page
        ("reporter", {"rule": "ID_MISSING"}, True),
        ("officer", {}, False),  # a commune's page: its generic plans are as good
    ],
)
def test_the_pages_whose_generic_plans_read_the_whole_province_are_planned_per_request(
    scene, who, args, custom
):
    """After ten runs of a prepared statement PostgreSQL may keep a generic plan: for a
    province's name search it read every name (440 ms instead of 45 ms at 600,000 persons,
    measured), for a kept-counts page it walked the whole index. Those requests plan with
    their own values (plan_cache_mode = force_custom_plan, for their transaction only)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("prepared statements' plans are PostgreSQL's")
    from sqlalchemy import event

    officer, reporter, _persons = scene
    seen: list[str] = []

    def before(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        _result(reporter if who == "reporter" else officer, args)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert any("force_custom_plan" in s for s in seen) == custom
    db.session.rollback()
