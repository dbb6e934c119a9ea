"""The re-screen writes many persons' changes as one statement (an executemany), not one UPDATE
a person (issue 12's bench: 2,000 persons of a returned sheet), with the same optimistic
locking as the flush: the version moves on, a record changed meanwhile is not overwritten."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.orm.exc import StaleDataError

from treem_app.extensions import db
from treem_app.models import Finding, Person
from treem_app.services.findings import rescreen
from treem_app.services.persons import set_fact, write_changed

DAY = dt.date(2026, 12, 4)


def _updates(statements: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [(s, n) for s, n in statements if s.startswith("UPDATE persons")]


@pytest.fixture
def sent():
    """(statement, rows) for every statement sent while the test runs."""
    out: list[tuple[str, int]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        out.append((" ".join(statement.split()), len(parameters) if executemany else 1))

    event.listen(db.engine, "before_cursor_execute", record)
    yield out
    event.remove(db.engine, "before_cursor_execute", record)


def test_a_rescreen_of_many_persons_sends_one_update_for_them(make, sent):
    unit = make.unit()
    persons = [
        make.person(unit, full_name=f"Nguyễn Văn An {i}", name_key=f"nguyen van an {i}",
                    dob=dt.date(2015, 3, 5) + dt.timedelta(days=i), status="ready")
        for i in range(30)
    ]  # fmt: skip
    before = {p.id: (p.version, p.updated_at) for p in persons}
    sent.clear()
    # As the police's answers are applied: the changes first, then one re-screen decides the
    # statuses, nothing flushed in between (each person written once).
    with db.session.no_autoflush:
        for i, p in enumerate(persons):
            set_fact(db.session, p, "ethnicity", {"ethnicity": None if i % 2 else "10"},
                     source="household_visit")  # fmt: skip
        rescreen(db.session, persons, DAY)
    decided = {p.id: (p.status, p.open_rank) for p in persons}
    db.session.commit()
    updates = _updates(sent)
    # One statement for the 30 persons (all changed in the same columns), not 30.
    assert [n for _, n in updates] == [30], updates
    assert all("version=" in s and "persons.version =" in s for s, _ in updates)
    db.session.expire_all()
    for i, p in enumerate(persons):
        assert p.version == before[p.id][0] + 1 and p.updated_at >= before[p.id][1]
        assert p.ethnicity == (None if i % 2 else "10")
        assert (p.status, p.open_rank) == decided[p.id]
    missing = db.session.scalars(
        select(Finding.person_id).where(
            Finding.rule == "ETHNICITY_MISSING", Finding.status == "open"
        )
    ).all()
    assert sorted(missing) == sorted(p.id for i, p in enumerate(persons) if i % 2)


def test_a_record_changed_meanwhile_is_not_overwritten(make):
    unit = make.unit()
    person = make.person(unit, status="ready")
    # Another writer saved the record after this session read it.
    db.session.execute(text("UPDATE persons SET version = version + 1 WHERE id = :id"),
                       {"id": person.id})  # fmt: skip
    person.hamlet = "Thôn Hai"
    with pytest.raises(StaleDataError):
        write_changed(db.session, [person])
    db.session.rollback()
    assert db.session.get(Person, person.id).hamlet == "Thôn Một"


def test_what_it_cannot_write_is_left_to_the_flush(make, sent):
    unit = make.unit()
    a, b = make.person(unit, status="ready"), make.person(unit, status="ready")
    a.merged_into = b  # a relationship: the flush sets the column
    assert write_changed(db.session, [a]) == 0
    db.session.commit()
    db.session.expire_all()
    assert a.merged_into_id == b.id and a.version == 2
