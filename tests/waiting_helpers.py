"""One of each kind of waiting work in a commune, written as rows (synthetic children only),
for the home page's "Việc cần làm" tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from treem_app import clock
from treem_app.extensions import db
from treem_app.models import (
    Batch,
    BatchRow,
    Conflict,
    Finding,
    ImportRun,
    JobRun,
    Proposal,
    VolunteerHamlet,
)
from treem_app.models._common import utcnow
from treem_app.services.roster_upload import store_upload

from .exports import HEADER, row, simple_xlsx

# What an officer of the commune sees on the home (kind: count); `ids` says which row a
# kind held by a single row links to.
OFFICER_COUNTS = {
    "imports_running": 1,
    "imports_failed": 1,
    "imports_uploaded": 1,
    "imports_dry_run": 1,
    "conflicts": 1,
    "records_with_errors": 1,
    "proposals": 1,
    "duplicates": 2,
    "ready_records": 1,
    "batches_draft": 1,
    "batches_issued": 3,
    "batches_overdue": 1,
    "return_conflicts": 1,
    "batches_returned": 1,
}


@dataclass
class Seeded:
    ids: dict[str, int] = field(default_factory=dict)


def _import(unit, status: str, name: str, files_dir: str) -> ImportRun:
    """A stored upload of a small export, then left in `status`."""
    rows = [row(1, "Đặng Thu Thảo", "05/03/2015")]
    run = store_upload(db.session, unit, None, name, simple_xlsx(HEADER, rows),
                       files_dir=files_dir, max_bytes=1 << 20, max_rows=100)  # fmt: skip
    run.status = status
    run.dry_run = status != "applied"
    db.session.flush()
    return run


def _batch(unit, state: str, seq: int, due_on: date | None = None) -> Batch:
    today = clock.today()
    batch = Batch(
        unit=unit,
        number=f"{seq:02d}/{today.year}",
        year=today.year,
        seq=seq,
        state=state,
        issued_on=None if state == "draft" else today - timedelta(days=3),
        due_on=due_on or (None if state == "draft" else today + timedelta(days=5)),
        row_count=1,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def seed_waiting_work(make, unit, volunteer, files_dir: str) -> Seeded:
    """One of each kind (two records for the probable duplicate pair) in `unit`."""
    s = Seeded()
    today = clock.today()
    faulty = make.person(unit, full_name="Trần Thị Mai", name_key="tran thi mai", open_rank=0)
    db.session.add(
        Finding(
            person=faulty,
            rule="ID_MISSING",
            field="id_number",
            severity="error",
            message="Thiếu số định danh",
        )
    )
    for given in ("Lê Văn Tùng", "Lê Văn Tung"):
        twin = make.person(unit, full_name=given, name_key="le van tung", open_rank=1)
        db.session.add(
            Finding(
                person=twin,
                rule="DUPLICATE_PERSON",
                field="full_name",
                severity="warning",
                message="Có thể trùng người",
            )
        )
    make.person(unit, full_name="Phạm Gia Huy", name_key="pham gia huy", status="ready")
    db.session.add(
        Proposal(
            person=faulty,
            user_id=volunteer.id,
            field="dob",
            old_value="2015-03-05",
            new_value="2015-03-15",
            source="household_visit",
        )
    )
    db.session.add(VolunteerHamlet(user_id=volunteer.id, hamlet="Thôn Một"))
    applied = _import(unit, "applied", "lan-1.xlsx", files_dir)
    db.session.add(
        Conflict(
            unit_id=unit.id,
            person=faulty,
            import_run=applied,
            field="dob",
            export_value="2015-03-06",
            current_value="2015-03-05",
        )
    )
    s.ids["imports_failed"] = _import(unit, "failed", "loi.xlsx", files_dir).id
    s.ids["imports_uploaded"] = _import(unit, "uploaded", "moi.xlsx", files_dir).id
    s.ids["imports_dry_run"] = _import(unit, "dry_run", "chay-thu.xlsx", files_dir).id
    s.ids["imports_running"] = _import(unit, "running", "dang-chay.xlsx", files_dir).id
    s.ids["batches_draft"] = _batch(unit, "draft", 1).id
    _batch(unit, "issued", 2)
    s.ids["batches_overdue"] = _batch(unit, "issued", 3, due_on=today - timedelta(days=2)).id
    partly = _batch(unit, "partly_returned", 4)
    answered = make.person(unit, full_name="Võ Minh Khôi", status="in_batch")
    db.session.add(BatchRow(batch=partly, person=answered, outcome="conflict", row_key="A1"))
    s.ids["return_conflicts"] = partly.id
    s.ids["batches_returned"] = _batch(unit, "returned", 5).id
    db.session.add(JobRun(kind="rebuild_findings", unit=unit, status="failed"))
    db.session.add(JobRun(kind="visit_sheets", unit=unit, status="running"))
    db.session.add(
        JobRun(
            kind="rebuild_findings",
            unit=unit,
            status="failed",
            created_at=utcnow() - timedelta(days=8),
        )
    )
    db.session.commit()
    return s


def waiting_items(page: str) -> dict[str, tuple[int, str]]:
    """The home's waiting work as {kind: (count, link)}."""
    import re

    found = re.findall(
        r'<a id="todo-([a-z_]+)" class="[^"]*" href="([^"]+)" data-count="(\d+)"', page
    )
    return {key: (int(count), href.replace("&amp;", "&")) for key, href, count in found}
