"""Each commune's list of hamlets: imports, edits, the officer's merges, aliases, scoping."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Hamlet, HamletMerge, Person, PersonEvent, VolunteerHamlet
from treem_app.services import hamlets, review, work_queue
from treem_app.services.access import scoped
from treem_app.services.proposals import set_volunteer_hamlets, volunteer_hamlets
from treem_app.services.roster_import import run_import
from treem_app.services.roster_upload import store_upload

from .. import exports
from ..exports import DAY, HEADER

FOUR = ["Thôn An Hòa", "thôn an hòa", "Thôn An Hoà", "Th. An Hòa"]
NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Minh Khang", "Phạm Thu Hà", "Võ Đức Long"]


def rows_in(hamlet_names: list[str], start: int = 0) -> list[list]:
    out = []
    for i, h in enumerate(hamlet_names):
        n = start + i
        name = NAMES[n % len(NAMES)] + (" Anh" * (n // len(NAMES)))
        out.append(
            [n + 1, name, f"0{1 + n % 9}/03/2015", "Nam", "Kinh", None, "Nguyễn Văn Bình", None, h]
        )
    return out


def import_rows(app, unit, rows, *, apply=True, name="export.xlsx"):
    run = store_upload(
        db.session,
        unit,
        None,
        name,
        exports.simple_xlsx(HEADER, rows),
        files_dir=app.config["TREEM_FILES_DIR"],
        max_bytes=25 * 1024 * 1024,
        max_rows=1000,
    )
    outcome = run_import(db.session, run, screening_date=DAY, apply=apply)
    db.session.commit()
    return outcome


def live(unit) -> list[str]:
    return sorted(
        db.session.scalars(
            select(Hamlet.name).where(Hamlet.unit_id == unit.id, Hamlet.merged_into_id.is_(None))
        )
    )


def test_the_four_spellings_import_as_one_hamlet(app, make):
    unit = make.unit()
    import_rows(app, unit, rows_in([*FOUR, "TDP 5"]))
    assert set(db.session.scalars(select(Person.hamlet))) == {"Thôn An Hòa", "Tổ dân phố 5"}
    assert live(unit) == ["Thôn An Hòa", "Tổ dân phố 5"]
    # The normalisation is in each person's history, the file's spelling kept.
    events = db.session.execute(
        select(PersonEvent.old_value, PersonEvent.new_value, PersonEvent.source).where(
            PersonEvent.field == "hamlet"
        )
    ).all()
    assert sorted(events) == sorted(
        [
            ("Th. An Hòa", "Thôn An Hòa", "normalisation"),
            ("TDP 5", "Tổ dân phố 5", "normalisation"),
            ("thôn an hòa", "Thôn An Hòa", "normalisation"),
            ("Thôn An Hoà", "Thôn An Hòa", "normalisation"),
        ]
    )


def test_a_dry_run_adds_nothing_to_the_list(app, make):
    unit = make.unit()
    import_rows(app, unit, rows_in(FOUR), apply=False)
    assert live(unit) == []


def test_a_later_spelling_takes_the_listed_name(app, make):
    unit = make.unit()
    import_rows(app, unit, rows_in(["Thôn 01"]))
    import_rows(app, unit, rows_in(["thôn 1"], start=1), name="second.xlsx")
    assert set(db.session.scalars(select(Person.hamlet))) == {"Thôn 01"}
    assert live(unit) == ["Thôn 01"]


def test_each_commune_has_its_own_list(app, make):
    tree = make.tree()
    import_rows(app, tree["a"], rows_in(["Thôn An Hòa"]))
    import_rows(app, tree["b"], rows_in(["thôn an hòa"]), name="b.xlsx")
    assert live(tree["a"]) == live(tree["b"]) == ["Thôn An Hòa"]
    assert db.session.scalar(select(func.count()).select_from(Hamlet)) == 2


def test_record_edit_and_new_child_store_the_listed_name(app, make):
    unit = make.unit()
    import_rows(app, unit, rows_in(["Thôn 01"]))
    officer = make.user("officer", unit)
    person = db.session.scalars(select(Person)).one()
    review.update_fact(
        db.session,
        person,
        "hamlet",
        "Th. Tân Lập",
        user=officer,
        source="officer",
        note=None,
        expected_version=None,
        today=DAY,
    )
    assert person.hamlet == "Thôn Tân Lập" and "Thôn Tân Lập" in live(unit)
    child = review.add_child(
        db.session,
        unit,
        {
            "full_name": "Đỗ Văn Nam",
            "dob": "01/01/2016",
            "sex": "Nam",
            "ethnicity": "Kinh",
            "father_name": "Đỗ Văn Tú",
            "hamlet": "thôn 1",
        },  # fmt: skip
        user=officer,
        source="household_visit",
        note=None,
        today=DAY,
    )
    db.session.commit()
    assert child.hamlet == "Thôn 01"
    fix = [e for e in child.events if e.field == "hamlet" and e.source == "normalisation"]
    assert [(e.old_value, e.new_value) for e in fix] == [("thôn 1", "Thôn 01")]


def merge_setup(app, make):
    unit = make.unit()
    import_rows(app, unit, rows_in(["Thôn An Hòa", "Thôn An Hòa", "An Hòa", "Thôn An Hòa 2"]))
    officer = make.user("officer", unit, full_name="Cán Bộ Xã")
    one = make.user("volunteer", unit, full_name="Cộng Tác Viên Một")
    two = make.user("volunteer", unit, full_name="Cộng Tác Viên Hai")
    set_volunteer_hamlets(db.session, one, ["An Hòa"])
    set_volunteer_hamlets(db.session, two, ["Thôn An Hòa 2", "Thôn An Hòa"])
    db.session.commit()
    by_name = {h.name: h for h in db.session.scalars(select(Hamlet))}
    return unit, officer, one, two, by_name


def test_merge_moves_persons_assignments_and_is_recorded(app, make):
    unit, officer, one, two, by_name = merge_setup(app, make)
    sources = [by_name["An Hòa"].id, by_name["Thôn An Hòa 2"].id]
    plan = hamlets.plan_merge(db.session, unit, sources, by_name["Thôn An Hòa"].id)
    assert (plan.persons, plan.volunteers) == (2, 2)
    merge = hamlets.merge_hamlets(
        db.session, unit, sources, by_name["Thôn An Hòa"].id, user=officer, today=DAY
    )
    db.session.commit()
    assert set(db.session.scalars(select(Person.hamlet))) == {"Thôn An Hòa"}
    assert live(unit) == ["Thôn An Hòa"]
    # Each moved person's history says who merged what into what.
    moved = db.session.scalars(
        select(PersonEvent).where(PersonEvent.field == "hamlet", PersonEvent.source == "officer")
    ).all()
    assert sorted(e.note for e in moved) == [
        "Gộp thôn An Hòa vào Thôn An Hòa",
        "Gộp thôn Thôn An Hòa 2 vào Thôn An Hòa",
    ]
    assert {e.user_id for e in moved} == {officer.id}
    # Assignments follow, without duplicates.
    assert volunteer_hamlets(db.session, one) == ["Thôn An Hòa"]
    assert volunteer_hamlets(db.session, two) == ["Thôn An Hòa"]
    assert (merge.persons, merge.volunteers, merge.user_id) == (2, 2, officer.id)
    assert merge.merged_names == ["An Hòa", "Thôn An Hòa 2"]
    assert [m.id for m in hamlets.merge_history(db.session, unit)] == [merge.id]
    rows = hamlets.hamlet_rows(db.session, unit)
    assert [(r.hamlet.name, r.persons, r.aliases) for r in rows] == [
        ("Thôn An Hòa", 4, ["An Hòa", "Thôn An Hòa 2"])
    ]
    assert rows[0].volunteers == ["Cộng Tác Viên Hai", "Cộng Tác Viên Một"]


def test_a_merged_spelling_lands_in_the_target_on_reimport(app, make):
    unit, officer, _one, _two, by_name = merge_setup(app, make)
    hamlets.merge_hamlets(
        db.session,
        unit,
        [by_name["Thôn An Hòa 2"].id],
        by_name["Thôn An Hòa"].id,
        user=officer,
        today=DAY,
    )
    db.session.commit()
    # Later the target itself is merged: the old alias follows it (one step, not a chain).
    import_rows(app, unit, rows_in(["Thôn Mới"], start=10), name="moi.xlsx")
    target = db.session.scalars(select(Hamlet).where(Hamlet.name == "Thôn Mới")).one()
    hamlets.merge_hamlets(
        db.session, unit, [by_name["Thôn An Hòa"].id], target.id, user=officer, today=DAY
    )
    db.session.commit()
    outcome = import_rows(app, unit, rows_in(["Th. An Hòa 2", "th an hoà"], start=20), name="x")
    assert outcome.summary["created"] == 2
    assert set(db.session.scalars(select(Person.hamlet))) == {"An Hòa", "Thôn Mới"}
    assert live(unit) == ["An Hòa", "Thôn Mới"]
    assert hamlets.resolve(db.session, unit.id, "THÔN AN HÒA 2", register=False) == "Thôn Mới"
    history = db.session.execute(
        select(PersonEvent.old_value, PersonEvent.new_value).where(
            PersonEvent.field == "hamlet", PersonEvent.source == "normalisation"
        )
    ).all()
    assert ("Th. An Hòa 2", "Thôn Mới") in history and ("th an hoà", "Thôn Mới") in history


@pytest.mark.parametrize(
    ("sources", "into", "message"),
    [
        ([], "Thôn An Hòa", "ít nhất một"),
        (["Thôn An Hòa"], "Thôn An Hòa", "chính nó"),
        (["An Hòa"], None, "gộp vào"),
    ],
)
def test_a_refused_merge_changes_nothing(app, make, sources, into, message):
    unit, officer, *_rest, by_name = merge_setup(app, make)
    with pytest.raises(hamlets.HamletError, match=message):
        hamlets.merge_hamlets(
            db.session,
            unit,
            [by_name[s].id for s in sources],
            by_name[into].id if into else 0,
            user=officer,
            today=DAY,
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(HamletMerge)) == 0


def test_hamlets_of_another_commune_cannot_be_merged(app, make):
    tree = make.tree()
    import_rows(app, tree["a"], rows_in(["Thôn Một", "Thôn Hai"]))
    import_rows(app, tree["b"], rows_in(["Thôn Ba"]), name="b.xlsx")
    officer = make.user("officer", tree["a"])
    other = db.session.scalars(select(Hamlet).where(Hamlet.name == "Thôn Ba")).one()
    mine = db.session.scalars(select(Hamlet).where(Hamlet.name == "Thôn Một")).one()
    with pytest.raises(hamlets.HamletError):
        hamlets.merge_hamlets(db.session, tree["a"], [other.id], mine.id, user=officer, today=DAY)
    with pytest.raises(hamlets.HamletError):
        hamlets.merge_hamlets(db.session, tree["a"], [mine.id], other.id, user=officer, today=DAY)


def test_volunteer_assigned_to_a_hamlet_sees_all_its_spellings(app, make):
    unit = make.unit()
    import_rows(app, unit, rows_in([*FOUR, "Thôn Khác"]))
    volunteer = make.user("volunteer", unit)
    set_volunteer_hamlets(db.session, volunteer, ["thôn an hoà"])
    db.session.commit()
    assert volunteer_hamlets(db.session, volunteer) == ["Thôn An Hòa"]
    seen = db.session.scalars(scoped(volunteer, Person)).all()
    assert len(seen) == 4
    filt = work_queue.QueueFilter(status="all")
    assert work_queue.queue_page(db.session, volunteer, filt).total == 4


def test_work_queue_filter_takes_any_spelling(app, make):
    unit = make.unit()
    import_rows(app, unit, rows_in([*FOUR, "Thôn Khác"]))
    officer = make.user("officer", unit)
    page = work_queue.queue_page(db.session, officer, work_queue.QueueFilter(status="all"))
    assert sorted(page.hamlets) == [("Thôn An Hòa", 4), ("Thôn Khác", 1)]
    for spelling in FOUR:
        filt = work_queue.QueueFilter(status="all", hamlet=spelling)
        assert work_queue.queue_page(db.session, officer, filt).total == 4
        assert filt.hamlet == "Thôn An Hòa"
    assert work_queue.unit_hamlets(db.session, unit) == ["Thôn An Hòa", "Thôn Khác"]


def _migration():
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0010_hamlets.py"
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_normalises_existing_hamlets(app, make):
    unit = make.unit()
    people = [make.person(unit, hamlet=h) for h in [*FOUR, "Thôn An Hòa", "TDP 5", "  "]]
    volunteer = make.user("volunteer", unit)
    db.session.add_all(
        [VolunteerHamlet(user_id=volunteer.id, hamlet=h) for h in ("th. an hòa", "Thôn An Hoà")]
    )
    db.session.commit()
    with db.engine.begin() as conn:
        _migration().normalise_existing(conn)
    db.session.expire_all()
    assert [p.hamlet for p in people] == ["Thôn An Hòa"] * 5 + ["Tổ dân phố 5", None]
    assert live(unit) == ["Thôn An Hòa", "Tổ dân phố 5"]
    assert volunteer_hamlets(db.session, volunteer) == ["Thôn An Hòa"]
    events = db.session.scalars(select(PersonEvent).where(PersonEvent.field == "hamlet")).all()
    assert sorted((e.person_id, e.old_value, e.new_value) for e in events) == sorted(
        [
            (people[1].id, "thôn an hòa", "Thôn An Hòa"),
            (people[2].id, "Thôn An Hoà", "Thôn An Hòa"),
            (people[3].id, "Th. An Hòa", "Thôn An Hòa"),
            (people[5].id, "TDP 5", "Tổ dân phố 5"),
            (people[6].id, "  ", None),
        ]
    )
    assert {e.source for e in events} == {"normalisation"}


def test_taking_the_exports_hamlet_from_a_conflict_follows_a_merge(app, make):
    from treem_app.models import Conflict
    from treem_app.services.conflicts import resolve_conflict

    unit = make.unit()
    officer = make.user("officer", unit)
    import_rows(app, unit, rows_in(["Thôn A", "Thôn D"]))
    person = db.session.scalars(select(Person).where(Person.hamlet == "Thôn A")).one()
    review.update_fact(
        db.session,
        person,
        "hamlet",
        "Thôn B",
        user=officer,
        source="officer",
        note=None,
        expected_version=None,
        today=DAY,
    )
    db.session.commit()
    import_rows(app, unit, rows_in(["Thôn C", "Thôn D"]), name="again.xlsx")
    conflict = db.session.scalars(select(Conflict).where(Conflict.field == "hamlet")).one()
    assert conflict.export_value == "Thôn C"
    by_name = {h.name: h.id for h in db.session.scalars(select(Hamlet))}
    hamlets.merge_hamlets(
        db.session, unit, [by_name["Thôn C"]], by_name["Thôn D"], user=officer, today=DAY
    )
    resolve_conflict(db.session, conflict, "export", officer, DAY)
    db.session.commit()
    assert person.hamlet == "Thôn D"
