"""Two provinces, each with a commune holding one of everything a URL can name (synthetic
children only), for the sweeps over the URL map (tests/web/test_sweeps.py).

Province PA > district DA > commune A holds the signed-in users; province PB > district DB >
commune B holds the other unit's rows, whose ids the sweeps put into every URL.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select, text

from treem_app import clock
from treem_app.extensions import db
from treem_app.files.return_sheet import SHEET
from treem_app.models import (
    Batch,
    BatchReturn,
    BatchRow,
    Conflict,
    Hamlet,
    JobRun,
    Proposal,
    ReportFile,
    UserSession,
    VolunteerHamlet,
)
from treem_app.models._common import utcnow
from treem_app.models.batch import ReturnKeying, SignedCopy
from treem_app.services.roster_upload import store_upload

from .exports import HEADER, row, simple_xlsx

ROLES = ("officer", "volunteer", "police", "reporter", "admin")

# Names that appear nowhere but in the rows of one commune: a page that shows one of them shows
# that commune's data.
NAMES = {
    "A": ("Quàng Văn Ấp", "Quàng Thị Ấm", "Quàng Văn Ẩn"),
    "B": ("Lò Thị Bến", "Lò Văn Bờm", "Lò Thị Bống"),
}
UNIT_NAMES = {"A": "Xã Sông Ấp", "B": "Xã Bến Bờm"}
HAMLET = "Thôn Một"
SUMMARY = {"rows": 1, "verified": 0, "rejected": 0, "conflicts": 1, "empty": 0, "unchanged": 0,
           "results": []}  # fmt: skip
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


@dataclass
class Commune:
    """The ids of one commune's rows, by what a URL calls them."""

    key: str
    ids: dict[str, int | str] = field(default_factory=dict)
    users: dict = field(default_factory=dict)


def _return_sheet() -> bytes:
    wb = Workbook()
    wb.active.title = SHEET
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _file(files_dir: Path, name: str, data: bytes) -> str:
    files_dir.mkdir(parents=True, exist_ok=True)
    path = files_dir / name
    path.write_bytes(data)
    return str(path)


def build_commune(make, key: str, files_dir: Path) -> Commune:
    c = Commune(key)
    XLSX = simple_xlsx(HEADER, [row(1, "Hà Văn Mẫu", "05/03/2015")])
    n = {"A": 1, "B": 2}[key]
    province = make.unit(f"Tỉnh Quét {key}", level="province", code=f"SP{n}")
    district = make.unit(f"Huyện Quét {key}", level="district", parent=province, code=f"SD{n}")
    unit = make.unit(UNIT_NAMES[key], parent=district, code=f"SC{n}")
    c.ids.update(unit=unit.id, unit_code=unit.code, province_code=province.code)
    names = NAMES[key]
    issued_person = make.person(unit, full_name=names[0], name_key=f"sweep {key} 1",
                                hamlet=HAMLET, status="in_batch")  # fmt: skip
    other = make.person(unit, full_name=names[1], name_key=f"sweep {key} 2", hamlet=HAMLET)
    ready = make.person(unit, full_name=names[2], name_key=f"sweep {key} 3", hamlet=HAMLET,
                        status="ready", id_number=None)  # fmt: skip
    c.ids.update(person=issued_person.id, person2=other.id, ready_person=ready.id)

    c.users = {
        "officer": make.user("officer", unit),
        "volunteer": make.user("volunteer", unit),
        "police": make.user("police", unit),
        "reporter": make.user("reporter", district),
        "admin": make.user("admin", province),
    }
    volunteer = c.users["volunteer"]
    db.session.add(VolunteerHamlet(user_id=volunteer.id, hamlet=HAMLET))
    c.ids["volunteer"] = volunteer.id
    c.ids["user"] = c.users["officer"].id
    hamlet = Hamlet(unit_id=unit.id, name=HAMLET, key="thon mot")
    hamlet2 = Hamlet(unit_id=unit.id, name="Thôn Hai", key="thon hai")
    db.session.add_all([hamlet, hamlet2])

    today = clock.today()
    docs = JobRun(kind="batch_documents", unit=unit, status="finished",
                  result_file=_file(files_dir, f"docs-{key}.pdf", b"%PDF-1.4 sweep"))  # fmt: skip
    db.session.add(docs)
    db.session.flush()
    batch = Batch(
        unit=unit, number=f"01/{key}", year=today.year, seq=1, state="issued",
        issued_on=today - timedelta(days=2), issued_at=utcnow(),
        due_on=today + timedelta(days=5), row_count=1, job_run_id=docs.id,
        pdf_path=_file(files_dir, f"list-{key}.pdf", b"%PDF-1.4 sweep"),
        xlsx_path=_file(files_dir, f"list-{key}.xlsx", XLSX),
    )  # fmt: skip
    draft = Batch(unit=unit, number=f"02/{key}", year=today.year, seq=2, state="draft")
    db.session.add_all([batch, draft])
    db.session.flush()
    batch_row = BatchRow(batch=batch, person=issued_person, open_person_id=issued_person.id,
                         position=1, row_key=f"R{key}1", person_version=issued_person.version,
                         snapshot_json=json.dumps({"full_name": names[0], "dob": "05/03/2015"}),
                         outcome="conflict")  # fmt: skip
    db.session.add(batch_row)
    db.session.add(ReturnKeying(batch_id=batch.id, double=True))
    ingest = JobRun(kind="batch_ingest", unit=unit, status="finished")
    db.session.add(ingest)
    db.session.flush()
    ret = BatchReturn(batch_id=batch.id, original_name="tra.xlsx", status="applied",
                      stored_path=_file(files_dir, f"return-{key}.xlsx", _return_sheet()),
                      sha256="0" * 63 + str(n), size=8, job_run_id=ingest.id,
                      summary_json=json.dumps(SUMMARY))  # fmt: skip
    copy = SignedCopy(batch_id=batch.id, kind="png", original_name="ky.png",
                      stored_path=_file(files_dir, f"signed-{key}.png", PNG),
                      sha256="1" * 63 + str(n), size=len(PNG))  # fmt: skip
    db.session.add_all([ret, copy])

    run = store_upload(db.session, unit, None, f"xuat-{key}.xlsx",
                       simple_xlsx(HEADER, [row(1, names[1], "05/03/2015")]),
                       files_dir=files_dir, max_bytes=1 << 20, max_rows=100)  # fmt: skip
    run.status = "applied"
    run.annotated_path = _file(files_dir, f"annotated-{key}.xlsx", XLSX)
    db.session.flush()
    conflict = Conflict(unit_id=unit.id, person=other, import_run=run, field="dob",
                        export_value="2015-03-06", current_value="2015-03-05")  # fmt: skip
    proposal = Proposal(person=other, unit_id=unit.id, user_id=volunteer.id, field="dob",
                        old_value="2015-03-05", new_value="2015-03-15",
                        source="household_visit")  # fmt: skip
    visit = JobRun(kind="visit_sheets", unit=unit, status="finished",
                   result_file=_file(files_dir, f"visit-{key}.pdf", b"%PDF-1.4 sweep"))  # fmt: skip
    report = ReportFile(unit_id=unit.id, kind="weekly", period="2026-W48", format="xlsx",
                        stored_path=_file(files_dir, f"report-{key}.xlsx", XLSX),
                        sha256="2" * 63 + str(n), size=len(XLSX))  # fmt: skip
    other_session = UserSession(token_hash=f"{n:064d}", user_id=c.users["officer"].id)
    db.session.add_all([conflict, proposal, visit, report, other_session])
    db.session.commit()
    c.ids.update(
        batch=batch.id, draft=draft.id, row=batch_row.id, return_=ret.id, copy=copy.id,
        token=batch.token, draft_token=draft.token, import_run=run.id, conflict=conflict.id,
        proposal=proposal.id, job=visit.id, docs_job=docs.id, hamlet=hamlet.id,
        hamlet2=hamlet2.id, report=report.id, session=other_session.id,
    )  # fmt: skip
    return c


def build_world(make, files_dir: Path) -> dict[str, Commune]:
    return {key: build_commune(make, key, files_dir / key) for key in ("A", "B")}


# What a sweep request must leave as it was: every table's row count, and the rows' contents
# that the app changes in place.
FINGERPRINTS = {
    "persons": "SELECT id, unit_id, version, status, full_name, dob, hamlet FROM persons",
    "batches": "SELECT id, unit_id, state, row_count FROM batches",
    "batch_rows": "SELECT id, batch_id, person_id, outcome, open_person_id FROM batch_rows",
    "proposals": "SELECT id, status FROM proposals",
    "import_conflicts": "SELECT id, status, decision FROM import_conflicts",
    "hamlets": "SELECT id, name, merged_into_id FROM hamlets",
    "users": "SELECT id, unit_id, active, password_hash, expires_at FROM users",
    "volunteer_hamlets": "SELECT user_id, hamlet FROM volunteer_hamlets",
    "handover_settings": "SELECT unit_id, handover_weekday, return_weekday FROM handover_settings",
    "return_entries": "SELECT id, number, result FROM return_entries",
    "units": "SELECT id, code, name FROM units",
}
# Rows a refused request may add: the record of the login itself.
NOT_COUNTED = {"alembic_version"}


def snapshot() -> dict:
    db.session.rollback()
    out: dict = {}
    for table in db.metadata.sorted_tables:
        if table.name in NOT_COUNTED:
            continue
        out[table.name] = db.session.scalar(select(func.count()).select_from(table))
    for name, sql in FINGERPRINTS.items():
        out[f"{name}*"] = sorted(tuple(map(str, r)) for r in db.session.execute(text(sql)))
    db.session.rollback()
    return out


def unit_snapshot(unit_id: int) -> dict:
    """The rows of one unit (and of the users of that unit's tree) only."""
    db.session.rollback()
    out = {}
    for name, sql in FINGERPRINTS.items():
        if name in ("persons", "batches", "hamlets"):
            sql = f"{sql} WHERE unit_id = :u"
        elif name == "batch_rows":
            sql = f"{sql} WHERE batch_id IN (SELECT id FROM batches WHERE unit_id = :u)"
        elif name == "proposals":
            sql = f"{sql} WHERE unit_id = :u"
        elif name == "import_conflicts":
            sql = sql.replace("FROM import_conflicts", "FROM import_conflicts WHERE unit_id = :u")
        else:
            continue
        out[name] = sorted(
            tuple(map(str, r)) for r in db.session.execute(text(sql), {"u": unit_id})
        )
    db.session.rollback()
    return out
