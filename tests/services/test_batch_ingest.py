"""Step 3: the police's returned sheet reaches the records (issue 12)."""

import json

import pytest
from sqlalchemy import select

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.files.return_sheet import FIRST_ROW
from treem_app.models import Batch, BatchReturn, Finding, Person, PersonEvent
from treem_app.services.batch_ingest import ReturnRefused, ingest_file

from ..returns import TODAY, fill, issued_batch, right_id


def ingest(app, batch_id, path):
    result = app.test_cli_runner().invoke(
        main, ["batch", "ingest", str(batch_id), str(path), "--json"]
    )
    return result


def open_rules(person):
    return {
        f.rule
        for f in db.session.scalars(
            select(Finding).where(Finding.person_id == person.id, Finding.status == "open")
        )
    }


def test_a_clean_sheet_verifies_every_number_with_history(app, make, tmp_path):
    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 4, tmp_path)
    answers = {i + 1: (right_id(c, 100 + i), "Đã xác thực", None) for i, c in enumerate(children)}
    result = ingest(app, batch.id, fill(sheet, tmp_path / "back.xlsx", answers))
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["rows"] == 4 and out["verified"] == 4 and out["rejected"] == out["conflicts"] == 0
    assert [r["row"] for r in out["results"]] == list(range(FIRST_ROW, FIRST_ROW + 4))
    assert {r["status"] for r in out["results"]} == {"verified"}
    db.session.expire_all()
    for i, child in enumerate(children):
        assert child.id_number == right_id(child, 100 + i)
        assert child.id_source == "police" and child.status == "clean"
        event = db.session.scalar(
            select(PersonEvent).where(
                PersonEvent.person_id == child.id, PersonEvent.field == "id_number"
            )
        )
        assert event.source == "police" and batch.number in event.note
    batch = db.session.get(Batch, batch.id)
    assert batch.state == "returned" and all(r.open_person_id is None for r in batch.rows)
    stored = db.session.scalar(select(BatchReturn))
    assert stored.status == "applied" and len(stored.sha256) == 64


def test_rejections_keep_the_record_in_the_queue_with_a_reason(app, make, tmp_path):
    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 5, tmp_path)
    a, b, c, d, e = children
    wrong_sex = right_id(a)[:3] + str(int(right_id(a)[3]) ^ 1) + right_id(a)[4:]
    answers = {
        1: (wrong_sex, "Đã xác thực", None),
        2: (None, "Không khớp thông tin", "Sai tên mẹ"),
        3: (None, "khong tim thay", None),  # typed without accents
        4: ("05221", None, None),
        5: (right_id(e), "Đã xác thực", None),
    }
    out = json.loads(ingest(app, batch.id, fill(sheet, tmp_path / "b.xlsx", answers)).stdout)
    reasons = [r["reason"] for r in out["results"]]
    assert reasons == ["ID_SEX_MISMATCH", "POLICE_MISMATCH", "POLICE_NOT_FOUND", "ID_FORMAT", ""]
    assert out["rejected"] == 4 and out["verified"] == 1
    db.session.expire_all()
    assert a.id_number is None and "POLICE_ID_INVALID" in open_rules(a)
    assert a.status == "ready"  # the number could not be used: it goes to the police again
    assert "POLICE_MISMATCH" in open_rules(b) and b.status == "in_review"
    assert "POLICE_NOT_FOUND" in open_rules(c) and c.status == "in_review"
    msg = db.session.scalar(
        select(Finding.message).where(Finding.person_id == b.id, Finding.rule == "POLICE_MISMATCH")
    )
    assert "Sai tên mẹ" in msg
    # The officer corrects the facts after a visit: the answer no longer stands.
    from treem_app.services.findings import rescreen
    from treem_app.services.persons import set_fact

    set_fact(db.session, b, "mother_name", {"mother_name": "Trần Thị Hoa"}, source="officer")
    rescreen(db.session, [b], TODAY)
    db.session.commit()
    assert "POLICE_MISMATCH" not in open_rules(b) and b.status == "ready"


def test_conflicts_are_never_applied(app, make, tmp_path):
    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 3, tmp_path)
    a, b, c = children
    other = make.person(tree["a"], full_name="Lê Văn Khác", id_number=right_id(a, 555))
    db.session.commit()
    b.full_name = "Tên Đã Sửa Sau"  # changed in treem after the list was issued
    db.session.commit()
    c.id_number, c.id_source = right_id(c, 1), "export"  # already verified, another number
    db.session.commit()
    answers = {1: (right_id(a, 555), None, None), 2: (right_id(b), None, None),
               3: (right_id(c, 2), None, None)}  # fmt: skip
    out = json.loads(ingest(app, batch.id, fill(sheet, tmp_path / "c.xlsx", answers)).stdout)
    assert [r["reason"] for r in out["results"]] == [
        "ID_HELD_BY_OTHER",
        "RECORD_CHANGED",
        "ID_ALREADY_VERIFIED",
    ]
    assert out["conflicts"] == 3 and out["verified"] == 0
    db.session.expire_all()
    assert a.id_number is None and b.id_number is None and c.id_number == right_id(c, 1)
    assert other.id_number == right_id(a, 555)
    assert db.session.get(Batch, batch.id).state == "partly_returned"


def test_the_same_sheet_twice_changes_nothing_and_a_second_sheet_fills_the_gaps(
    app, make, tmp_path
):
    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 3, tmp_path)
    first = fill(sheet, tmp_path / "1.xlsx", {1: (right_id(children[0]), "Đã xác thực", None)})
    out = json.loads(ingest(app, batch.id, first).stdout)
    assert out["verified"] == 1 and out["empty"] == 2
    events = db.session.scalar(select(db.func.count()).select_from(PersonEvent))
    again = json.loads(ingest(app, batch.id, first).stdout)
    assert again["verified"] == 0 and again["unchanged"] == 1 and again["results"] == []
    assert db.session.scalar(select(db.func.count()).select_from(PersonEvent)) == events
    assert db.session.get(Batch, batch.id).state == "partly_returned"
    # A second, different sheet: fills the empty rows; a different answer for row 1 is a
    # conflict, reported, the first answer kept.
    second = fill(
        sheet,
        tmp_path / "2.xlsx",
        {
            1: (right_id(children[0], 999), "Đã xác thực", None),
            2: (right_id(children[1]), "Đã xác thực", None),
            3: (None, "Không tìm thấy", None),
        },
    )
    out = json.loads(ingest(app, batch.id, second).stdout)
    assert [(r["status"], r["reason"]) for r in out["results"]] == [
        ("conflict", "ANSWER_CHANGED"),
        ("verified", ""),
        ("rejected", "POLICE_NOT_FOUND"),
    ]
    db.session.expire_all()
    assert children[0].id_number == right_id(children[0])
    assert db.session.get(Batch, batch.id).state == "returned"


def _edit_name(ws):
    ws[f"C{FIRST_ROW}"] = "Tên Khác Hẳn"


def _swap_rows(ws):
    for col in "ABCDEFGHI":
        a, b = ws[f"{col}{FIRST_ROW}"], ws[f"{col}{FIRST_ROW + 1}"]
        a.value, b.value = b.value, a.value


def _delete_row(ws):
    ws.delete_rows(FIRST_ROW + 1)


def _add_row(ws):
    """A fourth child written under the list's three, in the same shape."""
    last = FIRST_ROW + 2
    for col in "ABCDEFGHIJ":
        ws[f"{col}{last + 1}"] = ws[f"{col}{last}"].value
    ws[f"A{last + 1}"], ws[f"B{last + 1}"], ws[f"C{last + 1}"] = "ZZ99", 4, "Trẻ Thêm Vào"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_edit_name, f"ô C{FIRST_ROW} (Họ và tên)"),
        (_swap_rows, "thứ tự các dòng"),
        (_delete_row, "Thiếu 1 dòng"),
        (_add_row, f"Dòng {FIRST_ROW + 3} không có trong danh sách (mã dòng «ZZ99»)"),
    ],
)
def test_a_tampered_sheet_is_refused_naming_the_place(app, make, tmp_path, edit, expected):
    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 3, tmp_path)
    answers = {i + 1: (right_id(c), None, None) for i, c in enumerate(children)}
    path = fill(sheet, tmp_path / "t.xlsx", answers, edit=edit)
    result = ingest(app, batch.id, path)
    assert result.exit_code == 2 and expected in result.stderr and result.stdout == ""
    db.session.expire_all()
    assert all(c.id_number is None for c in children)
    assert db.session.scalar(select(BatchReturn)) is None  # nothing written, not even the upload


def test_a_sheet_of_another_batch_is_refused(app, make, tmp_path):
    tree = make.tree()
    first, children, sheet = issued_batch(app, make, tree["a"], 2, tmp_path)
    second, _, _ = issued_batch(app, make, tree["a"], 2, tmp_path, seed=99)
    path = fill(sheet, tmp_path / "x.xlsx", {1: (right_id(children[0]), None, None)})
    with pytest.raises(ReturnRefused, match=f"danh sách số {first.number}"):
        ingest_file(db.session, second, path, user=None, today=TODAY)
    result = ingest(app, second.id, path)
    assert result.exit_code == 2 and "không phải của danh sách" in result.stderr


def test_a_resaved_sheet_with_numbers_typed_as_numbers_is_read(app, make, tmp_path):
    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 3, tmp_path)
    a, b, c = children
    answers = {
        1: (int(right_id(a)), "Đã xác thực", None),  # lost its leading zero
        2: (" " + ".".join([right_id(b)[:3], right_id(b)[3:6], right_id(b)[6:]]), None, None),
        3: (float(right_id(c)), "đã xác thực", None),
    }
    out = json.loads(ingest(app, batch.id, fill(sheet, tmp_path / "n.xlsx", answers)).stdout)
    assert out["verified"] == 3, out
    db.session.expire_all()
    assert [p.id_number for p in children] == [right_id(a), right_id(b), right_id(c)]


def test_a_cancelled_or_closed_batch_takes_no_answers(app, make, tmp_path):
    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 1, tmp_path)
    path = fill(sheet, tmp_path / "z.xlsx", {1: (right_id(children[0]), None, None)})
    batch.state = "cancelled"
    db.session.commit()
    result = ingest(app, batch.id, path)
    assert result.exit_code == 2 and "Đã hủy" in result.stderr
    db.session.expire_all()
    assert children[0].id_number is None


def test_a_duplicate_number_within_the_sheet_is_rejected_on_both_rows(app, make, tmp_path):
    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 2, tmp_path)
    a, b = children
    if a.sex != b.sex or a.dob.year != b.dob.year:
        b.sex, b.dob = a.sex, a.dob  # both rows could carry the number
    number = right_id(a)
    out = json.loads(
        ingest(app, batch.id, fill(sheet, tmp_path / "d.xlsx", {1: (number,), 2: (number,)})).stdout
    )
    # b's facts changed after issue only when adjusted above; either way nothing is applied.
    assert out["verified"] == 0
    assert out["results"][0]["reason"] == "ID_DUPLICATE"
    db.session.expire_all()
    assert db.session.scalar(select(Person).where(Person.id_number == number)) is None


MONTHLY = "Đối tượng hưởng trợ cấp bảo trợ xã hội hàng tháng"


def test_a_beneficiary_batch_returned_end_to_end(app, make, tmp_path):
    """A list of beneficiaries (issue 17): its PDF and return sheet show the allowance category
    where a children's list shows the parents; the sheet filled in by the police is recognised
    and its numbers reach the records; a changed category is refused by its column's name."""
    import subprocess
    from datetime import date

    from openpyxl import load_workbook

    from treem_app.domain.idnumber import make_id
    from treem_app.files.return_sheet import HEADER_ROW, SHEET

    unit = make.tree()["a"]
    people = [
        make.person(unit, kind="beneficiary", full_name=name, name_key=name.lower(),
                    dob=date(1941 + 20 * i, 3, 9), sex="MF"[i % 2], id_number=None,
                    allowance_category=MONTHLY, hamlet="Thôn Một", status="ready")
        for i, name in enumerate(("Phan Văn Tư", "Lê Thị Năm", "Đào Văn Sáu"))
    ]  # fmt: skip
    make.person(unit, full_name="Trần Văn Bé", status="ready")  # a child: not in the list
    runner = app.test_cli_runner()
    created = runner.invoke(
        main, ["batch", "create", "--unit", unit.code, "--kind", "beneficiary", "--json"]
    )
    assert created.exit_code == 0, created.stderr
    batch_id = json.loads(created.stdout)["id"]
    out = tmp_path / "issued"
    assert runner.invoke(main, ["batch", "issue", str(batch_id), "--out", str(out)]).exit_code == 0
    pdf = next(out.glob("*.pdf"))
    flat = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())  # fmt: skip
    assert "Diện hưởng trợ giúp xã hội" in flat and "Trần Văn Bé" not in flat
    sheet = next(out.glob("*.xlsx"))
    ws = load_workbook(sheet)[SHEET]
    assert ws[f"G{HEADER_ROW}"].value == "Diện hưởng trợ giúp xã hội"
    assert [ws[f"G{FIRST_ROW + i}"].value for i in range(3)] == [MONTHLY] * 3
    assert ws["A1"].value.startswith("DANH SÁCH ĐỐI TƯỢNG BẢO TRỢ XÃ HỘI ĐỀ NGHỊ")
    batch = db.session.get(Batch, batch_id)
    listed = [r.person for r in sorted(batch.rows, key=lambda r: r.position)]
    assert sorted(p.id for p in listed) == sorted(p.id for p in people)
    numbers = {i + 1: make_id("052", p.sex, p.dob.year, 300 + i) for i, p in enumerate(listed)}
    answers = {k: (v, "Đã xác thực", None) for k, v in numbers.items()}

    def change_category(w):
        w[f"G{FIRST_ROW}"] = "Trẻ em mồ côi"

    refused = ingest(app, batch_id, fill(sheet, tmp_path / "x.xlsx", answers, edit=change_category))
    assert refused.exit_code != 0
    assert f"ô G{FIRST_ROW} (Diện hưởng trợ giúp xã hội)" in refused.stderr
    result = ingest(app, batch_id, fill(sheet, tmp_path / "back.xlsx", answers))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["verified"] == 3
    db.session.expire_all()
    for i, person in enumerate(listed, 1):
        assert (person.id_number, person.id_source) == (numbers[i], "police")
        assert person.status == "clean" and person.kind == "beneficiary"
