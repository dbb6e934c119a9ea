from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Batch, JobRun, Person
from treem_app.services.access import scoped


def _batch(unit):
    batch = Batch(unit=unit, number=f"{unit.code}-01")
    db.session.add(batch)
    db.session.commit()
    return batch


def _job(unit, user):
    run = JobRun(kind="rebuild_findings", unit=unit, created_by=user)
    db.session.add(run)
    db.session.commit()
    return run


def test_officer_of_a_gets_404_for_person_batch_and_job_of_b(make, client, login):
    tree = make.tree()
    officer_a = make.user("officer", tree["a"])
    officer_b = make.user("officer", tree["b"])
    mine = make.person(tree["a"], full_name="Trần Thị Mai", name_key="tran thi mai")
    theirs = make.person(tree["b"], full_name="Lê Văn Tùng", name_key="le van tung")
    batch_a, batch_b = _batch(tree["a"]), _batch(tree["b"])
    job_a, job_b = _job(tree["a"], officer_a), _job(tree["b"], officer_b)
    login(officer_a)
    assert client.get(f"/records/{mine.id}").status_code == 200
    assert client.get(f"/batches/{batch_a.id}").status_code == 200
    assert client.get(f"/jobs/{job_a.id}").status_code == 200
    for url in (f"/records/{theirs.id}", f"/batches/{batch_b.id}", f"/jobs/{job_b.id}"):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert "Lê Văn Tùng" not in resp.get_data(as_text=True)
    listing = client.get("/records?status=all").get_data(as_text=True)
    assert "Trần Thị Mai" in listing and "Lê Văn Tùng" not in listing
    jobs = client.get("/jobs").get_data(as_text=True)
    assert f"/jobs/{job_a.id}" in jobs and f"/jobs/{job_b.id}" not in jobs


def test_nonexistent_id_is_also_404(make, client, login):
    login(make.user("officer", make.tree()["a"]))
    assert client.get("/records/999999").status_code == 404


def test_district_reporter_sees_all_its_communes_but_not_others(make, client, login):
    tree = make.tree()
    reporter = make.user("reporter", tree["district"])
    in_a = make.person(tree["a"], full_name="Phạm Gia Bảo")
    in_b = make.person(tree["b"], full_name="Võ Ngọc Anh")
    in_c = make.person(tree["c"], full_name="Đỗ Minh Quân")
    batch_b, batch_c = _batch(tree["b"]), _batch(tree["c"])
    login(reporter)
    assert client.get(f"/records/{in_a.id}").status_code == 200
    assert client.get(f"/records/{in_b.id}").status_code == 200
    assert client.get(f"/batches/{batch_b.id}").status_code == 200
    assert client.get(f"/records/{in_c.id}").status_code == 404
    assert client.get(f"/batches/{batch_c.id}").status_code == 404
    home = client.get("/home").get_data(as_text=True)
    assert "Xã An Phú" in home and "Xã Bình Minh" in home and "Xã Cát Tiên" not in home


def test_reporter_edits_nothing(make, client, login, post):
    tree = make.tree()
    login(make.user("reporter", tree["district"]))
    assert post("/jobs/rebuild-findings").status_code == 403
    assert post("/admin/users", {"username": "x"}).status_code == 403
    assert db.session.scalar(select(JobRun.id)) is None


def test_scoped_query_helper_covers_the_subtree(make):
    tree = make.tree()
    reporter = make.user("reporter", tree["district"])
    officer = make.user("officer", tree["a"])
    for unit in (tree["a"], tree["b"], tree["c"]):
        make.person(unit)
    assert len(db.session.scalars(scoped(reporter, Person)).all()) == 2
    assert len(db.session.scalars(scoped(officer, Person)).all()) == 1
    province_admin = make.user("admin", tree["province"])
    assert len(db.session.scalars(scoped(province_admin, Person)).all()) == 3


def test_similar_unit_paths_do_not_leak(make):
    """Unit 1's path "/1/" must not match unit 10's "/10/" (prefix on whole segments)."""
    units = [make.unit(f"Xã {i}", level="commune") for i in range(12)]
    officer = make.user("officer", units[0])
    for unit in units:
        make.person(unit)
    assert len(db.session.scalars(scoped(officer, Person)).all()) == 1
