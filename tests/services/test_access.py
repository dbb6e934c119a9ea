"""services/access: every scoped read returns None (or no row) outside the user's scope, for
each role; the session is passed in."""

from __future__ import annotations

import pytest

from treem_app.extensions import db
from treem_app.models import (
    Batch,
    Conflict,
    ImportRun,
    JobRun,
    Person,
    Proposal,
    User,
    VolunteerHamlet,
)
from treem_app.services import access, job_runs

MODELS = (Person, Batch, JobRun, ImportRun, Conflict, Proposal)


def rows_of(make, unit, author, *, hamlet="Thôn Một"):
    """One row of every scoped model in `unit` (the batch issued, so the police may see it)."""
    session = db.session
    person = make.person(unit, hamlet=hamlet)
    batch = Batch(unit=unit, number=f"{unit.code}-01", state="issued")
    # A job works on what its user may change: another commune's is started by the console.
    job = job_runs.record(
        session, "rebuild_findings", unit, author if access.may_change(author, unit) else None
    )
    imp = ImportRun(
        unit=unit,
        original_name="x.xlsx",
        stored_path="/nonexistent",
        kind="xlsx",
        sha256="0",
        size=1,
    )
    session.add_all([batch, imp])
    session.flush()
    conflict = Conflict(unit_id=unit.id, person=person, import_run=imp, field="full_name")
    proposal = Proposal(person=person, user=author, field="full_name", source="officer")
    session.add_all([conflict, proposal])
    session.commit()
    return {Person: person, Batch: batch, JobRun: job, ImportRun: imp, Conflict: conflict,
            Proposal: proposal}  # fmt: skip


@pytest.fixture
def world(make):
    tree = make.tree()
    author = make.user("volunteer", tree["a"])
    db.session.add(VolunteerHamlet(user_id=author.id, hamlet="Thôn Một"))
    db.session.commit()
    return {
        "tree": tree,
        "author": author,
        "a": rows_of(make, tree["a"], author),
        "b": rows_of(make, tree["b"], author),
        "c": rows_of(make, tree["c"], author),
    }


def visible(user, rows) -> dict:
    return {m: access.get_scoped(db.session, user, m, rows[m].id) is not None for m in MODELS}


@pytest.mark.parametrize("role", ["officer", "volunteer", "police", "reporter", "admin"])
def test_rows_of_another_commune_are_none_for_every_role(world, make, role):
    user = make.user(role, world["tree"]["a"])
    if role == "volunteer":
        db.session.add(VolunteerHamlet(user_id=user.id, hamlet="Thôn Một"))
        db.session.commit()
    for other in ("b", "c"):
        assert not any(visible(user, world[other]).values()), (role, other)
        for model in MODELS:
            ids = db.session.scalars(access.scoped(user, model).with_only_columns(model.id))
            assert world[other][model].id not in set(ids), (role, other, model)


@pytest.mark.parametrize(
    "role,sees",
    [
        ("officer", set(MODELS)),
        ("reporter", set(MODELS)),
        ("admin", set(MODELS)),
        # The list handed to them; not the commune's children on no list, its jobs, imports,
        # conflicts or proposals.
        ("police", {Batch}),
        ("volunteer", {Person, Proposal}),  # the persons of their hamlets, and proposals
    ],
)
def test_rows_of_the_own_commune(world, make, role, sees):
    user = make.user(role, world["tree"]["a"])
    if role == "volunteer":
        db.session.add(VolunteerHamlet(user_id=user.id, hamlet="Thôn Một"))
        db.session.commit()
    assert {m for m, ok in visible(user, world["a"]).items() if ok} == sees


def test_a_district_sees_its_communes_not_the_other_district(world, make):
    reporter = make.user("reporter", world["tree"]["district"])
    assert all(visible(reporter, world["a"]).values())
    assert all(visible(reporter, world["b"]).values())
    assert not any(visible(reporter, world["c"]).values())


def test_volunteers_see_only_their_hamlets(world, make):
    tree = world["tree"]
    volunteer = make.user("volunteer", tree["a"])
    db.session.add(VolunteerHamlet(user_id=volunteer.id, hamlet="Thôn Hai"))
    db.session.commit()
    elsewhere = make.person(tree["a"], hamlet="Thôn Hai")
    assert access.get_scoped(db.session, volunteer, Person, elsewhere.id) is elsewhere
    assert access.get_scoped(db.session, volunteer, Person, world["a"][Person].id) is None


def test_the_police_see_no_draft_batch(world, make):
    police = make.user("police", world["tree"]["a"])
    draft = Batch(unit=world["tree"]["a"], number="C0001-02", state="draft", seq=2)
    db.session.add(draft)
    db.session.commit()
    assert access.get_scoped(db.session, police, Batch, draft.id) is None
    officer = make.user("officer", world["tree"]["a"])
    assert access.get_scoped(db.session, officer, Batch, draft.id) is draft


def test_missing_ids_and_users_out_of_scope(world, make):
    tree = world["tree"]
    officer = make.user("officer", tree["a"])
    assert access.get_scoped(db.session, officer, Person, 10**9) is None
    assert access.get_scoped(db.session, officer, Person, None) is None
    stranger = make.user("officer", tree["c"])
    assert access.get_scoped(db.session, officer, User, stranger.id) is None
    admin = make.user("admin", tree["province"])
    assert access.get_scoped(db.session, admin, User, stranger.id) is stranger


def test_units_by_code_and_the_console(world, make):
    tree = world["tree"]
    officer = make.user("officer", tree["a"])
    assert access.unit_by_code(db.session, officer, "C0001") is tree["a"]
    assert access.unit_by_code(db.session, officer, "C0002") is None
    assert access.unit_by_code(db.session, officer, "NOPE") is None
    # The console (user None) sees every unit and row.
    assert access.unit_by_code(db.session, None, "C0003") is tree["c"]
    assert all(access.get_scoped(db.session, None, m, world["c"][m].id) for m in MODELS)


def test_a_job_never_crosses_its_unit(world):
    imp_b = world["b"][ImportRun]
    assert access.in_unit(db.session, ImportRun, imp_b.id, world["tree"]["b"].id) is imp_b
    assert access.in_unit(db.session, ImportRun, imp_b.id, world["tree"]["a"].id) is None
    district = world["tree"]["district"].id
    assert access.in_unit(db.session, Batch, world["b"][Batch].id, district) is None


def test_unscoped_models_are_refused():
    from treem_app.models import Unit

    with pytest.raises(TypeError):
        access.scoped(None, Unit)
