import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from treem_app.domain.findings import RULE_LABELS
from treem_app.extensions import db
from treem_app.files.upload_checks import UploadError
from treem_app.models import ColumnMapping, Conflict, Finding, ImportRun, Person, PersonEvent
from treem_app.services import bulk_sql, roster_merge, roster_upload
from treem_app.services.conflicts import resolve_conflict
from treem_app.services.roster_import import annotate, run_import
from treem_app.services.roster_upload import confirm_mapping, store_upload

from .. import exports
from ..exports import DAY, HEADER, row


def upload(app, unit, data, name="export.xlsx", max_rows=1000):
    return store_upload(
        db.session,
        unit,
        None,
        name,
        data,
        files_dir=app.config["TREEM_FILES_DIR"],
        max_bytes=25 * 1024 * 1024,
        max_rows=max_rows,
    )


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def stored_files(app, unit):
    folder = Path(app.config["TREEM_FILES_DIR"]) / "imports" / unit.code
    return sorted(folder.glob("*")) if folder.exists() else []


def test_sample_export_is_found_mapped_and_a_dry_run_writes_nothing(app, make):
    unit = make.unit()
    rows = exports.child_rows(40)
    run = upload(app, unit, exports.export_bytes(unit, rows))
    assert run.sheet == "Danh sách trẻ em" and run.header_row == 4 and run.data_start == 7
    assert run.summary["skipped_sheets"] == ["Hướng dẫn"]
    assert set(run.mapping.values()) >= {"national_key", "full_name", "dob", "id_number"}
    outcome = run_import(db.session, run, screening_date=DAY, apply=False)
    assert outcome.summary["rows"] == 40 and outcome.summary["created"] == 40
    assert count(Person) == 0 and count(PersonEvent) == 0
    assert min(f["row"] for f in outcome.cli_findings) >= 8  # Excel rows, below the header


def test_apply_creates_persons_with_history_and_findings(app, make):
    unit = make.unit()
    data = exports.simple_xlsx(
        HEADER,
        [
            row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),
            row(2, "trần  thị bích", "31/02/2016", sex="Nữ", eth="Kinhh", father=None),
            row(3, "Lê Minh Khang", "năm 2014", idn="12345"),
        ],
    )
    run = upload(app, unit, data)
    outcome = run_import(db.session, run, screening_date=DAY, apply=True)
    db.session.commit()
    assert outcome.summary["created"] == 3
    persons = db.session.scalars(select(Person).order_by(Person.id)).all()
    assert [p.full_name for p in persons] == ["Nguyễn Văn An", "Trần Thị Bích", "Lê Minh Khang"]
    assert persons[0].status == "clean" and persons[0].id_source == "export"
    rules = {(f.person_id, f.rule) for f in db.session.scalars(select(Finding))}
    assert (persons[1].id, "DOB_INVALID") in rules
    assert (persons[1].id, "ETHNICITY_UNKNOWN") in rules
    assert (persons[2].id, "ID_FORMAT") in rules and (persons[2].id, "DOB_PARTIAL") in rules
    events = db.session.scalars(select(PersonEvent).where(PersonEvent.person_id == persons[1].id))
    by_field = {e.field: e for e in events}
    assert by_field["person"].source == "export" and "dòng 3" in by_field["person"].note
    assert by_field["full_name"].old_value == "trần  thị bích"  # the raw name is kept
    assert "Kinhh" in by_field["ethnicity"].note  # the unreadable raw value is not lost
    by_row = {f["row"]: f["rule"] for f in outcome.cli_findings if f["rule"] == "DOB_INVALID"}
    assert by_row == {3: "DOB_INVALID"}  # the Excel row of the second child
    # The persons behind each rule of the summary (for its links into the work queue).
    assert outcome.affected["DOB_INVALID"] == [persons[1].id]
    assert outcome.affected["ID_FORMAT"] == [persons[2].id]
    assert sorted(outcome.affected) == sorted(outcome.summary["by_rule"])
    dry = run_import(db.session, upload(app, unit, data), screening_date=DAY, apply=False)
    assert dry.affected == {} and dry.summary["by_rule"]


def newer_export(app, unit, rows):
    run = upload(app, unit, exports.simple_xlsx(HEADER, rows))
    return run, run_import(db.session, run, screening_date=DAY, apply=True)


def test_reimport_merges_keeps_corrections_records_conflicts_and_flags_the_missing(app, make):
    unit = make.unit()
    first = [
        row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),
        row(2, "Trần Thị Bích", "07/08/2016", sex="Nữ", father="Trần Văn Cường"),
        row(3, "Lê Minh Khang", "01/01/2014", father="Lê Văn Dũng"),
    ]
    newer_export(app, unit, first)
    db.session.commit()
    an, bich, khang = db.session.scalars(select(Person).order_by(Person.id)).all()
    # The officer corrects Bích's date of birth in treem (a household visit).
    bich.dob = dt.date(2016, 8, 17)
    db.session.add(
        PersonEvent(person=bich, field="dob", old_value="07/08/2016", new_value="17/08/2016",
                    source="household_visit")
    )  # fmt: skip
    db.session.commit()

    second = [
        row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123", eth="Tày"),  # export changed
        # The software now says a third date: neither its old one nor treem's correction.
        row(2, "Trần Thị Bích", "27/08/2016", sex="Nữ", father="Trần Văn Cường"),  # disagrees
        row(4, "Phạm Gia Huy", "02/02/2020", father="Phạm Văn Tú"),  # new
    ]
    run, outcome = newer_export(app, unit, second)
    db.session.commit()
    huy = db.session.scalar(select(Person).where(Person.full_name == "Phạm Gia Huy"))
    assert set(outcome.affected["ID_MISSING"]) == {bich.id, huy.id}  # matched and new
    s = outcome.summary
    assert (s["rows"], s["created"], s["updated"], s["unchanged"]) == (3, 1, 1, 1)
    assert s["conflicts"] == 1 and s["disappeared"] == 1
    db.session.expire_all()
    assert an.ethnicity == "02"  # Tày (code 02), from the export
    assert bich.dob == dt.date(2016, 8, 17)  # the correction is kept
    conflicts = db.session.scalars(select(Conflict).order_by(Conflict.id)).all()
    value, absent = conflicts
    assert (value.person_id, value.field, value.export_value) == (bich.id, "dob", "27/08/2016")
    assert value.current_value == "17/08/2016" and value.row == 3
    assert (absent.kind, absent.person_id) == ("absent", khang.id)
    assert db.session.get(Person, khang.id) is not None  # flagged, never deleted
    # Re-running the same file changes nothing and adds no duplicate conflicts.
    outcome = run_import(db.session, run, screening_date=DAY, apply=True)
    db.session.commit()
    assert outcome.summary["created"] == 0 and outcome.summary["updated"] == 0
    assert count(Conflict) == 2 and count(Person) == 4
    # The officer takes the export's value after all.
    resolve_conflict(db.session, value, "export", None, DAY)
    db.session.commit()
    assert db.session.get(Person, bich.id).dob == dt.date(2016, 8, 27)
    assert value.status == "resolved"


def test_a_weekly_reimport_writes_only_what_changed(app, make):
    """The same children a week later: unchanged persons are not written at all (no version
    bump, no event); a finding that now applies (a child turned 16) is opened and ranked."""
    unit = make.unit()
    rows = [
        row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),
        row(
            2, "Trần Thị Bích", "20/06/2010", sex="Nữ", idn="052310000456", father="Trần Văn Cường"
        ),
        row(3, "Lê Minh Khang", "01/01/2014", father="Lê Văn Dũng", eth="Kinhh"),  # a warning
    ]
    data = exports.simple_xlsx(HEADER, rows)
    run_import(db.session, upload(app, unit, data), screening_date=DAY, apply=True)
    db.session.commit()
    before = {p.id: (p.version, p.status, p.open_rank) for p in db.session.scalars(select(Person))}
    events, findings = count(PersonEvent), count(Finding)
    an, bich, khang = db.session.scalars(select(Person).order_by(Person.id)).all()
    assert bich.open_rank == 2 and "AGE_OUT_OF_SCOPE" not in {f.rule for f in bich.findings}

    later = DAY + dt.timedelta(days=7)
    outcome = run_import(db.session, upload(app, unit, data), screening_date=later, apply=True)
    db.session.commit()
    assert (outcome.summary["updated"], outcome.summary["unchanged"]) == (0, 3)
    db.session.expire_all()
    assert (an.version, an.status, an.open_rank) == before[an.id]
    assert (khang.version, khang.open_rank) == (before[khang.id][0], before[khang.id][2])
    assert count(PersonEvent) == events
    opened = {f.rule for f in bich.findings if f.status == "open"}
    assert "AGE_OUT_OF_SCOPE" in opened and count(Finding) == findings + 1
    assert bich.open_rank == 1  # AGE_OUT_OF_SCOPE is a warning


def test_the_annotated_copy_highlights_faulty_cells(app, make, tmp_path):
    unit = make.unit()
    rows = [row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),
            row(2, "@Nguyễn An", "31/02/2016", idn="9999")]  # fmt: skip
    run = upload(app, unit, exports.simple_xlsx(HEADER, rows))
    outcome = run_import(db.session, run, screening_date=DAY, apply=False)
    path = annotate(run, outcome, tmp_path)
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    assert ws.cell(1, 10).value == "Kết quả rà soát (treem)"
    assert ws.cell(2, 10).value is None  # a clean row
    assert "không phải ngày có thật" in ws.cell(3, 10).value
    assert ws.cell(3, 3).fill.start_color.rgb.endswith("FFC7CE")  # the date cell, in red
    assert ws.cell(3, 6).fill.start_color.rgb.endswith("FFC7CE")  # the ID cell
    assert ws.cell(2, 3).fill.fill_type is None
    assert ws.cell(3, 2).value == "'@Nguyễn An"  # never a formula
    summary = wb["Tổng hợp"]
    assert summary.cell(1, 1).value == "Loại lỗi"
    labels = set(RULE_LABELS.values())
    assert summary.cell(2, 1).value in labels  # a label, not a code
    wb.close()


def test_the_confirmed_mapping_is_remembered_for_the_next_file(app, make):
    unit = make.unit()
    header = ["STT", "Họ và tên", "Ngày sinh", "Người chăm sóc", "Thôn"]
    data = exports.simple_xlsx(header, [[1, "Nguyễn Văn An", "05/03/2015", "Lê Thị C", "T1"]])
    run = upload(app, unit, data)
    assert 3 not in run.mapping
    confirm_mapping(db.session, run, {**run.mapping, 3: "guardian_name"}, None)
    db.session.commit()
    assert db.session.scalar(select(ColumnMapping)).mapping[3] == "guardian_name"
    again = upload(app, unit, data)
    assert again.mapping[3] == "guardian_name"


def bad(app, unit, data, name="export.xlsx", max_rows=1000):
    before = stored_files(app, unit)
    with pytest.raises(UploadError) as exc:
        upload(app, unit, data, name, max_rows)
    db.session.rollback()
    assert count(ImportRun) == 0 and count(Person) == 0
    assert stored_files(app, unit) == before  # nothing kept
    return str(exc.value)


def test_bad_workbooks_are_refused_with_nothing_written(app, make):
    unit = make.unit()
    import io

    from openpyxl import Workbook

    empty = io.BytesIO()
    Workbook().save(empty)
    assert "không có dữ liệu" in bad(app, unit, empty.getvalue())
    assert "không có dòng dữ liệu" in bad(app, unit, exports.simple_xlsx(HEADER, []))
    no_header = exports.simple_xlsx(["Báo cáo", "Tháng 6"], [["a", "b"], [1, 2]])
    assert "Không tìm thấy dòng tiêu đề" in bad(app, unit, no_header)
    assert "công thức" in bad(app, unit, exports.formula_workbook())
    many = exports.simple_xlsx(HEADER, [row(i, "Nguyễn Văn An", "05/03/2015") for i in range(12)])
    assert "vượt giới hạn 10 dòng" in bad(app, unit, many, max_rows=10)
    assert "đặt mật khẩu" in bad(app, unit, exports.encrypted_workbook())
    assert "nghi là tệp nén độc hại" in bad(app, unit, exports.zip_bomb())
    assert "không phải bảng tính" in bad(app, unit, b"just text, not a sheet", "ds.xlsx")


def test_a_legacy_xls_is_read_and_its_formulas_refused(app, make):
    unit = make.unit()
    rows = [
        row(1, "Nguyễn Văn An", dt.date(2015, 3, 5), idn="052215000123"),
        row(2, "Trần Thị Bình", "05/04/2016"),
    ]
    # A formula in one data cell, even one another program cached nothing for: refused.
    with_formula = exports.simple_xls(HEADER, rows, formula_at=(1, 1))
    assert "công thức" in bad(app, unit, with_formula, "ds.xls")
    data = exports.simple_xls(HEADER, rows, sheets={"Ghi chú": [["Báo cáo"], ["Tháng 6"]]})
    run = upload(app, unit, data, "ds.xls")
    assert run.kind == "xls" and run.sheet == "Danh sách trẻ em"
    outcome = run_import(db.session, run, screening_date=DAY, apply=True)
    db.session.commit()
    assert outcome.summary["created"] == 2
    an = db.session.scalar(select(Person).where(Person.id_number == "052215000123"))
    assert an.full_name == "Nguyễn Văn An" and an.dob == dt.date(2015, 3, 5)
    # A formula on another sheet than the children's list does not matter.
    other = exports.simple_xls(HEADER, rows, sheets={"Tổng hợp": [["Tổng", "=1+1"]]})
    assert upload(app, make.unit(), other, "ds.xls").kind == "xls"


def test_a_macro_enabled_book_is_read_for_its_values(app, make):
    unit = make.unit()
    run = upload(app, unit, exports.macro_workbook(), "ds.xlsm")
    assert run.macros_removed and run.kind == "xlsx"
    outcome = run_import(db.session, run, screening_date=DAY, apply=True)
    assert outcome.summary["created"] == 1


def test_the_wrong_sheet_is_skipped_and_csv_works(app, make):
    unit = make.unit()
    notes = {"Hướng dẫn": [["Hướng dẫn nhập liệu"], ["Cột A: số thứ tự"]]}
    data = exports.simple_xlsx(HEADER, [row(1, "Nguyễn Văn An", "05/03/2015")], sheets=notes)
    run = upload(app, unit, data)
    assert run.sheet == "Danh sách" and run.summary["skipped_sheets"] == ["Hướng dẫn"]
    csv = "Ho va ten;Ngay sinh;Gioi tinh;Ho ten me\nNguyễn Thị Lan;05/03/2015;Nữ;Lê Thị Hoa\n"
    run = upload(app, unit, csv.encode("utf-8-sig"), "ds.csv")
    outcome = run_import(db.session, run, screening_date=DAY, apply=False)
    assert outcome.summary["rows"] == 1 and outcome.cli_findings[0]["row"] == 2


def _index_sql():
    rows = db.session.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('persons', 'person_events', 'findings')"
        )
    )
    return dict(rows.all())


def test_a_first_import_writes_creation_events_and_keeps_the_schema(app, make):
    unit = make.unit()
    sqlite = db.engine.dialect.name == "sqlite"
    before = _index_sql() if sqlite else None
    run = upload(app, unit, exports.export_bytes(unit, exports.child_rows(40)))
    outcome = run_import(db.session, run, screening_date=DAY, apply=True)
    db.session.commit()
    assert outcome.summary["created"] == 40 and count(Person) == 40
    assert count(PersonEvent) >= 40 and count(Finding) == sum(outcome.summary["by_rule"].values())
    # One creation event per person, naming the Excel row, before the person's other events.
    note = f"Nhập từ tệp «export.xlsx» (lần nhập #{run.id}), dòng "
    rows_of = {}
    for person in db.session.scalars(select(Person).order_by(Person.id)):
        created = [e for e in person.events if e.field == "person"]
        assert len(created) == 1 and person.events[0] is created[0]
        event = created[0]
        assert (event.source, event.new_value, event.old_value) == (
            "export",
            "Hồ sơ mới từ tệp xuất",
            None,
        )
        assert event.note.startswith(note) and event.at == person.created_at
        rows_of[person.id] = int(event.note.removeprefix(note))
    assert sorted(rows_of.values()) == list(rows_of.values())  # ids follow the Excel rows
    assert list(rows_of.values()) == list(range(8, 48))
    if sqlite:
        assert _index_sql() == before and len(before) >= 7
        plan = db.session.execute(
            text("EXPLAIN QUERY PLAN SELECT id FROM persons WHERE id_number = '052215000123'")
        ).all()
        assert "ix_persons_id_number" in str(plan)
        cache = db.session.connection().connection.dbapi_connection.execute("PRAGMA cache_size")
        assert cache.fetchone()[0] != -bulk_sql.BULK_CACHE_KIB  # set back


def test_an_import_failing_while_writing_leaves_nothing(app, make, monkeypatch):
    unit = make.unit()
    sqlite = db.engine.dialect.name == "sqlite"
    before = _index_sql() if sqlite else None
    run = upload(app, unit, exports.export_bytes(unit, exports.child_rows(40)))
    db.session.commit()
    real = roster_merge.bulk_insert

    def failing(conn, table, columns, rows):
        real(conn, table, columns, rows)
        if table == "findings":
            raise RuntimeError("worker killed")

    monkeypatch.setattr(roster_merge, "bulk_insert", failing)
    with pytest.raises(RuntimeError):
        run_import(db.session, run, screening_date=DAY, apply=True)
    db.session.rollback()
    assert count(Person) == 0 and count(PersonEvent) == 0 and count(Finding) == 0
    if sqlite:
        assert _index_sql() == before


def test_a_person_saved_while_the_import_runs_stops_it_and_nothing_is_written(
    app, make, monkeypatch
):
    unit = make.unit()
    first = [row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123")]
    newer_export(app, unit, first)
    db.session.commit()
    an = db.session.scalar(select(Person))
    events = count(PersonEvent)
    newer = [row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123", eth="Tày")]
    run = upload(app, unit, exports.simple_xlsx(HEADER, newer))
    db.session.commit()
    planned = roster_merge.RosterMerge.plan_updates

    def officer_saves_meanwhile(self, *args):
        planned(self, *args)  # the plan is made from what was read...
        with db.engine.begin() as other:  # ...then an officer saves the record elsewhere
            other.execute(
                text(
                    "UPDATE persons SET hamlet = 'Thôn Mới', version = version + 1 WHERE id = :id"
                ),
                {"id": an.id},
            )

    monkeypatch.setattr(roster_merge.RosterMerge, "plan_updates", officer_saves_meanwhile)
    with pytest.raises(roster_upload.ImportError_) as exc:
        run_import(db.session, run, screening_date=DAY, apply=True)
    db.session.rollback()
    assert "vừa được sửa trong lúc nhập" in str(exc.value)
    db.session.expire_all()
    assert an.hamlet == "Thôn Mới" and an.ethnicity != "02"  # the officer's save stands
    assert count(PersonEvent) == events


def test_rows_after_the_table_are_not_children_and_are_counted_as_skipped(app, make):
    unit = make.unit()
    rows = [
        row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),
        HEADER,  # the header printed again (a second page)
        row(2, "Trần Thị Bích", "07/08/2016", sex="Nữ", father="Trần Văn Cường"),
        [3],  # an STT alone
        ["Tổng cộng: 2020 trẻ"],
        ["", "Người lập biểu", "", "", "", "", "Chủ tịch UBND xã"],
        ["", "Phước Hưng, ngày 05 tháng 6 năm 2026"],
        ["Ghi chú: số liệu tạm tính"],
    ]
    run, outcome = newer_export(app, unit, rows)
    db.session.commit()
    names = sorted(db.session.scalars(select(Person.full_name)))
    assert names == ["Nguyễn Văn An", "Trần Thị Bích"]
    assert outcome.summary["rows"] == 2 and outcome.summary["skipped_rows"] == 6
