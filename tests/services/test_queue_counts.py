"""The work queue's kept counts (queue_counts, issue 15 finding 3) equal a count from the records
after imports, edits, police returns, merges and marks, and the queue of several units reads
them. The suite checks the same after every test (tests/conftest.py)."""

import os
from collections import Counter

import pytest
from sqlalchemy import select, text

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.models import Conflict, Finding, Person
from treem_app.models.unit import path_ids
from treem_app.services import duplicates, review
from treem_app.services.conflicts import resolve_conflict
from treem_app.services.findings import rebuild_findings, rescreen
from treem_app.services.queue_counts import KEPT, fold, mismatches, rebuild
from treem_app.services.roster_import import run_import
from treem_app.services.work_queue import STATUS_FILTERS, QueueFilter, queue_page

from ..exports import DAY, HEADER, row, simple_xlsx
from ..returns import fill, issued_batch, right_id
from .test_roster_import import upload

TODAY = DAY
# The counts are kept on PostgreSQL only (migration 0026); SQLite counts from the records.
ON_POSTGRESQL = (os.environ.get("TREEM_TEST_DATABASE_URL") or "").startswith("postgresql")
kept_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="counts kept on PostgreSQL only")


def in_step() -> list:
    db.session.flush()
    return mismatches(db.session.connection())


def kept_rows() -> int:
    return db.session.scalar(
        text("SELECT (SELECT count(*) FROM queue_counts) + (SELECT count(*) FROM "
             "queue_count_changes)")
    )  # fmt: skip


def _officer(make, unit):
    """The commune's officer, made once (a password hash costs 0.1 s: one per call made the
    test that calls this 75 times take 30 s)."""
    from treem_app.models import User

    found = db.session.scalars(
        select(User).where(User.unit_id == unit.id, User.role == "officer").limit(1)
    ).first()
    return found or make.user("officer", unit)


def summed_over_communes(make, communes, status: str, **filters) -> tuple:
    """What a queue over several units must show: each commune's own queue (the statement over
    persons and findings, the officer's path) added up."""
    hamlets, rules, severities = Counter(), Counter(), Counter()
    for unit in communes:
        page = queue_page(db.session, _officer(make, unit), QueueFilter(status=status, **filters))
        hamlets.update({h: n for h, n in page.hamlets if n})
        rules.update({rule: n for rule, n in page.rules})
        severities.update({s: n for s, n in page.severities.items() if n})
    if not filters.get("hamlet"):  # a province lists its communes' persons, not its hamlets
        hamlets = Counter({"": sum(hamlets.values())})
    return dict(hamlets), dict(rules), dict(severities)


def province_queue(reporter, status: str, **filters) -> tuple:
    """The province's queue: without a hamlet filter, from its own roll-up rows (migration
    0030), with no hamlets (the total only); with one, from the hamlets' rows."""
    page = queue_page(db.session, reporter, QueueFilter(status=status, **filters))
    hamlets = {h: n for h, n in page.hamlets if n}
    if not filters.get("hamlet"):
        assert hamlets == {}
        hamlets = {"": page.total}
    return hamlets, dict(page.rules), {s: n for s, n in page.severities.items() if n}


@kept_only
def test_the_counts_follow_imports_edits_returns_merges_and_marks(app, make, tmp_path):
    tree = make.tree()
    unit, other = tree["a"], tree["b"]
    officer = make.user("officer", unit)
    reporter = make.user("reporter", tree["province"])
    rows = [
        row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),  # clean
        row(2, "Trần Thị Bích", "08/2016", sex="Nữ", father="Trần Văn Cường",
            idn="052316000456"),  # a partial date: a warning
        row(3, "Lê Minh Khang", "31/02/2014", father=None),  # errors
        row(4, "Lê Minh Khang", "31/02/2014", father=None),  # the same child again
        row(5, "Phạm Gia Huy", "2020", father="Phạm Văn Tú"),  # no ID, a partial date
    ]  # fmt: skip
    run_import(db.session, upload(app, unit, simple_xlsx(HEADER, rows)), screening_date=DAY,
               apply=True)  # fmt: skip
    db.session.commit()
    assert kept_rows() > 0 and in_step() == []
    # A re-import: one person changed, one new, one gone (an "absent" conflict).
    again = [r for r in rows if r[0] != 2] + [row(6, "Võ Thị Mai", "01/01/2019", sex="Nữ")]
    again[0] = row(1, "Nguyễn Văn An", "05/03/2015", idn="12345")  # a bad ID now
    run_import(db.session, upload(app, unit, simple_xlsx(HEADER, again)), screening_date=DAY,
               apply=True)  # fmt: skip
    db.session.commit()
    assert in_step() == []
    for conflict in db.session.scalars(select(Conflict).where(Conflict.status == "open")):
        resolve_conflict(db.session, conflict, "export" if conflict.kind == "value" else "keep",
                         officer, DAY)  # fmt: skip
    db.session.commit()
    assert in_step() == []
    persons = {p.full_name: p for p in db.session.scalars(select(Person).order_by(Person.id))}
    an, huy, mai = persons["Nguyễn Văn An"], persons["Phạm Gia Huy"], persons["Võ Thị Mai"]
    # Edits on the record page: a fact fixed, a hamlet changed (the hamlet rows move).
    review.update_fact(db.session, huy, "dob", "02/02/2020", user=officer, source="officer",
                       note=None, expected_version=None, today=TODAY)  # fmt: skip
    review.update_fact(db.session, mai, "hamlet", "Thôn Hai", user=officer, source="officer",
                       note=None, expected_version=None, today=TODAY)  # fmt: skip
    assert in_step() == []
    # A duplicate pair merged, a record marked and restored, a whole commune re-screened.
    khang = db.session.scalars(
        select(Person).where(Person.full_name == "Lê Minh Khang").order_by(Person.id)
    ).all()
    duplicates.merge_persons(db.session, khang[0], khang[1], user=officer, note=None, today=TODAY)
    assert in_step() == []
    review.set_mark(db.session, an, "moved", "Chuyển đi", user=officer, today=TODAY)
    assert in_step() == []
    review.set_mark(db.session, an, "active", "Quay lại", user=officer, today=TODAY)
    rebuild_findings(db.session, unit, TODAY)
    db.session.commit()
    assert in_step() == []
    # The police's returned sheet for another commune: numbers verified, answers that stand.
    batch, children, sheet = issued_batch(app, make, other, 3, tmp_path)
    assert in_step() == []
    answers = {1: (right_id(children[0], 100), "Đã xác thực", None),
               2: (None, "Không khớp thông tin", "Sai tên mẹ"),
               3: (None, "khong tim thay", None)}  # fmt: skip
    result = app.test_cli_runner().invoke(
        main, ["batch", "ingest", str(batch.id), str(fill(sheet, tmp_path / "b.xlsx", answers)),
               "--json"]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    db.session.expire_all()
    assert in_step() == []
    # Folding the appended changes into the rows changes no number.
    changes = db.session.scalar(text("SELECT count(*) FROM queue_count_changes"))
    assert changes > 0 and fold(db.session) == changes
    db.session.commit()
    assert db.session.scalar(text("SELECT count(*) FROM queue_count_changes")) == 0
    assert in_step() == []
    review.update_fact(db.session, huy, "hamlet", "Thôn Ba", user=officer, source="officer",
                       note=None, expected_version=None, today=TODAY)  # fmt: skip
    db.session.commit()
    assert in_step() == []
    # The province's queue reads the kept rows and shows what the communes' queues add up to,
    # for every status filter.
    communes = [tree["a"], tree["b"], tree["c"]]
    for status in STATUS_FILTERS:
        assert province_queue(reporter, status) == summed_over_communes(make, communes, status)
    _total, rules, severities = province_queue(reporter, "open")
    hamlets = {
        h for unit in communes
        for h, n in queue_page(db.session, make.user("officer", unit), QueueFilter()).hamlets if n
    }  # fmt: skip
    assert rules and severities and len(hamlets) >= 4
    # With a rule or a severity filter, a hamlet filter, or both (all kept rows, split by
    # hamlet: migration 0028; but a rule with the warning filter, counted from the records).
    some_rule = next(iter(rules))
    for filters in [{"rule": rule} for rule in rules] + [
        {"severity": "error"},
        {"severity": "warning"},
        {"rule": some_rule, "severity": "error"},
        {"rule": some_rule, "severity": "warning"},
        *({"hamlet": hamlet} for hamlet in hamlets),
        *({"hamlet": hamlet, "rule": some_rule} for hamlet in hamlets),
        *({"hamlet": hamlet, "severity": "warning"} for hamlet in hamlets),
    ]:
        for status in ("open", "all", "errors"):
            assert province_queue(reporter, status, **filters) == summed_over_communes(
                make, communes, status, **filters
            ), (status, filters)


@kept_only
def test_one_person_is_counted_once_per_rule(make):
    """Two open findings of one rule (two fields) written by one statement count the person
    once (PostgreSQL's triggers run before each row, so each sees the rows before it)."""
    unit = make.unit()
    person = make.person(unit, id_number="052215000123", id_source="export")
    db.session.flush()
    db.session.execute(
        text(
            "INSERT INTO findings (person_id, rule, field, severity, message, status, created_at) "
            "VALUES (:p, 'NAME_INVALID', 'father_name', 'error', 'x', 'open', :t), "
            "(:p, 'NAME_INVALID', 'mother_name', 'error', 'x', 'open', :t), "
            "(:p, 'DOB_PARTIAL', 'dob', 'warning', 'x', 'open', :t)"
        ),
        {"p": person.id, "t": "2026-11-22 08:00:00"},
    )
    db.session.execute(text("UPDATE persons SET open_rank = 0 WHERE id = :p"), {"p": person.id})

    def count(kind, name, severity):
        return db.session.scalar(
            select(db.func.coalesce(db.func.sum(KEPT.c.persons), 0)).where(
                KEPT.c.unit_id == unit.id, KEPT.c.kind == kind,
                KEPT.c.name == name, KEPT.c.severity == severity,
            )
        )  # fmt: skip

    assert count(1, "NAME_INVALID", "error") == 1 and count(2, "", "error") == 1
    assert count(2, "", "warning") == 1 and in_step() == []
    first, second = db.session.scalars(
        select(Finding).where(Finding.rule == "NAME_INVALID").order_by(Finding.id)
    ).all()
    first.status = "resolved"
    db.session.flush()
    assert count(1, "NAME_INVALID", "error") == 1
    second.status = "resolved"
    db.session.flush()
    db.session.execute(text("UPDATE persons SET open_rank = 1 WHERE id = :p"), {"p": person.id})
    assert count(1, "NAME_INVALID", "error") == 0 and count(2, "", "error") == 0
    assert count(2, "", "warning") == 1 and in_step() == []
    db.session.commit()


@kept_only
def test_a_wrong_count_is_seen_and_rebuilt(app, make):
    tree = make.tree()
    for unit in (tree["a"], tree["b"]):
        make.person(unit, id_number=None)
        person = make.person(unit, id_number=None, hamlet="Thôn Ba")
        rescreen(db.session, [person], TODAY)
    fold(db.session)
    db.session.commit()
    assert in_step() == []
    db.session.execute(text("UPDATE queue_counts SET persons = persons + 5 WHERE kind = 1"))
    db.session.execute(text("DELETE FROM queue_counts WHERE kind = 0"))
    db.session.commit()
    wrong = in_step()
    assert wrong and {key[1] for key, _kept, _live in wrong} == {0, 1}
    runner = app.test_cli_runner()
    check = runner.invoke(main, ["counts", "rebuild", "--check"])
    assert check.exit_code == 1 and "số đếm khác với hồ sơ" in check.stderr
    # One commune rebuilt: only its rows are right again (and the roll-ups of the units above
    # the other commune, which add up its wrong rows, are still wrong).
    rebuild(db.session, [tree["a"].id])
    db.session.commit()
    above_b = set(path_ids(tree["b"].path))
    assert {key[0] for key, _kept, _live in in_step()} == above_b
    result = runner.invoke(main, ["counts", "rebuild", "--unit", tree["province"].code])
    assert result.exit_code == 0 and "Đã đếm lại" in result.stderr
    db.session.expire_all()
    assert in_step() == []
    assert runner.invoke(main, ["counts", "rebuild", "--check"]).exit_code == 0


@kept_only
@pytest.mark.parametrize("status", ["open", "errors", "marked"])
def test_the_province_queue_uses_the_kept_counts(make, status):
    """The reporter's counts are the kept rows: changing a row changes what the queue shows
    (and the officer's, a commune's, still counts from the records)."""
    tree = make.tree()
    unit = tree["a"]
    person = make.person(unit, id_number=None, hamlet="Thôn Một")
    rescreen(db.session, [person], TODAY)
    if status == "marked":
        review.set_mark(db.session, person, "moved", "Chuyển đi", user=make.user("officer", unit),
                        today=TODAY)  # fmt: skip
    fold(db.session)
    db.session.commit()
    reporter = make.user("reporter", tree["province"])
    before = queue_page(db.session, reporter, QueueFilter(status=status))
    assert before.hamlets == [] and before.total == 1
    # The province reads its own roll-up rows (kind 10, migration 0030), its hamlet filter the
    # hamlets' rows (kind 0).
    bump = "UPDATE queue_counts SET persons = persons {} 2 WHERE kind IN (0, 10) AND persons > {}"
    db.session.execute(text(bump.format("+", 0)))
    after = queue_page(db.session, reporter, QueueFilter(status=status))
    assert after.hamlets == [] and after.total == 3
    in_hamlet = queue_page(db.session, reporter, QueueFilter(status=status, hamlet="Thôn Một"))
    assert dict(in_hamlet.hamlets) == {"Thôn Một": 3} and in_hamlet.total == 3
    officer = queue_page(db.session, make.user("officer", unit), QueueFilter(status=status))
    assert dict(officer.hamlets) == {"Thôn Một": 1}
    db.session.execute(text(bump.format("-", 2)))
    db.session.commit()


def test_db_analyze_refreshes_the_statistics(app, make):
    unit = make.unit()
    for _ in range(3):
        make.person(unit)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["db", "analyze"])
    assert result.exit_code == 0, result.output
    assert "Đã cập nhật thống kê" in result.stderr
    db.session.remove()
    if db.engine.dialect.name == "postgresql":
        analysed, vacuumed = db.session.execute(
            text("SELECT last_analyze, last_vacuum FROM pg_stat_user_tables "
                 "WHERE relname = 'persons'")
        ).one()  # fmt: skip
        assert analysed is not None and vacuumed is not None
        visible = db.session.scalar(
            text("SELECT relallvisible FROM pg_class WHERE relname = 'persons'")
        )
        assert visible >= 1  # the loaded page marked all-visible: index-only scans stay there
    else:
        stats = db.session.execute(text("SELECT tbl, idx, stat FROM sqlite_stat1")).all()
        assert any(tbl == "persons" for tbl, _idx, _stat in stats)


@kept_only
def test_the_scheduled_fold_moves_the_changes(app, make):
    from treem_app.jobs import fold_queue_counts

    unit = make.unit()
    person = make.person(unit, id_number=None)
    rescreen(db.session, [person], TODAY)
    db.session.commit()
    waiting = db.session.scalar(text("SELECT count(*) FROM queue_count_changes"))
    assert waiting > 0
    assert fold_queue_counts() == waiting
    db.session.expire_all()
    assert db.session.scalar(text("SELECT count(*) FROM queue_count_changes")) == 0
    assert db.session.scalar(text("SELECT sum(persons) FROM queue_counts WHERE kind = 0")) == 1
    assert in_step() == []


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite only")
def test_on_sqlite_the_province_queue_counts_from_the_records(app, make):
    tree = make.tree()
    person = make.person(tree["a"], id_number=None, hamlet="Thôn Một")
    rescreen(db.session, [person], TODAY)
    db.session.commit()
    db.session.execute(
        text("INSERT INTO queue_counts (unit_id, kind, name, severity, status, open_rank, "
             "persons) VALUES (:u, 0, 'Thôn Một', '', :s, :r, 5)"),
        {"u": tree["a"].id, "s": person.status, "r": person.open_rank},
    )  # fmt: skip
    reporter = make.user("reporter", tree["province"])
    page = queue_page(db.session, reporter, QueueFilter(status="open"))
    assert page.hamlets == [] and page.total == 1  # several communes: no hamlets (issue 15)
    result = app.test_cli_runner().invoke(main, ["counts", "rebuild"])
    assert result.exit_code == 0 and "tính trực tiếp" in result.stderr
    db.session.rollback()
