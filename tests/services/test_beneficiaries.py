"""Social-protection beneficiaries through the import (issue 17): a real workbook of synthetic
adults born 1935-1991 and children on allowances, screened by kind, linked to child records."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from sqlalchemy import func, select

from treem_app.domain.idnumber import make_id
from treem_app.extensions import db
from treem_app.models import ColumnMapping, Finding, Person, PersonEvent
from treem_app.services.findings import rebuild_findings, rescreen
from treem_app.services.roster_import import import_now
from treem_app.services.roster_upload import store_upload

from .. import exports
from ..exports import DAY

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Số định danh cá nhân",
          "Nơi ở hiện tại", "Nơi thường trú", "Diện đối tượng", "Mức trợ cấp",
          "Họ tên người chăm sóc", "Người giám hộ"]  # fmt: skip
MONTHLY = "Đối tượng hưởng trợ cấp bảo trợ xã hội hàng tháng"
CARE = "Đối tượng hưởng hỗ trợ kinh phí chăm sóc, nuôi dưỡng hàng tháng"
HOA_ID = make_id("052", "F", 2015, 555)  # the child record's number


def brow(n, name, dob, sex, idn, category=MONTHLY, amount="540.000", carer=None, guardian=None):
    return [n, name, dob, sex, "Kinh", idn, "Thôn An Hòa, xã Thử", "Thôn An Hòa, xã Thử",
            category, amount, carer, guardian]  # fmt: skip


ROWS = [
    brow(1, "Nguyễn Thị Lành", "12/04/1935", "Nữ", make_id("052", "F", 1935, 111)),
    brow(2, "Trần Văn Cường", "01/01/1952", "Nam", make_id("052", "M", 1952, 222)),
    # a 1950s birth with a 2000s century digit (3 = girl born 2000-2099): refused
    brow(3, "Lê Thị Mai", "20/08/1958", "Nữ", "052358000333"),
    brow(4, "Phan Văn Hùng", "15/06/1991", "Nam", make_id("052", "M", 1991, 444), "Diện khác"),
    # children on allowances: the guardian rule applies
    brow(5, "Võ Minh Tâm", "02/02/2016", "Nam", None, CARE, "1.080.000"),
    brow(6, "Võ Thị Ngọc", "03/03/2017", "Nữ", None, CARE, 1080000, "Võ Văn Lực", "Võ Văn Lực"),
    # also in the children's registry: by ID number, and by name + date of birth + a parent
    brow(7, "Phạm Thị Hoa", "05/03/2015", "Nữ", HOA_ID, guardian="Phạm Văn Sơn"),
    brow(8, "đỗ minh quân", "10/10/2014", "Nam", None, guardian="Đỗ Văn Tài"),
]


def upload(app, unit, data, kind):
    return store_upload(db.session, unit, None, "doi-tuong.xlsx", data,
                        files_dir=app.config["TREEM_FILES_DIR"], max_bytes=25 * 1024 * 1024,
                        max_rows=1000, person_kind=kind)  # fmt: skip


def open_rules(person):
    return {
        f.rule
        for f in db.session.scalars(
            select(Finding).where(Finding.person_id == person.id, Finding.status == "open")
        )
    }


def children(make, unit):
    hoa = make.person(unit, full_name="Phạm Thị Hoa", name_key="pham thi hoa",
                      dob=dt.date(2015, 3, 5), sex="F", id_number=HOA_ID, id_source="export",
                      father_name="Phạm Văn Sơn", status="clean")  # fmt: skip
    quan = make.person(unit, full_name="Đỗ Minh Quân", name_key="do minh quan",
                       dob=dt.date(2014, 10, 10), father_name="Đỗ Văn Tài")  # fmt: skip
    return hoa, quan


def import_beneficiaries(app, unit, rows=ROWS):
    run = upload(app, unit, exports.simple_xlsx(HEADER, rows), "beneficiary")
    outcome = import_now(db.session, run, screening_date=DAY, apply=True, max_rows=1000)
    db.session.commit()
    return run, outcome


def test_beneficiary_roster_is_screened_by_kind_and_linked(app, make):
    unit = make.unit()
    hoa, quan = children(make, unit)
    run, outcome = import_beneficiaries(app, unit)
    assert run.person_kind == "beneficiary"
    assert set(run.mapping.values()) >= {
        "allowance_category", "allowance_amount", "carer_name",
        "current_residence", "permanent_residence", "guardian_name",
    }  # fmt: skip
    assert outcome.summary["created"] == 8
    people = db.session.scalars(
        select(Person).where(Person.kind == "beneficiary").order_by(Person.id)
    ).all()
    assert len(people) == 8
    rules = [open_rules(p) for p in people]
    by_rule = outcome.summary["by_rule"]
    # No under-16 scope, no guardian rule for adults, 19xx century digits accepted.
    assert "AGE_OUT_OF_SCOPE" not in by_rule
    for i in (0, 1, 3):
        assert not {r for r in rules[i] if r.startswith("ID_") or r == "GUARDIAN_MISSING"}, i
    assert people[0].status == "clean" and people[1].status == "clean"
    assert "ID_CENTURY_MISMATCH" in rules[2] and "GUARDIAN_MISSING" not in rules[2]
    # Children on allowances keep the guardian rule.
    assert "GUARDIAN_MISSING" in rules[4] and "GUARDIAN_MISSING" not in rules[5]
    # An unknown category is reported (a warning), a known one is stored as its label.
    assert rules[3] == {"ALLOWANCE_CATEGORY_UNKNOWN"}
    unknown = db.session.scalar(select(Finding).where(Finding.rule == "ALLOWANCE_CATEGORY_UNKNOWN"))
    assert unknown.severity == "warning" and "Diện khác" in unknown.message
    assert by_rule["ALLOWANCE_CATEGORY_UNKNOWN"] == 1
    assert people[3].allowance_category == "Diện khác"
    assert people[0].allowance_category == MONTHLY and people[4].allowance_category == CARE
    assert people[0].allowance_amount == 540000 and people[4].allowance_amount == 1080000
    assert people[5].allowance_amount == 1080000 and people[5].carer_name == "Võ Văn Lực"
    assert people[0].current_residence == "Thôn An Hòa, xã Thử"
    assert people[0].permanent_residence == "Thôn An Hòa, xã Thử"
    # Linked to the child records, not merged into them, no ID_DUPLICATE on either side.
    assert people[6].linked_person_id == hoa.id and people[7].linked_person_id == quan.id
    assert [p.linked_person_id for p in people[:6]] == [None] * 6
    db.session.refresh(hoa)
    assert hoa.kind == "child" and hoa.full_name == "Phạm Thị Hoa" and hoa.status == "clean"
    assert db.session.scalar(select(func.count(Person.id)).where(Person.kind == "child")) == 2
    assert "ID_DUPLICATE" not in rules[6] and "ID_DUPLICATE" not in open_rules(hoa)
    # Re-screens (the record page's path: the pair joins the set; a whole-unit rebuild) agree.
    rescreen(db.session, [hoa], DAY)
    rebuild_findings(db.session, unit, DAY)
    db.session.commit()
    for person in (hoa, quan, people[6], people[7]):
        assert not open_rules(person) & {"ID_DUPLICATE", "DUPLICATE_PERSON"}, person.full_name
    assert "GUARDIAN_MISSING" in open_rules(people[4])
    assert "GUARDIAN_MISSING" not in open_rules(people[0])
    assert "AGE_OUT_OF_SCOPE" not in open_rules(people[0])
    assert open_rules(people[3]) == {"ALLOWANCE_CATEGORY_UNKNOWN"}
    assert "ID_CENTURY_MISMATCH" in open_rules(people[2])


def test_reimport_matches_within_the_kind_and_remembers_the_mapping_per_kind(app, make):
    unit = make.unit()
    hoa, _quan = children(make, unit)
    import_beneficiaries(app, unit)
    changed = [list(r) for r in ROWS]
    changed[0][9] = "600.000"  # the allowance changed in the software
    run, outcome = import_beneficiaries(app, unit, changed)
    assert (outcome.summary["created"], outcome.summary["updated"]) == (0, 1)
    assert outcome.summary["disappeared"] == 0  # the children are not "absent" from this file
    lanh = db.session.scalar(select(Person).where(Person.full_name == "Nguyễn Thị Lành"))
    assert lanh.allowance_amount == 600000
    event = db.session.scalar(
        select(PersonEvent).where(
            PersonEvent.person_id == lanh.id, PersonEvent.field == "allowance_amount"
        )
    )
    assert (event.old_value, event.new_value, event.source) == ("540000", "600000", "export")
    # A children's export of the same unit: its own mapping, and the ID shared with the linked
    # beneficiary updates the child record, never the beneficiary's.
    child_header = exports.HEADER
    data = exports.simple_xlsx(
        child_header,
        [
            exports.row(
                1, "Phạm Thị Hoa", "05/03/2015", sex="Nữ", idn=HOA_ID, father="Phạm Văn Sơn"
            )
        ],  # fmt: skip
    )
    run = upload(app, unit, data, "child")
    assert "allowance_category" not in run.mapping.values()
    outcome = import_now(db.session, run, screening_date=DAY, apply=True, max_rows=1000)
    db.session.commit()
    # Matched to the child record; the 8 beneficiaries (from an export too) are not "absent".
    assert (outcome.summary["created"], outcome.summary["disappeared"]) == (0, 0)
    kinds = db.session.execute(select(ColumnMapping.person_kind)).scalars().all()
    assert sorted(kinds) == ["beneficiary", "child"]
    assert "ID_DUPLICATE" not in open_rules(hoa)
    assert db.session.scalar(select(func.count(Person.id))) == 10


def test_a_batch_holds_one_kind_and_its_pdf_lists_beneficiaries(app, make, tmp_path):
    import subprocess

    from treem_app.services import batches

    unit = make.unit()
    children(make, unit)
    ready_child = make.person(unit, full_name="Lý Văn Sẵn", name_key="ly van san", status="ready")
    import_beneficiaries(app, unit)
    ready = db.session.scalars(
        select(Person.full_name).where(Person.kind == "beneficiary", Person.status == "ready")
    ).all()
    assert sorted(ready) == ["Lê Thị Mai", "Võ Thị Ngọc", "Đỗ Minh Quân"]
    officer = make.user("officer", unit)
    batch = batches.create_draft(db.session, unit, user=officer, today=DAY, kind="beneficiary")
    assert batch.person_kind == "beneficiary" and batch.row_count == 3
    # The ready child is not in it, and cannot be added to it.
    assert batches.add_persons(db.session, batch, [ready_child.id], user=officer) == 0
    kids = batches.create_draft(db.session, unit, user=officer, today=DAY)
    assert kids.person_kind == "child" and [r.person_id for r in kids.rows] == [ready_child.id]
    batches.issue(db.session, batch, user=officer, today=DAY)
    db.session.commit()
    snap = {r.snapshot["full_name"]: r.snapshot for r in batch.rows}
    assert snap["Võ Thị Ngọc"]["allowance_category"] == CARE
    pdf, xlsx = batches.render_documents(
        db.session, batch, tmp_path, public_url="http://treem.test", workers=1
    )
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    flat = " ".join(text.split())
    assert "Đối tượng bảo trợ xã hội đề nghị Công an xác thực số định danh cá nhân" in flat
    assert "Diện hưởng trợ giúp xã hội" in flat and "Cha, mẹ, người giám hộ" not in flat
    assert "Tổng số: 3 đối tượng." in flat
    assert "Đối tượng hưởng hỗ trợ kinh phí chăm sóc, nuôi dưỡng hàng tháng" in flat
    assert "Võ Văn Lực" not in flat  # the carer is not the column; parents are not printed
    assert xlsx.exists()
    out = Path(os.environ.get("TREEM_LOOK_DIR", tmp_path))
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                    str(out / "beneficiary-batch")], check=True)  # fmt: skip
