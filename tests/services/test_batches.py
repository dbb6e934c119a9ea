"""Handover batches: drafts, adding and removing records, issuing (lock, hash, versions),
cancelling, the cadence and overdue batches."""

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from treem_app.domain.batch_states import InvalidTransition
from treem_app.extensions import db
from treem_app.models import Batch, BatchRow, Finding, JobRun, Person, PersonEvent
from treem_app.services import batches as service

from ..batch_helpers import ready_children

TODAY = date(2026, 11, 16)  # a Monday


def test_draft_collects_ready_records_of_the_commune_only(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    ready = ready_children(make, tree["a"], 3)
    make.person(tree["a"], full_name="Lê Văn Chưa", status="in_review")
    make.person(tree["a"], full_name="Lê Văn Sạch", status="clean", id_number="052215000123")
    ready_children(make, tree["b"], 2, seed=9)
    batch = service.create_draft(db.session, tree["a"], user=officer, today=TODAY)
    db.session.commit()
    assert batch.state == "draft" and batch.number == "01/DS-UBND" and batch.row_count == 3
    assert {r.person_id for r in batch.rows} == {p.id for p in ready}
    for p in ready:
        db.session.refresh(p)
        assert p.status == "in_batch"
    events = db.session.scalars(select(PersonEvent).where(PersonEvent.field == "status")).all()
    assert len(events) == 3 and all("01/DS-UBND" in e.note for e in events)
    # The same records cannot go into a second draft; nothing else is ready.
    with pytest.raises(service.BatchError, match="Không có hồ sơ nào sẵn sàng"):
        service.create_draft(db.session, tree["a"], user=officer, today=TODAY)
    # Numbers run per commune and year.
    other = service.create_draft(db.session, tree["b"], user=None, today=TODAY)
    assert other.number == "01/DS-UBND"


def test_a_record_is_in_at_most_one_open_batch_even_in_the_database(make):
    tree = make.tree()
    (child,) = ready_children(make, tree["a"], 1)
    first = service.create_draft(db.session, tree["a"], user=None, today=TODAY)
    db.session.commit()
    second = Batch(unit_id=tree["a"].id, number="x", year=2026, seq=9, token="t-second")
    db.session.add(second)
    db.session.flush()
    db.session.add(BatchRow(batch_id=second.id, person_id=child.id, open_person_id=child.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert first.row_count == 1


def test_only_communes_get_batches(make):
    tree = make.tree()
    with pytest.raises(service.BatchError, match="từng xã/phường"):
        service.create_draft(db.session, tree["district"], user=None, today=TODAY)


def test_add_and_remove_records_while_drafting(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    a, b, c = ready_children(make, tree["a"], 3)
    batch = service.create_draft(
        db.session, tree["a"], user=officer, today=TODAY, person_ids=[a.id]
    )
    assert service.add_persons(db.session, batch, [b.id, c.id, 999999], user=officer) == 2
    assert service.add_persons(db.session, batch, [b.id], user=officer) == 0  # already in it
    assert service.remove_persons(db.session, batch, [b.id], user=officer) == 1
    db.session.commit()
    db.session.refresh(b)
    assert b.status == "ready" and batch.row_count == 2
    notes = [e.note for e in b.events if e.field == "status"]
    assert notes == ["Đưa vào danh sách số 01/DS-UBND", "Rút khỏi danh sách số 01/DS-UBND"]


def test_released_record_goes_back_to_what_its_findings_say(make):
    tree = make.tree()
    (child,) = ready_children(make, tree["a"], 1)
    batch = service.create_draft(db.session, tree["a"], user=None, today=TODAY)
    db.session.add(
        Finding(person=child, rule="NAME_INVALID", field="full_name", severity="error", message="x")
    )
    child.open_rank = 0  # as a re-screen that raised the error would have stored
    db.session.flush()
    with pytest.raises(service.BatchError, match="vừa phát sinh lỗi"):
        service.issue(db.session, batch, user=None, today=TODAY)
    service.remove_persons(db.session, batch, [child.id], user=None)
    assert child.status == "in_review"


def test_issue_locks_rows_with_versions_snapshot_and_hash(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Trần Thị Cán Bộ")
    children = ready_children(make, tree["a"], 4, hamlets=("Thôn Hai", "Thôn Một"))
    batch = service.create_draft(db.session, tree["a"], user=officer, today=TODAY)
    run = service.issue(db.session, batch, user=officer, today=TODAY)
    db.session.commit()
    assert batch.state == "issued" and isinstance(run, JobRun) and batch.job_run_id == run.id
    assert run.kind == "batch_documents" and run.status == "queued"
    assert batch.issued_on == TODAY
    assert batch.handover_on == date(2026, 11, 19)  # Thursday
    assert batch.due_on == date(2026, 11, 25)  # the following Wednesday
    rows = sorted(batch.rows, key=lambda r: r.position)
    assert [r.position for r in rows] == [1, 2, 3, 4]
    assert [r.snapshot["hamlet"] for r in rows] == sorted(r.snapshot["hamlet"] for r in rows)
    assert len({r.row_key for r in rows}) == 4 and all(len(r.row_key) == 5 for r in rows)
    by_id = {p.id: p for p in children}
    for r in rows:
        assert r.person_version == by_id[r.person_id].version
        assert r.snapshot["full_name"] == by_id[r.person_id].full_name
    assert batch.content_hash == service.compute_hash(batch, rows)
    assert len(batch.content_hash) == 64
    # Locked: no more adding, removing or issuing again.
    with pytest.raises(service.BatchError):
        service.add_persons(db.session, batch, [children[0].id], user=officer)
    with pytest.raises(service.BatchError):
        service.remove_persons(db.session, batch, [children[0].id], user=officer)
    with pytest.raises(InvalidTransition):
        service.issue(db.session, batch, user=officer, today=TODAY)
    # A changed row no longer matches the hash: documents are refused.
    rows[0].snapshot_json = rows[0].snapshot_json.replace("Thôn", "Xóm")
    with pytest.raises(service.BatchError, match="không khớp"):
        service.render_documents(
            db.session, batch, __import__("pathlib").Path("/nonexistent"), public_url="http://x"
        )


def test_corrections_are_listed_per_row(make):
    tree = make.tree()
    (child,) = ready_children(make, tree["a"], 1)
    db.session.add(
        PersonEvent(person=child, field="dob", new_value="01/01/2015", source="household_visit")
    )
    db.session.add(PersonEvent(person=child, field="full_name", new_value="x", source="export"))
    db.session.commit()
    batch = service.create_draft(db.session, tree["a"], user=None, today=TODAY)
    service.issue(db.session, batch, user=None, today=TODAY)
    assert batch.rows[0].snapshot["corrected"] == "Ngày sinh"


def test_cancel_needs_a_reason_and_frees_the_records(make):
    tree = make.tree()
    children = ready_children(make, tree["a"], 2)
    batch = service.create_draft(db.session, tree["a"], user=None, today=TODAY)
    service.issue(db.session, batch, user=None, today=TODAY)
    with pytest.raises(service.BatchError, match="lý do"):
        service.cancel(db.session, batch, "  ", user=None)
    service.cancel(db.session, batch, "In nhầm ngày", user=None)
    db.session.commit()
    assert batch.state == "cancelled" and batch.cancel_reason == "In nhầm ngày"
    assert all(r.open_person_id is None for r in batch.rows)
    for p in children:
        db.session.refresh(p)
        assert p.status == "ready"
    with pytest.raises(InvalidTransition):
        service.cancel(db.session, batch, "again", user=None)
    # The freed records can go into a new batch.
    again = service.create_draft(db.session, tree["a"], user=None, today=TODAY)
    assert again.row_count == 2 and again.number == "02/DS-UBND"


def test_returned_then_closed_frees_records(make):
    tree = make.tree()
    ready_children(make, tree["a"], 1)
    batch = service.create_draft(db.session, tree["a"], user=None, today=TODAY)
    with pytest.raises(InvalidTransition):
        service.mark_returned(db.session, batch, user=None)
    service.issue(db.session, batch, user=None, today=TODAY)
    service.mark_returned(db.session, batch, user=None)
    with pytest.raises(InvalidTransition):
        service.cancel(db.session, batch, "trễ", user=None)
    service.close(db.session, batch, user=None)
    assert batch.state == "closed" and batch.rows[0].open_person_id is None
    assert db.session.get(Person, batch.rows[0].person_id).status == "ready"


@pytest.mark.parametrize(
    ("handover", "ret", "issued", "expected_handover", "expected_due"),
    [
        (3, 2, date(2026, 11, 16), date(2026, 11, 19), date(2026, 11, 25)),  # Mon -> Thu, Wed
        (3, 2, date(2026, 11, 19), date(2026, 11, 19), date(2026, 11, 25)),  # on the Thursday
        (3, 2, date(2026, 11, 20), date(2026, 11, 26), date(2026, 12, 2)),  # Friday: next week
        (0, 4, date(2026, 11, 16), date(2026, 11, 16), date(2026, 11, 20)),  # Mon -> Fri
        (2, 2, date(2026, 11, 16), date(2026, 11, 18), date(2026, 11, 25)),  # same weekday
    ],
)
def test_cadence(handover, ret, issued, expected_handover, expected_due):
    cadence = service.Cadence(handover, ret)
    assert cadence.handover_on(issued) == expected_handover
    assert cadence.due_on(expected_handover) == expected_due


def test_cadence_per_province_and_overdue_count(make):
    tree = make.tree()
    admin = make.user("admin", tree["province"])
    reporter = make.user("reporter", tree["district"])
    other_reporter = make.user("reporter", tree["other_district"])
    assert service.cadence_for(db.session, tree["a"]) == service.Cadence(3, 2)
    with pytest.raises(service.BatchError):
        service.set_cadence(db.session, tree["district"], 1, 0, user=admin)
    with pytest.raises(service.BatchError):
        service.set_cadence(db.session, tree["province"], 7, 0, user=admin)
    service.set_cadence(db.session, tree["province"], 1, 0, user=admin)  # Tuesday / Monday
    assert service.cadence_for(db.session, tree["a"]) == service.Cadence(1, 0)
    ready_children(make, tree["a"], 1)
    batch = service.create_draft(db.session, tree["a"], user=None, today=TODAY)
    service.issue(db.session, batch, user=None, today=TODAY)
    db.session.commit()
    assert (batch.handover_on, batch.due_on) == (date(2026, 11, 17), date(2026, 11, 23))
    assert service.overdue_count(db.session, reporter, date(2026, 11, 23)) == 0
    assert service.overdue_count(db.session, reporter, date(2026, 11, 24)) == 1
    assert service.is_overdue(batch, date(2026, 11, 24))
    assert service.overdue_count(db.session, other_reporter, date(2026, 11, 24)) == 0
    service.mark_returned(db.session, batch, user=None)
    assert service.overdue_count(db.session, reporter, date(2026, 11, 24)) == 0


def test_place_and_date_line_follows_the_decree():
    assert service.place_date_line("Phước Hưng", date(2026, 1, 5)) == (
        "Phước Hưng, ngày 05 tháng 01 năm 2026"
    )
    assert service.place_date_line("An Phú", date(2026, 11, 19)) == (
        "An Phú, ngày 19 tháng 11 năm 2026"
    )
