"""Step 4 through the services: the change list, the officer's tick, and a next export that
took some corrections, missed others and changed one (issue 13)."""

import datetime as dt
import re

from sqlalchemy import select

from treem_app.domain.software_sync import ENTERED, PENDING, SYNCED
from treem_app.extensions import db
from treem_app.models import Conflict, Finding, Person, PersonEvent
from treem_app.services import review
from treem_app.services.roster_import import finish_import
from treem_app.services.software_sync import (
    SyncError,
    change_counts,
    change_items,
    change_query,
    mark_entered,
    unmark_entered,
)

from ..exports import DAY, HEADER, row, simple_xlsx
from .test_roster_import import newer_export

NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Minh Khang", "Phạm Gia Huy", "Võ Thị Lan"]


def first_export(app, unit):
    rows = [
        row(1, NAMES[0], "05/03/2015", father="Nguyễn Văn Bình"),
        row(2, NAMES[1], "07/08/2016", sex="Nữ", father="Trần Văn Cường"),
        row(3, NAMES[2], "01/01/2014", father="Lê Văn Dũng"),
        row(4, NAMES[3], "02/02/2020", father="Phạm Văn Tú"),
        row(5, NAMES[4], "09/09/2019", sex="Nữ", father="Võ Văn Tài"),
    ]
    newer_export(app, unit, rows)
    db.session.commit()
    return rows, {p.full_name: p for p in db.session.scalars(select(Person))}


def correct(person, field, value, officer, source="household_visit"):
    review.update_fact(db.session, person, field, value, user=officer, source=source,
                       note=None, expected_version=None, today=DAY)  # fmt: skip


def items(unit, only="all"):
    return {i.person.full_name: i for i in change_items(db.session, db.session.scalars(
        change_query(unit, only)).all())}  # fmt: skip


def test_corrections_from_every_source_are_listed_with_what_to_type(app, make):
    unit = make.unit()
    officer = make.user("officer", unit)
    _rows, p = first_export(app, unit)
    assert {x.sync_state for x in p.values()} == {SYNCED}  # as the software holds them
    assert change_counts(db.session, unit) == {"all": 0, "police": 0, "not_entered": 0}
    correct(p[NAMES[0]], "dob", "15/03/2015", officer, "household_visit")
    correct(p[NAMES[1]], "mother_name", "Lê Thị Hoa", officer, "birth_certificate")
    correct(p[NAMES[2]], "sex", "Nữ", officer, "civil_registry")
    correct(p[NAMES[3]], "full_name", "Phạm Gia Huy Hoàng", officer, "parent_statement")
    # The police's verification goes through the same one way (set_fact) with its source.
    from treem_app.services.persons import set_fact

    set_fact(db.session, p[NAMES[4]], "id_number", {"id_number": "052219000777"},
             source="police", id_source="police")  # fmt: skip
    # A child added in treem: every fact is to be entered.
    review.add_child(db.session, unit, {"full_name": "Đỗ Minh Tâm", "dob": "03/04/2021",
                     "sex": "Nam", "ethnicity": "Kinh", "father_name": "Đỗ Văn Sáu",
                     "hamlet": "Thôn Một"}, user=officer, source="household_visit",
                     note=None, today=DAY)  # fmt: skip
    db.session.commit()
    listed = items(unit)
    assert len(listed) == 6
    an = listed[NAMES[0]]
    assert not an.is_new and an.state == PENDING
    assert [(c.field, c.software, c.treem, c.source) for c in an.changes] == [
        ("dob", "05/03/2015", "15/03/2015", "household_visit")
    ]
    assert listed[NAMES[1]].changes[0].astuple() == (
        "mother_name",
        None,
        "Lê Thị Hoa",
        "birth_certificate",
    )
    assert listed[NAMES[2]].changes[0].astuple() == ("sex", "M", "F", "civil_registry")
    assert listed["Phạm Gia Huy Hoàng"].changes[0].source == "parent_statement"
    assert listed[NAMES[4]].changes[0].astuple() == ("id_number", None, "052219000777", "police")
    tam = listed["Đỗ Minh Tâm"]
    assert tam.is_new and {c.field for c in tam.changes} >= {"full_name", "dob", "sex", "ethnicity"}
    assert set(items(unit, "police")) == {NAMES[4]}
    assert change_counts(db.session, unit) == {"all": 6, "police": 1, "not_entered": 6}
    # Ordered by hamlet, then the national software's key.
    order = [x.full_name for x in db.session.scalars(change_query(unit))]
    assert order.index("Đỗ Minh Tâm") == len(order) - 1  # no key: after the others


def test_ticking_records_an_event_and_a_later_change_undoes_the_tick(app, make):
    unit = make.unit()
    officer = make.user("officer", unit)
    _rows, p = first_export(app, unit)
    an = p[NAMES[0]]
    correct(an, "dob", "15/03/2015", officer)
    db.session.commit()
    event = mark_entered(db.session, an, officer)
    db.session.commit()
    assert an.sync_state == ENTERED and an.entered_by_id == officer.id
    assert (event.field, event.new_value, event.user_id) == (
        "software",
        "Đã cập nhật lên phần mềm quốc gia",
        officer.id,
    )
    assert change_counts(db.session, unit)["not_entered"] == 0
    try:
        mark_entered(db.session, an, officer)
    except SyncError as exc:
        assert "đã được đánh dấu" in str(exc)
    else:
        raise AssertionError("ticked twice")
    unmark_entered(db.session, an, officer)
    assert an.sync_state == PENDING and an.entered_at is None
    mark_entered(db.session, an, officer)
    correct(an, "father_name", "Nguyễn Văn Bính", officer)  # changed after the tick
    db.session.commit()
    assert an.sync_state == PENDING and an.entered_digest is None
    # Nothing to type for a record that matches the software.
    try:
        mark_entered(db.session, p[NAMES[1]], officer)
    except SyncError:
        pass
    else:
        raise AssertionError("a synced record was ticked")


def test_the_next_export_confirms_misses_and_changes(app, make, client, login):
    unit = make.unit()
    officer = make.user("officer", unit)
    rows, p = first_export(app, unit)
    an, bich, khang, huy, lan = (p[n] for n in NAMES)
    correct(an, "dob", "15/03/2015", officer)  # entered, and the software takes it
    correct(bich, "dob", "17/08/2016", officer)  # entered, the software does not take it
    correct(khang, "dob", "11/01/2014", officer)  # entered, the software says a third date
    correct(huy, "dob", "12/02/2020", officer)  # never ticked, but typed in: confirmed too
    correct(lan, "dob", "19/09/2019", officer)  # not ticked, not typed: still pending
    db.session.commit()
    for x in (an, bich, khang):
        mark_entered(db.session, x, officer)
    db.session.commit()
    second = [
        row(1, NAMES[0], "15/03/2015", father="Nguyễn Văn Bình"),
        row(2, NAMES[1], "07/08/2016", sex="Nữ", father="Trần Văn Cường"),
        row(3, NAMES[2], "21/01/2014", father="Lê Văn Dũng"),
        row(4, NAMES[3], "12/02/2020", father="Phạm Văn Tú"),
        row(5, NAMES[4], "09/09/2019", sex="Nữ", father="Võ Văn Tài"),
    ]
    run, outcome = newer_export(app, unit, second)
    db.session.commit()
    assert outcome.summary["software"] == {"confirmed": 2, "not_taken": 1, "changed": 1}
    # The import's summary page shows the three counts, with the way to each list to act on.
    finish_import(db.session, run, outcome, apply=True)  # what the job does at its end
    db.session.commit()
    login(officer)
    page = client.get(f"/imports/{run.id}").get_data(as_text=True)
    section = " ".join(re.sub(r"<[^>]+>", " ", page.split('id="software-reconcile"')[1]
                              .split("</div>")[0]).split())  # fmt: skip
    assert "2 hồ sơ: phần mềm đã nhận đúng thông tin đã làm sạch" in section
    assert "1 hồ sơ đã đánh dấu nhập nhưng phần mềm chưa được cập nhật: nhập lại" in section
    assert "1 hồ sơ phần mềm ghi một giá trị khác: xem và quyết định" in section
    assert 'href="/changes?only=not_entered"' in page and 'href="/imports/conflicts"' in page
    db.session.expire_all()
    assert (an.sync_state, huy.sync_state) == (SYNCED, SYNCED)
    assert bich.sync_state == PENDING and bich.sync_missed == "dob"
    assert bich.dob == dt.date(2016, 8, 17)  # the correction stands
    missed = db.session.scalar(
        select(Finding).where(Finding.person_id == bich.id, Finding.status == "open",
                              Finding.rule == "SOFTWARE_NOT_UPDATED"))  # fmt: skip
    assert missed is not None and "ngày sinh" in missed.message
    # The software still holding the old date is not a conflict, only the third value is.
    conflicts = db.session.scalars(select(Conflict).where(Conflict.status == "open")).all()
    assert [(c.person_id, c.export_value) for c in conflicts] == [(khang.id, "21/01/2014")]
    assert khang.sync_state == PENDING and lan.sync_state == PENDING
    history = {
        e.person_id: e.new_value
        for e in db.session.scalars(select(PersonEvent).where(PersonEvent.field == "software"))
        if e.source == "export"
    }
    assert history[an.id] == "Phần mềm quốc gia đã nhận cập nhật"
    assert history[bich.id] == "Chưa được cập nhật trên phần mềm"
    assert set(items(unit)) == {NAMES[1], NAMES[2], NAMES[4]}
    # Ticked again and taken by the following export: the finding closes.
    mark_entered(db.session, bich, officer)
    db.session.commit()
    third = [r if i != 1 else row(2, NAMES[1], "17/08/2016", sex="Nữ", father="Trần Văn Cường")
             for i, r in enumerate(second)]  # fmt: skip
    _run, outcome = newer_export(app, unit, third)
    db.session.commit()
    db.session.expire_all()
    assert outcome.summary["software"]["confirmed"] == 1
    assert bich.sync_state == SYNCED and bich.sync_missed is None
    assert db.session.get(Finding, missed.id).status == "resolved"


def test_a_value_the_software_holds_unrepaired_is_on_the_change_list(app, make):
    """Screening repaired the ID number's spacing: the software still holds the raw text."""
    unit = make.unit()
    data = simple_xlsx(HEADER, [row(1, NAMES[0], "05/03/2015", idn="052 215 000 123")])
    from treem_app.services.roster_import import run_import

    from .test_roster_import import upload

    run_import(db.session, upload(app, unit, data), screening_date=DAY, apply=True)
    db.session.commit()
    listed = items(unit)
    change = listed[NAMES[0]].changes
    assert [(c.field, c.software, c.treem) for c in change] == [
        ("id_number", "052 215 000 123", "052215000123")
    ]


def test_report_columns_read_the_states(app, make):
    from treem_app.services.software_sync import progress_counts

    unit = make.unit()
    officer = make.user("officer", unit)
    data = simple_xlsx(HEADER, [row(1, NAMES[0], "05/03/2015", idn="052215000123"),
                                row(2, NAMES[1], "07/08/2016", sex="Nữ")])  # fmt: skip
    from treem_app.services.roster_import import run_import

    from .test_roster_import import upload

    run_import(db.session, upload(app, unit, data), screening_date=DAY, apply=True)
    review.add_child(db.session, unit, {"full_name": "Đỗ Minh Tâm", "dob": "03/04/2021",
                     "sex": "Nam", "ethnicity": "Kinh", "father_name": "Đỗ Văn Sáu"},
                     user=officer, source="household_visit", note=None, today=DAY)  # fmt: skip
    db.session.commit()
    # Two in the software (the new child is not), one of them clean and synced.
    assert progress_counts(db.session, [unit.id]) == {"in_software": 2, "cleaned": 1}


def test_the_migration_rebuilds_the_software_facts_from_history(app, make):
    import importlib.util
    from pathlib import Path

    from sqlalchemy import text

    unit = make.unit()
    officer = make.user("officer", unit)
    _rows, p = first_export(app, unit)
    correct(p[NAMES[0]], "dob", "15/03/2015", officer)
    correct(p[NAMES[0]], "dob", "16/03/2015", officer)  # corrected twice
    correct(p[NAMES[1]], "mother_name", "Lê Thị Hoa", officer)
    review.add_child(db.session, unit, {"full_name": "Đỗ Minh Tâm", "dob": "03/04/2021",
                     "sex": "Nam", "ethnicity": "Kinh", "father_name": "Đỗ Văn Sáu"},
                     user=officer, source="household_visit", note=None, today=DAY)  # fmt: skip
    db.session.commit()
    live = {x.id: (x.software_facts, x.sync_state) for x in db.session.scalars(select(Person))}
    db.session.execute(text("UPDATE persons SET software_facts = NULL, sync_state = NULL"))
    db.session.commit()
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0015_software_sync.py"
    spec = importlib.util.spec_from_file_location("migration_0015", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as conn:
        module.fill(conn)
    db.session.expire_all()
    rebuilt = {x.id: (x.software_facts, x.sync_state) for x in db.session.scalars(select(Person))}
    assert rebuilt == live
    assert sum(1 for facts, state in rebuilt.values() if state == PENDING) == 3


def test_an_export_still_showing_the_old_value_leaves_the_records_findings_its_own(app, make):
    """A correction waiting on the change list: the next export (the software's old ID number)
    changes nothing, and the record's findings stay those of its corrected facts, not the row's
    (found in the walk-through: an approved ID number got back the old number's "9 chữ số")."""
    unit = make.unit()
    officer = make.user("officer", unit)
    rows = [row(1, NAMES[0], "05/03/2015", idn="359434679"), row(2, NAMES[1], "07/08/2016")]
    newer_export(app, unit, rows)
    db.session.commit()
    an = db.session.scalar(select(Person).where(Person.full_name == NAMES[0]))

    def open_rules():
        db.session.expire_all()
        return {f.rule for f in db.session.scalars(select(Finding).where(
            Finding.person_id == an.id, Finding.status == "open"))}  # fmt: skip

    assert "ID_FORMAT" in open_rules()
    correct(an, "id_number", "052215000123", officer, source="birth_certificate")
    db.session.commit()
    corrected = open_rules()
    assert "ID_FORMAT" not in corrected
    _run, outcome = newer_export(app, unit, rows)  # the software not yet updated
    db.session.commit()
    assert outcome.summary["conflicts"] == 0
    db.session.expire_all()
    assert an.id_number == "052215000123"
    assert open_rules() == corrected


def test_a_reimport_keeps_the_police_answer_of_an_unchanged_record(app, make):
    """A negative police answer stands on a record until its facts change; an export that
    repeats the record unchanged must not close it (the row alone does not give it)."""
    from treem_app.domain.police_returns import STANDING_RULES, facts_digest
    from treem_app.services.findings import rescreen
    from treem_app.services.persons import facts_of

    unit = make.unit()
    rows, p = first_export(app, unit)
    an = p[NAMES[0]]
    answer = next(k for k, rule in STANDING_RULES.items() if str(rule) == "POLICE_MISMATCH")
    an.police_answer, an.police_note = answer, "Sai ngày sinh"
    an.police_facts = facts_digest(facts_of(an))
    rescreen(db.session, [an], DAY)
    db.session.commit()

    def police_open() -> int:
        return len(db.session.scalars(select(Finding).where(
            Finding.person_id == an.id, Finding.rule == "POLICE_MISMATCH",
            Finding.status == "open")).all())  # fmt: skip

    assert police_open() == 1
    newer_export(app, unit, rows)  # the same export again: nothing about An changed
    db.session.commit()
    assert police_open() == 1
