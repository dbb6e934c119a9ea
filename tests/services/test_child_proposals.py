"""A volunteer proposes a child found on no record; an officer approves (the person is created
by the officer's own "new record" service, duplicate check included) or rejects with a reason
(issue 11, friction 7). Synthetic children only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import Person, Proposal
from treem_app.services import access, findings, proposals, review

TODAY = date(2026, 11, 22)


def raw(**changes) -> dict:
    facts = {
        "full_name": "  lê thị  mộng  ",
        "dob": "07/08/2019",
        "sex": "Nữ",
        "ethnicity": "Kinh",
        "father_name": "",
        "mother_name": "Lê Thị Hồng",
        "guardian_name": "",
        "id_number": "",
        "hamlet": "thôn một",
    }
    facts.update(changes)
    return facts


@pytest.fixture
def world(make):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    volunteer = make.user("volunteer", tree["a"], full_name="Phạm Minh Khôi")
    proposals.set_volunteer_hamlets(db.session, volunteer, ["Thôn Một"])
    db.session.commit()
    return tree, officer, volunteer


def persons() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def propose(tree, volunteer, **changes) -> Proposal:
    proposal = proposals.propose_child(
        db.session,
        tree["a"],
        raw(**changes),
        user=volunteer,
        source="household_visit",
        note="Gia đình mới chuyển đến",
        today=TODAY,
    )
    db.session.commit()
    return proposal


def test_a_proposal_creates_no_person_and_waits_for_the_officer(world):
    tree, officer, volunteer = world
    proposal = propose(tree, volunteer)
    assert persons() == 0
    assert proposal.kind == "new_person" and proposal.person_id is None
    assert proposal.status == "pending" and proposal.unit_id == tree["a"].id
    assert proposal.facts["hamlet"] == "Thôn Một"  # the commune's spelling
    assert proposal.new_value == "Lê Thị Mộng"
    assert proposals.pending_proposals(db.session, officer) == [proposal]
    # The volunteer sees their own; another commune's officer does not.
    assert access.get_scoped(db.session, volunteer, Proposal, proposal.id) is proposal
    assert access.get_scoped(db.session, officer, Proposal, proposal.id) is proposal


def test_unreadable_values_and_other_hamlets_are_refused(world, make):
    tree, _, volunteer = world
    with pytest.raises(review.ReviewError, match="ngày sinh|Ngày sinh"):
        propose(tree, volunteer, dob="31/02/2019")
    db.session.rollback()
    with pytest.raises(review.ReviewError, match="Thôn Một"):
        propose(tree, volunteer, hamlet="Thôn Hai")
    db.session.rollback()
    with pytest.raises(review.ReviewError, match="nguồn"):
        proposals.propose_child(
            db.session, tree["a"], raw(), user=volunteer, source="", note=None, today=TODAY
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_approving_creates_the_person_with_history_and_findings(world):
    tree, officer, volunteer = world
    proposal = propose(tree, volunteer)
    assert proposals.child_candidates(db.session, proposal, TODAY) == []
    proposals.decide_proposal(
        db.session, proposal, officer=officer, approve=True, reason=None, today=TODAY
    )
    db.session.commit()
    child = proposal.person
    assert proposal.status == "approved" and proposal.decided_by_id == officer.id
    assert child.full_name == "Lê Thị Mộng" and child.unit_id == tree["a"].id
    assert child.hamlet == "Thôn Một" and child.dob == date(2019, 8, 7)
    events = {e.field: e for e in child.events if e.source != "normalisation"}
    assert {"full_name", "dob", "sex", "mother_name", "hamlet"} <= events.keys()
    event = events["full_name"]
    assert event.user_id == volunteer.id and event.approved_by_id == officer.id
    assert event.source == "household_visit" and event.note == "Gia đình mới chuyển đến"
    assert "ID_MISSING" in {f.rule for f in child.findings if f.status == "open"}
    # The child is now the volunteer's to see, and the proposal is about them.
    assert access.get_scoped(db.session, volunteer, Person, child.id) is child
    assert proposals.pending_proposals(db.session, officer) == []
    with pytest.raises(review.ReviewError, match="đã được xử lý"):
        proposals.decide_proposal(
            db.session, proposal, officer=officer, approve=True, reason=None, today=TODAY
        )


def test_rejecting_needs_a_reason_and_creates_nothing(world):
    tree, officer, volunteer = world
    proposal = propose(tree, volunteer)
    with pytest.raises(review.ReviewError, match="lý do"):
        proposals.decide_proposal(
            db.session, proposal, officer=officer, approve=False, reason=" ", today=TODAY
        )
    proposals.decide_proposal(
        db.session,
        proposal,
        officer=officer,
        approve=False,
        reason="Trẻ đã có hồ sơ ở xã khác",
        today=TODAY,
    )
    db.session.commit()
    assert proposal.status == "rejected" and proposal.person_id is None
    assert proposal.decision_reason == "Trẻ đã có hồ sơ ở xã khác"
    assert persons() == 0


def test_a_probable_duplicate_is_flagged_and_needs_the_officers_confirmation(world, make):
    tree, officer, volunteer = world
    existing = make.person(
        tree["a"],
        full_name="Lê Thị Mộng",
        name_key="le thi mong",
        dob=date(2019, 8, 7),
        sex="F",
        father_name=None,
        mother_name="Lê Thị Hồng",
        hamlet="Thôn Hai",  # not the volunteer's: they never see it
    )
    findings.rescreen(db.session, [existing], TODAY)
    db.session.commit()
    proposal = propose(tree, volunteer)  # the volunteer is not told who it may be
    assert proposals.child_candidates(db.session, proposal, TODAY) == [existing]
    with pytest.raises(review.DuplicateWarning) as exc:
        proposals.decide_proposal(
            db.session, proposal, officer=officer, approve=True, reason=None, today=TODAY
        )
    assert exc.value.candidates == [existing]
    db.session.rollback()
    assert persons() == 1 and proposal.status == "pending"
    proposals.decide_proposal(
        db.session,
        proposal,
        officer=officer,
        approve=True,
        reason=None,
        today=TODAY,
        confirmed=True,
    )
    db.session.commit()
    assert persons() == 2
    child = proposal.person
    assert "DUPLICATE_PERSON" in {f.rule for f in child.findings if f.status == "open"}


def test_the_police_and_other_communes_do_not_see_a_proposed_child(world, make):
    tree, _, volunteer = world
    proposal = propose(tree, volunteer)
    for user in (
        make.user("police", tree["a"]),
        make.user("officer", tree["b"]),
        make.user("volunteer", tree["a"]),  # another volunteer of the commune
    ):
        assert access.get_scoped(db.session, user, Proposal, proposal.id) is None, user.role
    assert access.get_scoped(db.session, make.user("reporter", tree["district"]), Proposal,
                             proposal.id) is proposal  # fmt: skip
