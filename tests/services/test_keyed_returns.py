"""Step 3 by hand: answers keyed from the signed paper list, single and double entry; applied
through the same path as a returned sheet (issue 12)."""

from sqlalchemy import func, select

from treem_app.domain.keyed_returns import Keyed
from treem_app.extensions import db
from treem_app.models import Batch, BatchReturn, PersonEvent, ReturnEntry
from treem_app.services import keyed_returns as keyed
from treem_app.services.batch_ingest import ReturnRefused

from ..returns import TODAY, issued_batch, right_id


def setup(app, make, tmp_path, n=3, *, double=False):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    batch, children, _ = issued_batch(app, make, tree["a"], n, tmp_path)
    keyed.start(db.session, batch, double=double, user=officer)
    db.session.commit()
    rows = sorted(batch.rows, key=lambda r: r.position)
    return batch, children, rows, officer


def key(batch, row, pass_no, number=None, result=None, note=None, user=None):
    keyed.save(db.session, batch, row, pass_no, Keyed.typed(number, result, note), user=user)


def returns_count():
    return db.session.scalar(select(func.count()).select_from(BatchReturn))


def test_single_entry_is_shown_first_then_applied_like_a_sheet(app, make, tmp_path):
    batch, children, rows, officer = setup(app, make, tmp_path)
    a, b, c = children
    key(batch, rows[0], 1, right_id(a), "verified", user=officer)
    key(batch, rows[1], 1, None, "mismatch", "Sai tên mẹ", user=officer)
    db.session.commit()
    # The confirmation: what will be applied, nothing written yet.
    planned = keyed.plan(db.session, batch)
    assert planned.counts["verified"] == 1 and planned.counts["rejected"] == 1
    assert planned.counts["empty"] == 1 and planned.mismatches == []
    assert [(r.position, status) for r, status, _, _ in planned.effects] == [
        (1, "verified"),
        (2, "rejected"),
    ]
    db.session.expire_all()
    assert a.id_number is None and all(r.outcome is None for r in batch.rows)
    assert returns_count() == 0
    # Confirmed: the sheet's path (history naming the list, the batch's state).
    ret, new = keyed.apply(db.session, batch, planned.digest, user=officer, today=TODAY)
    db.session.commit()
    assert new and ret.kind == "keyed" and ret.status == "applied"
    assert ret.summary["verified"] == 1 and ret.summary["rejected"] == 1
    assert "1 đã xác thực, 1 bị trả lại" in ret.message
    db.session.expire_all()
    assert a.id_number == right_id(a) and a.id_source == "police"
    event = db.session.scalar(
        select(PersonEvent).where(PersonEvent.person_id == a.id, PersonEvent.field == "id_number")
    )
    assert event.source == "police" and batch.number in event.note
    assert b.police_answer == "mismatch" and "Sai tên mẹ" in b.police_note
    assert db.session.get(Batch, batch.id).state == "partly_returned"
    # Applying again changes nothing.
    again, new = keyed.apply(
        db.session, batch, keyed.plan(db.session, batch).digest, user=officer, today=TODAY
    )
    assert not new and again.id == ret.id and returns_count() == 1
    assert "đã được áp dụng lúc" in keyed.applied_message(again)


def test_the_live_check_uses_the_judge_with_the_entry_and_the_registry(app, make, tmp_path):
    batch, children, rows, officer = setup(app, make, tmp_path)
    a, b, c = children
    other = make.person(a.unit, full_name="Lê Văn Khác", id_number=right_id(c, 777))
    db.session.commit()
    key(batch, rows[0], 1, right_id(b), user=officer)
    key(batch, rows[1], 1, right_id(b), user=officer)  # the same number twice
    key(batch, rows[2], 1, right_id(c, 777), "verified", user=officer)
    first = keyed.check_row(db.session, batch, rows[1], 1)
    assert first.reason == "ID_DUPLICATE" and "trong bảng nhập (cả STT 1)" in first.message
    held = keyed.check_row(db.session, batch, rows[2], 1)
    assert held.status == "conflict" and held.reason == "ID_HELD_BY_OTHER"
    key(batch, rows[0], 1, right_id(a)[:9], user=officer)  # not 12 digits
    assert keyed.check_row(db.session, batch, rows[0], 1).reason == "ID_FORMAT"
    assert other.id_number == right_id(c, 777)
    # Emptied again, the row is forgotten.
    key(batch, rows[0], 1, "", "", "", user=officer)
    assert rows[0].id not in keyed.drafts(db.session, batch, 1)


def test_double_entry_applies_only_the_rows_both_passes_agree_on(app, make, tmp_path):
    batch, children, rows, officer = setup(app, make, tmp_path, 4, double=True)
    second = make.user("police", batch.unit)
    a, b, c, d = children
    key(batch, rows[0], 1, right_id(a), "verified", user=officer)
    key(batch, rows[1], 1, right_id(b), "verified", user=officer)
    key(batch, rows[2], 1, right_id(c), None, "ghi bút chì", user=officer)
    key(batch, rows[3], 1, None, "not_found", user=officer)
    key(batch, rows[0], 2, right_id(a), "verified", user=second)
    key(batch, rows[1], 2, right_id(b, 124), "verified", user=second)  # misread
    key(batch, rows[2], 2, " ".join(right_id(c)[i : i + 3] for i in range(0, 12, 3)), user=second)
    db.session.commit()  # row 4 not keyed in the second pass yet
    planned = keyed.plan(db.session, batch)
    assert [(r.position, one.shown(), two.shown()) for r, one, two in planned.mismatches] == [
        (2, f"{right_id(b)} · Khớp", f"{right_id(b, 124)} · Khớp"),
        (4, "Không tìm thấy", "(trống)"),
    ]
    assert [r.position for r, *_ in planned.effects] == [1, 3]
    ret, _ = keyed.apply(db.session, batch, planned.digest, user=officer, today=TODAY)
    db.session.commit()
    db.session.expire_all()
    assert a.id_number == right_id(a) and c.id_number == right_id(c)
    assert b.id_number is None and d.police_answer is None
    assert {r.position: r.outcome for r in db.session.get(Batch, batch.id).rows} == {
        1: "verified",
        2: None,
        3: "verified",
        4: None,
    }
    # The mismatch is settled against the paper: typed once more, it becomes both passes'.
    keyed.resolve(
        db.session, batch, rows[1], Keyed.typed(right_id(b), "verified", None), user=officer
    )
    db.session.commit()
    planned = keyed.plan(db.session, batch)
    assert [r.position for r, *_ in planned.mismatches] == [4]
    assert [(r.position, s) for r, s, _, _ in planned.effects if s != "unchanged"] == [
        (2, "verified")
    ]
    keyed.apply(db.session, batch, planned.digest, user=officer, today=TODAY)
    db.session.commit()
    db.session.expire_all()
    assert b.id_number == right_id(b)
    entries = db.session.scalars(select(ReturnEntry).where(ReturnEntry.row_id == rows[1].id))
    assert {(e.pass_no, e.number, e.user_id) for e in entries} == {
        (1, right_id(b), officer.id),
        (2, right_id(b), officer.id),
    }


def test_keyed_rows_changed_after_the_confirmation_are_not_applied(app, make, tmp_path):
    batch, children, rows, officer = setup(app, make, tmp_path)
    key(batch, rows[0], 1, right_id(children[0]), user=officer)
    shown = keyed.plan(db.session, batch).digest
    key(batch, rows[1], 1, right_id(children[1]), user=officer)
    try:
        keyed.apply(db.session, batch, shown, user=officer, today=TODAY)
    except ReturnRefused as exc:
        assert "Bảng nhập đã thay đổi" in str(exc)
    else:
        raise AssertionError("applied what was not shown")
    db.session.rollback()
    assert returns_count() == 0 and all(r.outcome is None for r in batch.rows)
