"""A beneficiary and a child record of the same person are linked when an ID number set later
(the record page, the police's answer, a resolved conflict: the one way to change a fact) makes
them hold the same number, not only at import: one owner of the number, no ID_DUPLICATE
between the two records, a history event on the beneficiary."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from treem_app.cli import main
from treem_app.domain.idnumber import make_id
from treem_app.extensions import db
from treem_app.models import PersonEvent
from treem_app.services.findings import rescreen
from treem_app.services.review import update_fact

from .test_beneficiaries import open_rules

DAY = dt.date(2026, 12, 4)
NUMBER = make_id("052", "F", 2012, 40_404)


def _pair(make, unit, *, child_number=None, beneficiary_number=None):
    child = make.person(unit, full_name="Lê Thị Nga", name_key="le thi nga", sex="F",
                        dob=dt.date(2012, 6, 1), id_number=child_number,
                        id_source="export" if child_number else None)  # fmt: skip
    beneficiary = make.person(unit, kind="beneficiary", full_name="Lê Thị Ngà",
                              name_key="le thi nga", sex="F", dob=dt.date(2012, 6, 1),
                              father_name=None, allowance_category="Trẻ em mồ côi",
                              id_number=beneficiary_number,
                              id_source="export" if beneficiary_number else None)  # fmt: skip
    rescreen(db.session, [child, beneficiary], DAY)
    db.session.commit()
    return child, beneficiary


def _link_events(person):
    return db.session.scalars(
        select(PersonEvent).where(
            PersonEvent.person_id == person.id, PersonEvent.field == "linked_person"
        )
    ).all()


def test_a_number_typed_on_the_beneficiary_links_it_to_the_child(make):
    unit = make.unit()
    officer = make.user("officer", unit)
    child, beneficiary = _pair(make, unit, child_number=NUMBER)
    assert beneficiary.linked_person_id is None  # other name, no parent: not linked at first
    assert update_fact(db.session, beneficiary, "id_number", NUMBER, user=officer,
                       source="household_visit", note=None, expected_version=None,
                       today=DAY)  # fmt: skip
    db.session.commit()
    assert beneficiary.linked_person_id == child.id
    (event,) = _link_events(beneficiary)
    assert event.new_value == f"#{child.id}" and event.user_id == officer.id
    assert "ID_DUPLICATE" not in open_rules(beneficiary) | open_rules(child)


def test_a_number_set_on_the_child_links_the_beneficiary_that_holds_it(make):
    unit = make.unit()
    officer = make.user("officer", unit)
    child, beneficiary = _pair(make, unit, beneficiary_number=NUMBER)
    assert update_fact(db.session, child, "id_number", NUMBER, user=officer,
                       source="household_visit", note=None, expected_version=None,
                       today=DAY)  # fmt: skip
    db.session.commit()
    assert beneficiary.linked_person_id == child.id and len(_link_events(beneficiary)) == 1
    assert "ID_DUPLICATE" not in open_rules(beneficiary) | open_rules(child)


def test_two_children_holding_the_number_link_nothing(make):
    unit = make.unit()
    officer = make.user("officer", unit)
    child, beneficiary = _pair(make, unit, child_number=NUMBER)
    make.person(unit, full_name="Lê Thị Nguyệt", name_key="le thi nguyet", sex="F",
                id_number=NUMBER, id_source="export")  # fmt: skip
    update_fact(db.session, beneficiary, "id_number", NUMBER, user=officer,
                source="household_visit", note=None, expected_version=None, today=DAY)  # fmt: skip
    db.session.commit()
    assert beneficiary.linked_person_id is None and not _link_events(beneficiary)
    assert "ID_DUPLICATE" in open_rules(beneficiary)


def test_a_number_of_the_police_held_by_a_beneficiary_links_when_the_officer_accepts_it(
    app, make, tmp_path
):
    """A whole sheet's numbers are looked up at once (not one query a row, issue 12's bench):
    a number a beneficiary of another commune holds is a conflict, nothing linked; the other
    rows are verified and link nothing; the officer accepting the number links the two."""
    from treem_app.models import BatchRow
    from treem_app.services.batch_ingest import decide_conflict

    from ..returns import fill, issued_batch, right_id

    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 3, tmp_path)
    numbers = [right_id(c, 500 + i) for i, c in enumerate(children)]
    beneficiary = make.person(tree["b"], kind="beneficiary", full_name="Nguyễn Thị Hoa",
                              name_key="nguyen thi hoa", dob=dt.date(1950, 1, 2),
                              id_number=numbers[1], id_source="export")  # fmt: skip
    other = make_id("052", "M", 1948, 777)
    bystander = make.person(tree["b"], kind="beneficiary", full_name="Phan Văn Tư",
                            name_key="phan van tu", dob=dt.date(1948, 5, 6), id_number=other,
                            id_source="export")  # fmt: skip
    db.session.commit()
    answers = {i + 1: (n, "Đã xác thực", None) for i, n in enumerate(numbers)}
    result = app.test_cli_runner().invoke(
        main, ["batch", "ingest", str(batch.id), str(fill(sheet, tmp_path / "b.xlsx", answers))]
    )
    assert result.exit_code == 0, result.stderr
    db.session.expire_all()
    assert [c.id_number for c in children] == [numbers[0], None, numbers[2]]
    assert not _link_events(beneficiary) and not _link_events(bystander)
    row = db.session.scalar(select(BatchRow).where(BatchRow.person_id == children[1].id))
    assert row.outcome == "conflict"
    decide_conflict(db.session, row, True, user=None, today=DAY)
    db.session.commit()
    assert children[1].id_number == numbers[1]
    assert beneficiary.linked_person_id == children[1].id and len(_link_events(beneficiary)) == 1
    assert bystander.linked_person_id is None and not _link_events(bystander)
    assert "ID_DUPLICATE" not in open_rules(beneficiary) | open_rules(children[1])
