"""Issue 19: a write that names a unit in its form is held to the actor's own subtree.

The route sweep over forms: an administrator (or officer) of commune A posts the codes of the
province, of a sibling commune and of another district into every form field that names a unit,
and nothing changes.
"""

import io

import pytest
from sqlalchemy import func, select

from treem_app.extensions import db
from treem_app.models import HandoverSettings, ImportRun, JobRun, Unit, User
from treem_app.services import accounts, job_runs
from treem_app.services import batches as batch_service
from treem_app.services import reports as report_service
from treem_app.services.units import UnitImportError, add_unit

OUTSIDE = ("P01", "D01", "C0002", "C0003")


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _cadence_rows():
    return db.session.execute(
        select(
            HandoverSettings.unit_id,
            HandoverSettings.handover_weekday,
            HandoverSettings.return_weekday,
            HandoverSettings.report_weekday,
            HandoverSettings.report_hour,
        )
    ).all()


def test_a_communes_admin_cannot_set_the_provinces_cadence(make, client, login, post):
    tree = make.tree()
    login(make.user("admin", tree["a"]))
    page = client.get("/batches/settings").get_data(as_text=True)
    assert "do quản trị cấp tỉnh đặt" in page  # shown, not offered
    assert 'name="handover_weekday"' not in page
    before = _cadence_rows()
    resp = post(
        "/batches/settings", {"unit": "P01", "handover_weekday": "0", "return_weekday": "1"}
    )
    assert resp.status_code in (302, 404)
    resp = post("/reports/cutoff", {"unit": "P01", "report_weekday": "0", "report_hour": "3"})
    assert resp.status_code in (302, 404)
    db.session.expire_all()
    assert _cadence_rows() == before


def test_the_provinces_admin_still_sets_it(make, client, login, post):
    tree = make.tree()
    login(make.user("admin", tree["province"]))
    resp = post(
        "/batches/settings", {"unit": "P01", "handover_weekday": "0", "return_weekday": "1"}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    row = db.session.scalars(select(HandoverSettings)).one()
    assert (row.handover_weekday, row.return_weekday) == (0, 1)


@pytest.mark.parametrize("code", OUTSIDE)
def test_form_fields_naming_another_unit_change_nothing(make, client, login, post, code):
    tree = make.tree()
    admin = make.user("admin", tree["a"])
    officer = make.user("officer", tree["a"])
    counts = {m: _count(m) for m in (User, Unit, JobRun, ImportRun)}

    login(admin)
    post(
        "/admin/users",
        {"username": "ke-la-1", "password": "mat-khau-dai-1", "role": "officer", "unit": code},
    )
    post("/admin/units", {"code": "X9999", "name": "Xã Lạ", "level": "commune", "parent": code})
    post("/admin/units", {"code": "X9998", "name": "Tỉnh Lạ", "level": "province"})
    post("/jobs/rebuild-findings", {"unit": code})
    post("/logout")

    login(officer)
    post("/jobs/rebuild-findings", {"unit": code})
    post("/reports/build", {"unit": code, "kind": "weekly"})
    post(
        "/imports",
        {"unit": code, "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    assert {m: _count(m) for m in counts} == counts


def test_the_services_hold_the_actor_to_their_subtree(make):
    tree = make.tree()
    admin = make.user("admin", tree["a"])
    with pytest.raises(batch_service.BatchError):
        batch_service.set_cadence(db.session, tree["province"], 0, 1, user=admin)
    with pytest.raises(report_service.ReportError):
        report_service.set_report_cutoff(db.session, tree["province"], 0, 3, user=admin)
    with pytest.raises(accounts.AccountError):
        accounts.create_user(
            db.session, "ke-la-2", "mat-khau-dai-1", role="officer", unit=tree["b"], actor=admin
        )
    with pytest.raises(UnitImportError):
        add_unit(db.session, "X9997", "Xã Lạ", "commune", tree["district"], actor=admin)
    with pytest.raises(UnitImportError):
        add_unit(db.session, "X9996", "Tỉnh Lạ", "province", None, actor=admin)
    with pytest.raises(PermissionError):
        job_runs.record(db.session, "rebuild_findings", tree["b"], admin, [])
    db.session.rollback()
    # Inside the subtree, and from the console, as before.
    accounts.create_user(
        db.session, "ke-quen-1", "mat-khau-dai-1", role="officer", unit=tree["a"], actor=admin
    )
    batch_service.set_cadence(
        db.session, tree["province"], 0, 1, user=make.user("admin", tree["province"])
    )
    db.session.rollback()
