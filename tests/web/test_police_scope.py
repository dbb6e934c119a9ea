"""The commune police see the children of the lists handed to them and nothing else of the
commune (issue 11, friction 8): the record list and its search, a record's page, the home count.
Synthetic children only."""

from __future__ import annotations

from datetime import date

from treem_app.extensions import db
from treem_app.models import Batch, JobRun, Person
from treem_app.services import access
from treem_app.services import batches as service

from ..batch_helpers import ready_children


def _handed(make, unit, n: int, seed: int) -> tuple[Batch, list[Person]]:
    """An issued list of `n` new ready children of `unit`."""
    children = ready_children(make, unit, n, seed=seed)
    batch = service.create_draft(db.session, unit, user=None, today=date.today())
    service.issue(db.session, batch, user=None, today=date.today())
    db.session.commit()
    return batch, children


def _world(make):
    """Commune a: three children on an issued list, two on a draft, two on a list cancelled
    after it was handed, three on no list; commune b: one child on an issued list."""
    tree = make.tree()
    unit = tree["a"]
    _, handed = _handed(make, unit, 3, seed=1)
    cancelled, withdrawn = _handed(make, unit, 2, seed=2)
    service.cancel(db.session, cancelled, "Lập nhầm", user=None)
    drafted = ready_children(make, unit, 2, seed=3)
    service.create_draft(
        db.session, unit, user=None, today=date.today(), person_ids=[p.id for p in drafted]
    )
    loose = [
        make.person(unit, full_name=f"Đinh Văn Lạc {i}", name_key=f"dinh van lac {i}")
        for i in range(3)
    ]
    _, elsewhere = _handed(make, tree["b"], 1, seed=4)
    db.session.commit()
    return {"tree": tree, "handed": handed, "withdrawn": withdrawn, "drafted": drafted,
            "loose": loose, "elsewhere": elsewhere}  # fmt: skip


def test_the_police_open_the_records_of_their_lists_only(make, client, login):
    w = _world(make)
    login(make.user("police", w["tree"]["a"]))
    for child in w["handed"]:
        page = client.get(f"/records/{child.id}")
        assert page.status_code == 200 and child.full_name in page.get_data(as_text=True)
    for key in ("withdrawn", "drafted", "loose", "elsewhere"):
        for child in w[key]:
            resp = client.get(f"/records/{child.id}")
            assert resp.status_code == 404, key
            assert child.full_name not in resp.get_data(as_text=True)
            assert client.get(f"/records/{child.id}/facts/full_name").status_code == 404


def test_the_police_list_and_search_show_the_children_of_their_lists(make, client, login):
    w = _world(make)
    login(make.user("police", w["tree"]["a"]))
    listing = client.get("/records?status=all").get_data(as_text=True)
    for child in w["handed"]:
        assert f"/records/{child.id}" in listing
    for key in ("withdrawn", "drafted", "loose", "elsewhere"):
        for child in w[key]:
            assert f"/records/{child.id}" not in listing, key
    # The search: a name on no list finds nothing; a handed child's name finds them.
    found = client.get("/records", query_string={"q": "dinh van lac", "status": "all"})
    assert "Đinh Văn Lạc" not in found.get_data(as_text=True)
    target = w["handed"][0]
    found = client.get("/records", query_string={"q": target.full_name, "status": "all"})
    assert f"/records/{target.id}" in found.get_data(as_text=True)


def test_the_police_home_counts_the_children_of_their_lists(make, client, login):
    w = _world(make)
    police = make.user("police", w["tree"]["a"])
    login(police)
    home = client.get("/home").get_data(as_text=True)
    assert '<div class="n" id="police-children">3</div>' in home
    assert "/records?status=all" in home
    # The same number as the list and the scope.
    seen = db.session.scalars(access.scoped(police, Person).with_only_columns(Person.id)).all()
    assert sorted(seen) == sorted(p.id for p in w["handed"])


def test_the_police_see_no_other_row_of_the_commune(make, client, login):
    w = _world(make)
    unit = w["tree"]["a"]
    officer = make.user("officer", unit)
    visits = JobRun(kind="visit_sheets", unit=unit, created_by=officer)
    db.session.add(visits)
    db.session.commit()
    login(make.user("police", unit))
    # A visit sheet lists the commune's children: not the police's.
    assert client.get(f"/jobs/{visits.id}").status_code == 404
    assert client.get(f"/jobs/{visits.id}/download").status_code == 404
    assert f"/jobs/{visits.id}" not in client.get("/jobs").get_data(as_text=True)
    # A list cancelled while a draft was never theirs; one cancelled after issue stays visible.
    draft = db.session.scalar(access.scoped(None, Batch).where(Batch.state == "draft"))
    service.cancel(db.session, draft, "Không cần", user=None)
    db.session.commit()
    assert client.get(f"/batches/{draft.id}").status_code == 404
    cancelled = db.session.scalar(
        access.scoped(None, Batch).where(Batch.state == "cancelled", Batch.issued_at.is_not(None))
    )
    assert client.get(f"/batches/{cancelled.id}").status_code == 200
