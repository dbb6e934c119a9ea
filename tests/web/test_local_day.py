"""Issue 11, bug 2: at 23:30 UTC it is already the next morning in Việt Nam. Every date the app
shows or prints and every "today" it reasons with is the local one (TREEM_TIMEZONE, default
Asia/Ho_Chi_Minh); only storage is UTC."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Finding, JobRun

from ..batch_helpers import issued_on_the_web, pdf_text
from ..campaign_helpers import fixed_now  # noqa: F401 - the fixture, used by name

LATE = datetime(2026, 12, 3, 23, 30)  # stored UTC: 06:30 on Friday 04/12/2026 in Việt Nam
LOCAL_DAY = date(2026, 12, 4)


@pytest.fixture
def late(fixed_now):  # noqa: F811 - the imported fixture
    fixed_now(LATE)


def test_a_list_issued_at_2330_utc_carries_the_local_day_everywhere(
    make,
    client,
    login,
    post,
    run_jobs,
    late,
    tmp_path,
):
    _tree, _officer, batch = issued_on_the_web(make, login, post)
    run_jobs()
    db.session.refresh(batch)
    assert batch.issued_on == LOCAL_DAY
    batch.created_at = LATE  # stored times are the real clock's; this one as if made at LATE
    db.session.commit()
    page = client.get(f"/batches/{batch.id}").get_data(as_text=True)
    assert "<dt>Chuyển công an</dt><dd>04/12/2026" in page
    assert "06:30 04/12/2026" in page  # the creation time beside it, the same local day
    assert "03/12/2026" not in page
    # The signable PDF's "ngày … tháng … năm" line.
    with client.get(f"/batches/{batch.id}/files/pdf") as resp:
        assert resp.status_code == 200, resp.status_code
        text = pdf_text(resp.get_data(), tmp_path)
    assert "ngày 04 tháng 12 năm 2026" in " ".join(text.split())
    # The public verification page the QR code opens.
    post("/logout")
    verify = client.get(f"/v/{batch.token}").get_data(as_text=True)
    assert "04/12/2026" in verify and "03/12/2026" not in verify


def test_a_visit_sheet_made_at_2330_utc_is_dated_the_local_day(
    make,
    client,
    login,
    post,
    run_jobs,
    late,
    tmp_path,
):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    make.person(tree["a"], hamlet="Thôn Hưng Nghĩa", id_number=None)
    login(officer)
    post("/jobs/rebuild-findings")
    run_jobs()
    post("/visit-sheets", {"hamlet": "Thôn Hưng Nghĩa"})
    run_jobs()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "visit_sheets"))
    assert run.status == "finished", run.message
    with client.get(f"/jobs/{run.id}/download") as resp:
        text = pdf_text(resp.get_data(), tmp_path, "sheet.pdf")
    assert "Ngày lập: 04/12/2026" in " ".join(text.split())


def test_screening_at_2330_utc_counts_age_on_the_local_day(
    make,
    client,
    login,
    post,
    run_jobs,
    late,
):
    """A child born on 04/12/2010 turns 16 on the local day (already out of scope), though it
    is still 03/12 in UTC."""
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    turning = make.person(tree["a"], full_name="Lê Văn Tròn", dob=date(2010, 12, 4))
    younger = make.person(tree["a"], full_name="Lê Văn Non", dob=date(2010, 12, 5))
    login(officer)
    post("/jobs/rebuild-findings")
    run_jobs()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "rebuild_findings"))
    assert run.status == "finished", run.message
    assert json.loads(run.params)[0] == "2026-12-04"  # the screening date handed to the job

    def rules(person):
        return {f.rule for f in db.session.scalars(select(Finding).filter_by(person_id=person.id))}

    assert "AGE_OUT_OF_SCOPE" in rules(turning)
    assert "AGE_OUT_OF_SCOPE" not in rules(younger)
