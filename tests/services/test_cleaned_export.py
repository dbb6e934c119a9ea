"""Step 4, the export of the cleaned records (service and `treem export cleaned`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.files.xlsx_read import choose_sheet, read_head
from treem_app.models import AccessLog, ImportRun, Person
from treem_app.services import findings, persons, review
from treem_app.services.cleaned_export import ExportRefused, export_cleaned
from treem_app.services.roster_import import import_now
from treem_app.services.roster_upload import store_upload

from .. import exports
from ..exports import DAY

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def import_export(app, unit, rows, name="xuat.xlsx") -> ImportRun:
    """Import a national-software-like export (title rows, a merged two-row header) for real."""
    data = exports.export_bytes(unit, rows)
    run = store_upload(
        db.session, unit, None, name, data, files_dir=app.config["TREEM_FILES_DIR"],
        max_bytes=25 * 1024 * 1024, max_rows=1000,
    )  # fmt: skip
    import_now(db.session, run, screening_date=DAY, apply=True, max_rows=1000)
    db.session.commit()
    return run


def correct(person, field, value, *, source="household_visit", at=None, **derived):
    facts = {field: value, **derived}
    persons.set_fact(db.session, person, field, facts, source=source, at=at)
    findings.rescreen(db.session, [person], DAY)
    db.session.commit()


def add_new_child(unit, officer) -> Person:
    """A child the officer added in treem ("Hà Thị Mới", not yet in the software), committed."""
    new = review.add_child(
        db.session, unit, {"full_name": "Hà Thị Mới", "dob": "07/08/2019", "sex": "Nữ",
                           "ethnicity": "Tày", "mother_name": "Hà Thị Mẹ", "hamlet": "Thôn An Hòa"},
        user=officer, source="household_visit", note=None, today=DAY, confirmed=True,
    )  # fmt: skip
    db.session.commit()
    return new


def clean_rows(n=6):
    """Children the screening reads without fixing anything (the software's values stand)."""
    rows = exports.child_rows(n, defect_rate=0.0)
    for i, r in enumerate(rows):
        r["dob"] = dt.date(2015, 1, 1 + i)
        r["sex"] = "Nam"
        r["ethnicity"] = "Kinh"
    return rows


@pytest.fixture
def commune(app, make):
    unit = make.unit("Xã Phú Thử", code="C0101")
    run = import_export(app, unit, clean_rows())
    people = list(db.session.scalars(select(Person).where(Person.unit_id == unit.id)
                                     .order_by(Person.national_key)))  # fmt: skip
    return unit, run, people


def by_key(people, key):
    return next(p for p in people if p.national_key == key)


def read_back(path):
    ws = load_workbook(path).active
    return ws, [[c.value for c in row] for row in ws.iter_rows(min_row=8)]


def test_the_change_list_in_the_layout_of_the_last_import(app, make, commune, tmp_path):
    unit, run, people = commune
    officer = make.user("officer", unit)
    assert {p.sync_state for p in people} == {"synced"}
    first, second = people[0], people[1]
    correct(first, "id_number", "052215009876", source="police")
    correct(second, "full_name", "=1+2", name_key="=1+2")
    correct(second, "father_name", "-Trần Văn Cả")
    correct(second, "mother_name", "+Lê Thị Dung")
    correct(second, "guardian_name", "@Phạm Văn Em")
    new = add_new_child(unit, officer)
    out = tmp_path / "sach.xlsx"
    summary = export_cleaned(db.session, unit, out, user=officer)
    db.session.commit()
    assert summary["rows"] == 3 and summary["import_id"] == run.id

    # The rows above the data are the imported file's, cell by cell (merged ranges too), and
    # the export is read with the same header and mapping as the import.
    source_head, source_merged = read_head(Path(run.stored_path), "xlsx", run.sheet, 7)
    copy_head, copy_merged = read_head(out, "xlsx", run.sheet, 7)
    assert copy_head == source_head and sorted(copy_merged) == sorted(source_merged)
    again = choose_sheet(out, "xlsx").header
    assert (again.header_row, again.data_start, again.mapping) == (4, 7, run.mapping)

    ws, rows = read_back(out)
    assert len(rows) == 3
    by_name = {r[2]: r for r in rows}
    mine = by_name[first.full_name]
    assert mine[1] == first.national_key and mine[6] == "052215009876"
    assert mine[3] == first.dob.strftime("%d/%m/%Y") and mine[4] == "Nam" and mine[5] == "Kinh"
    added = by_name["Hà Thị Mới"]
    assert added[1] is None  # not in the software yet
    assert added[3:7] == ["07/08/2019", "Nữ", "Tày", None] and added[8] == "Hà Thị Mẹ"
    assert [r[0] for r in rows] == [1, 2, 3]  # STT numbered again
    # Every formula-like text is neutralised; no cell holds a formula.
    assert by_name["'=1+2"][7:10] == ["'-Trần Văn Cả", "'+Lê Thị Dung", "'@Phạm Văn Em"]
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(DANGEROUS)
    # IDs and dates are text cells formatted as text; so is a new child's empty ID cell, where
    # the officer types the number the police give (12 digits typed into a General cell lose
    # their leading 0 and show as 5.22E+10).
    blank_ids = 0
    for r in range(8, 11):
        ident, dob = ws.cell(r, 7), ws.cell(r, 4)
        assert dob.data_type == "s" and dob.number_format == "@"
        assert ident.number_format == "@"
        if ident.value is not None:
            assert ident.data_type == "s" and len(ident.value) == 12
        else:
            blank_ids += 1
    assert blank_ids == 1
    assert new.sync_state == "pending"

    log = db.session.scalars(select(AccessLog)).all()
    assert [(a.user_id, a.action, a.person_id) for a in log] == [(officer.id, "export", None)]
    assert unit.code in log[0].detail and "3 hồ sơ" in log[0].detail


def test_since_keeps_the_records_changed_in_treem_from_that_day(app, make, commune, tmp_path):
    unit, _run, people = commune
    early = dt.datetime(2026, 6, 19, 16, 59)  # 23:59 on 19/06 in Vietnam
    late = dt.datetime(2026, 6, 19, 17, 0)  # 00:00 on 20/06 in Vietnam
    correct(people[0], "father_name", "Đỗ Văn Sớm", at=early)
    correct(people[1], "father_name", "Đỗ Văn Muộn", at=late)
    out = tmp_path / "tu-ngay.xlsx"
    assert export_cleaned(db.session, unit, out, since=dt.date(2026, 6, 20))["rows"] == 1
    assert [r[7] for r in read_back(out)[1]] == ["Đỗ Văn Muộn"]
    assert export_cleaned(db.session, unit, out, since=dt.date(2026, 6, 19))["rows"] == 2
    assert export_cleaned(db.session, unit, out, since=dt.date(2026, 6, 21))["rows"] == 0
    ws, rows = read_back(out)
    assert rows == [] and ws["A5"].value == "STT"  # the header alone


def test_a_commune_without_an_applied_import_is_refused(app, make, tmp_path):
    unit = make.unit()
    make.person(unit)
    out = tmp_path / "x.xlsx"
    with pytest.raises(ExportRefused, match="chưa nhập tệp xuất"):
        export_cleaned(db.session, unit, out)
    assert not out.exists() and db.session.scalars(select(AccessLog)).all() == []


@pytest.fixture
def runner(app, ctx):
    return app.test_cli_runner()


def test_cli_export_cleaned(runner, app, make, commune, tmp_path):
    unit, _run, people = commune
    correct(people[2], "mother_name", "Lý Thị Hoa")
    out = tmp_path / "ra" / "sach.xlsx"
    result = runner.invoke(main, ["export", "cleaned", "--unit", unit.code, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    assert [r[8] for r in read_back(out)[1]] == ["Lý Thị Hoa"]
    args = ["export", "cleaned", "--unit", unit.code, "--out", str(out), "--since", "2099-01-01"]
    assert runner.invoke(main, args).exit_code == 0
    assert read_back(out)[1] == []
    log = db.session.scalars(select(AccessLog).order_by(AccessLog.id)).all()
    assert [(a.user_id, a.action) for a in log] == [(None, "export"), (None, "export")]
    assert not list(out.parent.glob(".*.part"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "NOPE"], "không có đơn vị"),
        (["--unit", "{bare}"], "chưa nhập tệp xuất"),
        (["--unit", "{district}"], "không phải xã/phường"),
        (["--unit", "{bare}", "--since", "20/06/2026"], "YYYY-MM-DD"),
        (["--unit", "{bare}", "--out-csv"], "--out phải là tệp .xlsx"),
    ],
)
def test_cli_bad_input_exits_2_and_writes_nothing(runner, make, tmp_path, args, message):
    tree = make.tree()
    make.person(tree["a"])
    out = tmp_path / "sach.xlsx"
    if "--out-csv" in args:
        args = [a for a in args if a != "--out-csv"]
        out = tmp_path / "sach.csv"
    args = [a.format(bare=tree["a"].code, district=tree["district"].code) for a in args]
    result = runner.invoke(main, ["export", "cleaned", *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == "" and not out.exists()
    assert db.session.scalars(select(AccessLog)).all() == []


def test_step_4_by_kind_and_the_beneficiaries_layout(app, make, commune, tmp_path, client, login):
    """Issue 17: the change list, its counts and the export filtered by kind; the export of
    the beneficiaries copies the layout of the commune's last beneficiary import, the
    children's that of the last children's import (even when a beneficiary import came
    later)."""
    from treem_app.services import software_sync as sync

    from .test_beneficiaries import HEADER, import_beneficiaries

    unit, child_run, people = commune
    officer = make.user("officer", unit)
    with pytest.raises(ExportRefused, match="đối tượng bảo trợ xã hội"):
        export_cleaned(db.session, unit, tmp_path / "none.xlsx", kind="beneficiary")
    ben_run, _outcome = import_beneficiaries(app, unit)
    correct(people[0], "father_name", "Ngô Văn Bố")
    ben = db.session.scalar(select(Person).where(Person.unit_id == unit.id,
                                                 Person.full_name == "Trần Văn Cường"))  # fmt: skip
    correct(ben, "full_name", "Trần Văn Cương", name_key="tran van cuong")
    pending = set(db.session.scalars(sync.change_query(unit, "all", "beneficiary")))
    assert ben in pending and people[0] not in pending
    children_only = set(db.session.scalars(sync.change_query(unit, "all", "child")))
    assert people[0] in children_only and ben not in children_only
    both = sync.change_counts(db.session, unit)["all"]
    assert both == (sync.change_counts(db.session, unit, "child")["all"]
                    + sync.change_counts(db.session, unit, "beneficiary")["all"])  # fmt: skip

    out = tmp_path / "doi-tuong.xlsx"
    summary = export_cleaned(db.session, unit, out, user=officer, kind="beneficiary")
    assert summary["import_id"] == ben_run.id
    ws = load_workbook(out).active
    assert [c.value for c in ws[1]][: len(HEADER)] == HEADER  # the beneficiaries' columns
    names = [r[1] for r in ws.iter_rows(min_row=2, values_only=True) if r[1]]
    assert "Trần Văn Cương" in names and people[0].full_name not in names
    kids = export_cleaned(db.session, unit, tmp_path / "tre.xlsx", kind="child")
    assert kids["import_id"] == child_run.id
    db.session.commit()

    login(officer)
    page = client.get("/changes?kind=beneficiary").get_data(as_text=True)
    assert "Trần Văn Cương" in page and people[0].full_name not in page
    assert 'name="kind"' in page
    resp = client.get("/changes/export.xlsx?kind=beneficiary")
    assert resp.status_code == 200 and "doi-tuong-bao-tro" in resp.headers["Content-Disposition"]
    assert client.get("/changes/export.xlsx?kind=adult").status_code == 400
