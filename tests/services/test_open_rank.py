"""persons.open_rank (the queue's errors-first order and its "open"/"errors" filters) stays
equal to what the findings table says after every kind of write. The suite also checks this
invariant after every test (tests/conftest.py)."""

import datetime as dt
import importlib
from types import SimpleNamespace

from sqlalchemy import select, text

from treem_app.extensions import db
from treem_app.models import Finding, Person
from treem_app.services import batches, duplicates, findings, review
from treem_app.services.conflicts import resolve_conflict
from treem_app.services.findings import rebuild_findings
from treem_app.services.persons import open_rank_of
from treem_app.services.roster_import import run_import

from ..batch_helpers import ready_children
from ..exports import DAY, HEADER, row, simple_xlsx
from ..invariants import assert_open_ranks, open_rank_mismatches
from .test_roster_import import upload

TODAY = dt.date(2026, 11, 22)


def rank(person):
    db.session.flush()
    db.session.refresh(person)
    return person.open_rank


def f(severity, status="open"):
    return SimpleNamespace(severity=severity, status=status)


def test_open_rank_of():
    assert open_rank_of([]) == 2
    assert open_rank_of([f("info")]) == 2
    assert open_rank_of([f("warning"), f("info")]) == 1
    assert open_rank_of([f("warning"), f("error")]) == 0
    assert open_rank_of([f("error", "resolved"), f("warning")]) == 1
    assert open_rank_of([f("error", "resolved")]) == 2


def test_the_invariant_check_sees_a_stale_rank(make):
    person = make.person(make.unit())
    db.session.add(
        Finding(
            person=person, rule="NAME_INVALID", field="full_name", severity="error", message="x"
        )
    )
    db.session.flush()
    assert open_rank_mismatches(db.session.connection()) == [(person.id, 2, 0)]
    db.session.rollback()


def test_review_actions_keep_the_rank(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    unit = tree["a"]

    def edit(person, name, value):
        review.update_fact(db.session, person, name, value, user=officer, source="officer",
                           note=None, expected_version=None, today=TODAY)  # fmt: skip
        assert_open_ranks(db.session)
        return rank(person)

    def add(**changes):
        child = review.add_child(db.session, unit, dict(raw, **changes), user=officer,
                                 source="household_visit", note=None, today=TODAY,
                                 confirmed=True)  # fmt: skip
        assert_open_ranks(db.session)
        return child

    raw = {"full_name": "Nguyễn Văn An", "dob": "05/03/2015", "sex": "Nam", "ethnicity": "Kinh",
           "father_name": "Nguyễn Văn Bình", "hamlet": "Thôn Một",
           "id_number": "052215000123"}  # fmt: skip
    an = add()
    assert rank(an) == 2
    assert edit(an, "dob", "2015") == 1  # DOB_PARTIAL, a warning
    assert edit(an, "father_name", None) == 0  # GUARDIAN_MISSING, an error
    assert edit(an, "father_name", "Nguyễn Văn Bình") == 1
    assert edit(an, "dob", "05/03/2015") == 2
    # A second record of the same child without ID: an error on it, a duplicate warning on
    # both; dismissed; a third one raised again by a rebuild, then merged away.
    twin = add(id_number=None)
    assert rank(twin) == 0 and rank(an) == 1
    duplicates.dismiss_pair(db.session, an, twin, user=officer, today=TODAY)
    assert rank(an) == 2
    assert_open_ranks(db.session)
    third = add(id_number=None)
    assert rank(third) == 0
    rebuild_findings(db.session, unit, TODAY)
    assert_open_ranks(db.session)
    duplicates.merge_persons(db.session, an, third, user=officer, note=None, today=TODAY)
    assert rank(third) == 2 and third.status == "duplicate"
    assert_open_ranks(db.session)
    # Marked (findings resolved), then restored (screened again).
    review.set_mark(db.session, twin, "moved", "Chuyển đi", user=officer, today=TODAY)
    assert rank(twin) == 2
    assert_open_ranks(db.session)
    review.set_mark(db.session, twin, "active", "Quay lại", user=officer, today=TODAY)
    assert rank(twin) == 0  # still no ID number
    assert_open_ranks(db.session)
    db.session.commit()


def test_imports_and_conflicts_keep_the_rank(app, make):
    unit = make.unit()
    officer = make.user("officer", unit)
    first = [
        row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),  # clean
        row(
            2, "Trần Thị Bích", "08/2016", sex="Nữ", father="Trần Văn Cường", idn="052316000456"
        ),  # a partial date: a warning
        row(3, "Lê Minh Khang", "31/02/2014", father=None),  # errors
    ]
    run_import(db.session, upload(app, unit, simple_xlsx(HEADER, first)), screening_date=DAY,
               apply=True)  # fmt: skip
    db.session.commit()
    an, bich, khang = db.session.scalars(select(Person).order_by(Person.id)).all()
    assert (an.open_rank, bich.open_rank, khang.open_rank) == (2, 1, 0)
    assert_open_ranks(db.session)
    # The officer fixes Khang's date of birth; the next export changes An and disagrees on it.
    review.update_fact(db.session, khang, "dob", "01/02/2014", user=officer, source="officer",
                       note=None, expected_version=None, today=TODAY)  # fmt: skip
    db.session.commit()
    second = [
        row(1, "Nguyễn Văn An", "05/03/2015", idn="12345"),  # a bad ID now: an error
        row(
            2, "Trần Thị Bích", "07/08/2016", sex="Nữ", father="Trần Văn Cường", idn="052316000456"
        ),  # fmt: skip
        row(3, "Lê Minh Khang", "31/02/2014", father="Lê Văn Dũng"),
        row(4, "Phạm Gia Huy", "02/02/2020", father="Phạm Văn Tú"),  # new, no ID
    ]
    run_import(db.session, upload(app, unit, simple_xlsx(HEADER, second)), screening_date=DAY,
               apply=True)  # fmt: skip
    db.session.commit()
    db.session.expire_all()
    assert_open_ranks(db.session)
    assert bich.open_rank == 2
    from treem_app.models import Conflict

    for conflict in db.session.scalars(select(Conflict).where(Conflict.status == "open")):
        decision = "export" if conflict.kind == "value" else "keep"  # "export" fits values only
        resolve_conflict(db.session, conflict, decision, officer, DAY)
    db.session.commit()
    assert_open_ranks(db.session)


def test_batches_keep_the_rank(make):
    tree = make.tree()
    children = ready_children(make, tree["a"], 3)
    batch = batches.create_draft(db.session, tree["a"], user=None, today=TODAY)
    batches.add_persons(db.session, batch, [c.id for c in children], user=None)
    batches.remove_persons(db.session, batch, [children[0].id], user=None)
    db.session.commit()
    assert_open_ranks(db.session)


def test_the_migration_backfills_the_rank(make):
    unit = make.unit()
    people = [
        make.person(unit, id_number=None),  # ID_MISSING: an error
        make.person(unit, full_name="An Hà", name_key="an ha", id_number="052215000123",
                    id_source="export", dob_precision="year"),  # DOB_PARTIAL: a warning
        make.person(unit, full_name="Lê Minh Châu", name_key="le minh chau",
                    id_number="052215000789", id_source="export", dob=dt.date(2015, 6, 1)),
    ]  # fmt: skip
    for person in people:
        findings.rescreen(db.session, [person], TODAY)
    officer = make.user("officer", unit)
    review.set_mark(db.session, people[0], "moved", "Chuyển đi", user=officer, today=TODAY)
    people.append(make.person(unit, id_number=None))
    findings.rescreen(db.session, [people[-1]], TODAY)
    db.session.commit()
    expected = dict(db.session.execute(select(Person.id, Person.open_rank)).all())
    assert [expected[p.id] for p in people] == [2, 1, 2, 0]
    db.session.execute(text("UPDATE persons SET open_rank = 2"))
    migration = importlib.import_module("migrations.versions.0006_open_rank")
    db.session.execute(text(migration.BACKFILL))
    db.session.commit()
    assert dict(db.session.execute(select(Person.id, Person.open_rank)).all()) == expected
