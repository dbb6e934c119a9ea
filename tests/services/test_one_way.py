"""One way to change a person: the same change through every path leaves the same findings.

Each path (the record page, an approved proposal, a resolved conflict, a merge, a re-import, a
findings rebuild) gets its own pair of communes: a child whose ethnicity is missing and whose ID
number is also held by a child of the other commune (an open ID_DUPLICATE). Every path sets the
ethnicity; afterwards the child's open findings must be the same whichever path it took, and a
full rebuild must not change them.
"""

from __future__ import annotations

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Conflict, Finding, Person
from treem_app.services import duplicates, proposals, review
from treem_app.services.conflicts import resolve_conflict
from treem_app.services.findings import rebuild_findings, rescreen
from treem_app.services.persons import set_fact

from ..exports import DAY
from .test_roster_import import newer_export

PATHS = ("record", "proposal", "conflict", "merge", "reimport", "rebuild")


def rows_of(idn: str, ethnicity: str) -> list[list]:
    an = [1, "Nguyễn Văn An", "05/03/2015", "Nam", ethnicity, idn, "Nguyễn Văn Bình"]
    bich = [2, "Trần Thị Bích", "07/08/2016", "Nữ", "Kinh", None, "Trần Văn Cường"]
    return [an + [None, "Thôn Một"], bich + [None, "Thôn Một"]]


def open_findings(person: Person) -> set[tuple[str, str, str]]:
    # The message is left out: ID_DUPLICATE says "in the list" when the other holder was
    # screened in the same set (a rebuild) and "in the registry" otherwise.
    return {
        (f.rule, f.field, f.severity)
        for f in db.session.scalars(
            select(Finding).where(Finding.person_id == person.id, Finding.status == "open")
        )
    }


def change_ethnicity(app, make, path: str, n: int) -> Person:
    """Set up the pair of communes for `path` and change the child's ethnicity through it."""
    province = make.unit(f"Tỉnh {n}", level="province", code=f"P9{n}")
    here = make.unit(f"Xã Đây {n}", parent=province, code=f"C9{n}1")
    there = make.unit(f"Xã Kia {n}", parent=province, code=f"C9{n}2")
    idn = f"05221500010{n}"
    newer_export(app, there, [rows_of(idn, "Kinh")[0]])
    run, _ = newer_export(app, here, rows_of(idn, ""))
    db.session.commit()
    officer = make.user("officer", here)
    child = db.session.scalar(
        select(Person).where(Person.unit_id == here.id, Person.id_number == idn)
    )
    rescreen(db.session, [child], DAY)
    db.session.commit()
    before = {f[0] for f in open_findings(child)}
    assert {"ID_DUPLICATE", "ETHNICITY_MISSING"} <= before, before

    if path == "record":
        review.update_fact(
            db.session,
            child,
            "ethnicity",
            "Tày",
            user=officer,
            source="household_visit",
            note=None,
            expected_version=child.version,
            today=DAY,
        )
    elif path == "proposal":
        volunteer = make.user("volunteer", here)
        proposals.set_volunteer_hamlets(db.session, volunteer, ["Thôn Một"])
        proposal = proposals.propose(
            db.session,
            child,
            "ethnicity",
            "Tày",
            user=volunteer,
            source="household_visit",
            note=None,
            today=DAY,
        )
        proposals.decide_proposal(
            db.session, proposal, officer=officer, approve=True, reason=None, today=DAY
        )
    elif path == "conflict":
        conflict = Conflict(
            unit_id=here.id,
            person_id=child.id,
            import_run_id=run.id,
            kind="value",
            field="ethnicity",
            export_value="Tày",
            current_value=None,
        )
        db.session.add(conflict)
        db.session.flush()
        resolve_conflict(db.session, conflict, "export", officer, DAY)
    elif path == "merge":
        twin = review.add_child(
            db.session,
            here,
            {
                "full_name": "Nguyễn Văn An",
                "dob": "05/03/2015",
                "sex": "Nam",
                "ethnicity": "Tày",
                "father_name": "Nguyễn Văn Bình",
                "hamlet": "Thôn Một",
            },
            user=officer,
            source="household_visit",
            note=None,
            today=DAY,
            confirmed=True,
        )
        duplicates.merge_persons(db.session, child, twin, user=officer, note=None, today=DAY)
    elif path == "reimport":
        newer_export(app, here, rows_of(idn, "Tày"))
    elif path == "rebuild":
        set_fact(db.session, child, "ethnicity", {"ethnicity": "02"}, source="officer")
        db.session.flush()
        rebuild_findings(db.session, province, DAY)
    db.session.commit()
    db.session.expire_all()
    assert child.ethnicity == "02"  # Tày
    return child


def test_the_same_change_through_every_path_leaves_the_same_findings(app, make):
    children = {path: change_ethnicity(app, make, path, n) for n, path in enumerate(PATHS)}
    after = {path: open_findings(child) for path, child in children.items()}
    assert after["record"] == {("ID_DUPLICATE", "id_number", "error")}, after["record"]
    for path in PATHS:
        assert after[path] == after["record"], path
        assert children[path].status == children["record"].status, path
        assert children[path].open_rank == children["record"].open_rank == 0, path
    # A full rebuild of everything finds nothing to change.
    for province in {child.unit.parent for child in children.values()}:
        summary = rebuild_findings(db.session, province, DAY)
        assert summary["opened"] == summary["resolved"] == 0, summary
    db.session.commit()
    assert {path: open_findings(child) for path, child in children.items()} == after


def test_both_sides_of_an_id_duplicate_follow_a_change_of_either(app, make):
    province = make.unit("Tỉnh Hai Phía", level="province", code="P80")
    here = make.unit("Xã Đây", parent=province, code="C801")
    there = make.unit("Xã Kia", parent=province, code="C802")
    idn = "052215000177"
    newer_export(app, there, [rows_of(idn, "Kinh")[0]])
    db.session.commit()
    other = db.session.scalar(select(Person).where(Person.unit_id == there.id))
    assert "ID_DUPLICATE" not in {f[0] for f in open_findings(other)}
    # An import that brings the same number elsewhere flags both holders.
    newer_export(app, here, rows_of(idn, "Kinh"))
    db.session.commit()
    child = db.session.scalar(
        select(Person).where(Person.unit_id == here.id, Person.id_number == idn)
    )
    assert "ID_DUPLICATE" in {f[0] for f in open_findings(child)}
    assert "ID_DUPLICATE" in {f[0] for f in open_findings(other)}
    # Correcting one of them releases the number: the other loses the finding as well.
    officer = make.user("officer", here)
    review.update_fact(
        db.session,
        child,
        "id_number",
        "052215000178",
        user=officer,
        source="civil_registry",
        note=None,
        expected_version=child.version,
        today=DAY,
    )
    db.session.commit()
    assert "ID_DUPLICATE" not in {f[0] for f in open_findings(child)}
    assert "ID_DUPLICATE" not in {f[0] for f in open_findings(other)}
    summary = rebuild_findings(db.session, province, DAY)
    assert summary["opened"] == summary["resolved"] == 0, summary


def test_a_probable_duplicate_is_not_ready_for_the_police_until_the_pair_is_decided(app, make):
    from treem_app.services.batches import ready_persons_query

    unit = make.unit()
    officer = make.user("officer", unit)
    twins = [make.person(unit, id_number=None, status="new") for _ in range(2)]
    rescreen(db.session, twins, DAY)
    db.session.commit()
    for p in twins:
        assert "DUPLICATE_PERSON" in {f[0] for f in open_findings(p)}
        assert p.status == "in_review"
    assert db.session.scalars(ready_persons_query(unit)).all() == []
    duplicates.dismiss_pair(db.session, *twins, user=officer, today=DAY)
    db.session.commit()
    assert [p.status for p in twins] == ["ready", "ready"]
    assert set(db.session.scalars(ready_persons_query(unit)).all()) == set(twins)
