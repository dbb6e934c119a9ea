"""The work queue's search (issue 15). A name matches from the start of one of its words, the
same on SQLite and PostgreSQL, for a commune (one unit) and for a district (several units: on
PostgreSQL each word start read from its own index up to the cap). An ID number matches from
its first digits, read from the unit's numbers' index."""

import pytest
from sqlalchemy import event, select, text

from treem_app.domain.names import name_key
from treem_app.extensions import db
from treem_app.services import work_queue

IN_A = [
    "Nguyễn Văn Hùng",
    "Trần Thị Hưng",
    "Phạm Hùng",
    "Đỗ Thị Nhung",
    "Lê Trung Dũng",
    "Tôn Nữ Thị Mai Anh",
    "Hoàng Văn Hùng Anh",
    "Hà Thị A_h",
]
IN_B = ["Nguyễn Văn Hùng", "Vũ Thị Mai Anh"]


@pytest.fixture
def people(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    reporter = make.user("reporter", tree["district"])
    for unit, names in ((tree["a"], IN_A), (tree["b"], IN_B)):
        for i, name in enumerate(names):
            number = f"0522150{len(names):02d}{i:03d}"  # 052215008000 … in a, 052215002000 … in b
            make.person(unit, full_name=name, name_key=name_key(name), id_number=number)
    return officer, reporter


def _found(user, q: str, attribute: str = "full_name") -> list[str]:
    page = work_queue.queue_page(db.session, user, work_queue.QueueFilter(q=q, status="all"))
    return sorted(getattr(row, attribute) for row in page.items)


@pytest.mark.parametrize(
    "q, names",
    [
        ("hung", ["Hoàng Văn Hùng Anh", "Nguyễn Văn Hùng", "Phạm Hùng", "Trần Thị Hưng"]),
        ("Hùng", ["Hoàng Văn Hùng Anh", "Nguyễn Văn Hùng", "Phạm Hùng", "Trần Thị Hưng"]),
        ("van hung", ["Hoàng Văn Hùng Anh", "Nguyễn Văn Hùng"]),
        ("  VĂN   HÙNG ", ["Hoàng Văn Hùng Anh", "Nguyễn Văn Hùng"]),
        ("nguyen van hung", ["Nguyễn Văn Hùng"]),
        ("Nguyễn Văn Hùng", ["Nguyễn Văn Hùng"]),
        ("anh", ["Hoàng Văn Hùng Anh", "Tôn Nữ Thị Mai Anh"]),  # the 5th word, the 4th
        ("mai a", ["Tôn Nữ Thị Mai Anh"]),
        ("ton nu thi mai anh", ["Tôn Nữ Thị Mai Anh"]),
        ("n", ["Nguyễn Văn Hùng", "Tôn Nữ Thị Mai Anh", "Đỗ Thị Nhung"]),
        ("a_h", ["Hà Thị A_h"]),  # LIKE's wildcards are the text typed
        ("ung", []),  # the middle of a word
        ("nguyen hung", []),  # words that do not follow each other
        ("%", []),
        ("hung anh x", []),
    ],
)
def test_a_name_is_found_from_the_start_of_any_of_its_words(people, q, names):
    officer, _reporter = people
    assert _found(officer, q) == names


def test_a_district_finds_the_name_in_each_of_its_communes(people):
    officer, reporter = people
    assert _found(officer, "nguyen van hung") == ["Nguyễn Văn Hùng"]
    assert _found(reporter, "nguyen van hung") == ["Nguyễn Văn Hùng", "Nguyễn Văn Hùng"]
    assert _found(reporter, "mai anh") == ["Tôn Nữ Thị Mai Anh", "Vũ Thị Mai Anh"]
    assert _found(reporter, "ung") == []
    # A person found at two word starts ("hung" and "hung anh" both start words of
    # "Hoàng Văn Hùng Anh"; "a" starts two of "Hà Thị A_h"'s) is listed once.
    assert _found(reporter, "a") == ["Hoàng Văn Hùng Anh", "Hà Thị A_h", "Tôn Nữ Thị Mai Anh",
                                     "Vũ Thị Mai Anh"]  # fmt: skip


def test_a_districts_capped_search_counts_each_person_once(people, monkeypatch):
    _officer, reporter = people
    monkeypatch.setattr(work_queue, "SEARCH_BY_ID_MAX", 3)
    page = work_queue.queue_page(db.session, reporter, work_queue.QueueFilter(q="a", status="all"))
    assert page.capped == 3 and page.total == 3
    assert len({row.id for row in page.items}) == 3


def test_an_id_number_is_found_from_its_first_digits_in_the_users_units(people):
    officer, reporter = people
    assert _found(officer, "052215008003", "id_number") == ["052215008003"]
    assert _found(officer, "0522 1500 800", "id_number") == [f"05221500800{i}" for i in range(8)]
    assert _found(officer, "052215002000") == []  # commune b's
    assert _found(reporter, "052215002000") == ["Nguyễn Văn Hùng"]
    assert len(_found(reporter, "0522150")) == len(IN_A) + len(IN_B)
    assert _found(reporter, "522150") == []  # from the first digit only


@pytest.fixture
def crowd(people, make):
    """2,000 more persons in the district's communes, and the planner's statistics: with a
    handful of rows and none, PostgreSQL may read any index led by the unit and filter the
    rest, whichever the statement could use."""
    from datetime import date

    from treem_app.models import Person, Unit

    units = db.session.scalars(select(Unit).where(Unit.level == "commune")).all()
    given = ["An", "Bình", "Chi", "Dũng", "Giang", "Khoa", "Lan", "Minh", "Nga", "Phúc"]
    for i in range(2000):
        name = f"Lê {['Văn', 'Thị', 'Đức', 'Ngọc'][i % 4]} {given[i // 4 % 10]} {i}"
        db.session.add(Person(unit=units[i % len(units)], full_name=name, name_key=name_key(name),
                              dob=date(2016, 1, 1), dob_precision="day", sex="M", status="clean",
                              id_number=f"079216{i:06d}"))  # fmt: skip
    db.session.commit()
    db.session.execute(text("ANALYZE persons"))
    db.session.commit()
    return people


def _plan(user, q: str, marker: str, **settings) -> str:
    """EXPLAIN of the statement of `user`'s search for `q` whose SQL holds `marker`, with the
    planner's `settings` (sequential scans ruled out: the tables are still small)."""
    seen: list[tuple[str, dict]] = []

    def before(conn, cursor, statement, params, context, executemany):
        if marker in statement:
            seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert _found(user, q)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    (statement, params), = seen  # fmt: skip
    conn = db.session.connection()
    for name, value in settings.items():
        conn.exec_driver_sql(f"SET LOCAL {name} = {value}")
    plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, params))
    db.session.rollback()
    return plan


def test_a_districts_number_search_reads_the_units_numbers_on_postgresql(crowd):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite searches the unit's persons")
    plan = _plan(crowd[1], "052215002000", "id_number LIKE", enable_seqscan="off",
                 enable_bitmapscan="off")  # fmt: skip
    assert " ix_persons_unit_id_number " in plan


def test_the_persons_found_are_read_by_id_once_then_counted_and_sorted_on_postgresql(people):
    """The counts of a search read the persons found by id once (a CTE) and list its page's
    persons from them: walking the queue's index in order to meet them read 48,000 index rows
    for 1,000 ID numbers at 200,000, and each of the counts' parts read them again."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the plans are PostgreSQL's")
    plan = _plan(people[1], "0522", "WITH found_persons", enable_seqscan="off",
                 enable_bitmapscan="off")  # fmt: skip
    assert "ix_persons_queue_order" not in plan
    assert plan.count(" on persons") == 1 and " pk_persons " in plan


def test_the_word_starts_are_read_from_their_indexes_on_postgresql(crowd):
    """Each word start of a district's search is a range of its own btree index led by the unit
    (migration 0031): the expressions and the operator class the queries spell must be the
    indexes' own, or PostgreSQL reads every name in scope."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite searches the unit's names")
    plan = _plan(crowd[1], "van hung", "name_below", enable_seqscan="off")
    for index in ["ix_persons_unit_name_key"] + [f"ix_persons_unit_name_w{w}" for w in range(2, 6)]:
        assert f" {index} " in plan
    assert "Filter" not in plan  # no LIKE, no regular expression left to run on each match
    functions = db.session.execute(
        text("SELECT provolatile FROM pg_proc WHERE proname = 'treem_name_from'")
    ).scalars()
    assert list(functions) == ["i"]  # immutable, as an index expression must be


def test_the_search_box_says_how_names_are_found(people, login):
    officer, _reporter = people
    client = login(officer)
    html = client.get("/records?q=van+hung&status=all").get_data(as_text=True)
    assert 'aria-describedby="q-hint"' in html
    assert "Tên được tìm từ đầu một chữ bất kỳ" in html
    assert html.count("Nguyễn Văn Hùng") >= 1 and "Phạm Hùng" not in html


def test_a_searchs_pages_list_its_matches_in_the_queues_order(people, monkeypatch):
    """The counts list the page's persons (their place, their id) and the page reads those:
    every page in order, and a page past the last one shows the last."""
    _officer, reporter = people
    whole = work_queue.queue_page(db.session, reporter, work_queue.QueueFilter(q="a", status="all"))
    order = [row.id for row in whole.items]
    assert len(order) == 4
    monkeypatch.setattr(work_queue, "PAGE_SIZE", 3)
    work_queue._statements.cache_clear()
    try:
        pages = []
        for number in (1, 2, 9):
            filt = work_queue.QueueFilter(q="a", status="all", page=number)
            page = work_queue.queue_page(db.session, reporter, filt)
            pages.append(([row.id for row in page.items], page.page, page.pages))
    finally:
        work_queue._statements.cache_clear()
    assert pages == [(order[:3], 1, 2), (order[3:], 2, 2), (order[3:], 2, 2)]
