"""Every spreadsheet treem writes, scanned cell by cell (issue 16): with children, guardians,
hamlets and police notes whose text begins like a formula, no cell of any sheet (hidden ones
included) is a formula, and no text cell begins with ``= + - @``, a tab or a carriage return.

The workbooks: the annotated copy of an import, the return sheet of an issued list, the
annotated copy of the police's returned sheet, the cleaned export (web and console), the report
workbook and the sample export offered on the import page.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from treem_app.cli import main
from treem_app.demo import write_sample_export
from treem_app.domain.names import name_key
from treem_app.extensions import db
from treem_app.files.return_sheet import FIRST_ROW, SHEET
from treem_app.models import Batch, BatchReturn, ImportRun, JobRun

from .. import exports
from ..returns import right_id

PAYLOADS = ["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "\t=1", "\r=1"]
# A carriage return written into a cell reads back as a line feed (XML normalises line ends):
# "\n" at the start of a cell read back is a "\r" payload written un-neutralised.
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")


def hostile(i: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)]


def scan(data: bytes, what: str) -> list[str]:
    """Every offending cell of a workbook, and the neutralised payloads it holds."""
    bad, seen = [], set()
    wb = load_workbook(io.BytesIO(data))  # formulas kept as formulas (not data_only)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                where = f"{what}!{ws.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    bad.append(f"{where} is a formula: {cell.value!r}")
                elif isinstance(cell.value, str):
                    text = cell.value.replace("\n", "\r")
                    if cell.value.startswith(DANGEROUS):
                        bad.append(f"{where} begins like a formula: {cell.value!r}")
                    for p in PAYLOADS:
                        if "'" + p in text:
                            seen.add(p)
    wb.close()
    return bad, seen


def hostile_csv() -> bytes:
    """An export saved as CSV whose text cells begin like formulas (CSV injection)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(exports.HEADER)
    for i in range(12):
        writer.writerow(
            [i + 1, hostile(i) if i % 2 else f"Nguyễn Văn {hostile(i)}", f"0{1 + i % 9}/03/2015",
             "Nam", "Kinh", "", hostile(i + 1), hostile(i + 2), hostile(i + 3)]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


def test_no_spreadsheet_treem_writes_holds_a_formula(
    app, make, client, login, post, run_jobs, tmp_path
):
    tree = make.tree()
    unit = tree["a"]
    officer = make.user("officer", unit)
    login(officer)
    workbooks: dict[str, bytes] = {}

    # 1. An import: the annotated copy of the export (CSV, the classic injection carrier).
    resp = post(
        "/imports",
        {"file": (io.BytesIO(hostile_csv()), "danh-sach.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:400]
    run = db.session.scalar(select(ImportRun))
    form = {f"col-{i}": f for i, f in run.mapping.items()}
    post(f"/imports/{run.id}/start", {**form, "mode": "apply"})
    run_jobs()
    assert db.session.scalar(select(JobRun)).status == "finished"
    copy = client.get(f"/imports/{run.id}/annotated.xlsx")
    workbooks["annotated import copy"] = copy.data
    copy.close()

    # 2. Children added in treem (on the change list, ready for the police) with hostile facts.
    for i in range(6):
        make.person(
            unit,
            full_name=hostile(i),
            name_key=name_key(hostile(i)) or f"x{i}",
            dob=date(2016, 1 + i, 3),
            mother_name=hostile(i + 1),
            father_name=hostile(i + 2),
            guardian_name=hostile(i + 3),
            hamlet=hostile(i + 4),
            id_number=None,
            status="ready",
        )
    runner = app.test_cli_runner()
    created = runner.invoke(main, ["batch", "create", "--unit", unit.code, "--json"])
    assert created.exit_code == 0, created.output
    batch_id = json.loads(created.stdout)["id"]
    out = tmp_path / "issued"
    issued = runner.invoke(main, ["batch", "issue", str(batch_id), "--out", str(out)])
    assert issued.exit_code == 0, issued.output
    sheet = next(out.glob("*.xlsx"))
    workbooks["return sheet"] = sheet.read_bytes()

    # 3. The police's sheet back with notes that begin like formulas (typed as text), and the
    # annotated copy of it that treem offers for download.
    batch = db.session.get(Batch, batch_id)
    rows = sorted(batch.rows, key=lambda r: r.position)
    wb = load_workbook(sheet)
    ws = wb[SHEET]
    for i, row in enumerate(rows):
        r = FIRST_ROW + i
        ws[f"J{r}"] = right_id(row.person, 400 + i) if i % 2 else None
        ws[f"K{r}"] = "Đã xác thực" if i % 2 else "Không tìm thấy"
        ws[f"L{r}"].value = hostile(i)
        ws[f"L{r}"].data_type = "s"  # what Excel stores for text typed in a text cell
    back = tmp_path / "tra-ve.xlsx"
    wb.save(back)
    resp = post(
        f"/batches/{batch_id}/returns",
        {"file": (io.BytesIO(back.read_bytes()), "tra-ve.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:400]
    run_jobs()
    ret = db.session.scalar(select(BatchReturn))
    assert ret.status == "applied", ret.message
    copy = client.get(f"/batches/{batch_id}/returns/{ret.id}/ket-qua.xlsx")
    assert copy.status_code == 200
    workbooks["annotated returned sheet"] = copy.data
    copy.close()

    # 4. The cleaned export, on the web and on the console.
    export = client.get("/changes/export.xlsx")
    assert export.status_code == 200
    workbooks["cleaned export (web)"] = export.data
    export.close()
    target = tmp_path / "sach.xlsx"
    done = runner.invoke(main, ["export", "cleaned", "--unit", unit.code, "--out", str(target)])
    assert done.exit_code == 0, done.output
    workbooks["cleaned export (console)"] = target.read_bytes()

    # 5. The report workbook (its attachment sheets list children by name and hamlet).
    target = tmp_path / "bao-cao.xlsx"
    done = runner.invoke(
        main,
        ["report", "weekly", "--unit", tree["province"].code, "--week", "2026-W10",
         "--out", str(target)],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    workbooks["report"] = target.read_bytes()

    # 6. The sample export (the demo's writer) with the same kind of rows.
    sample = io.BytesIO()
    rows = exports.child_rows(6, code=unit.code)
    for i, r in enumerate(rows):
        r.update(full_name=hostile(i), mother_name=hostile(i + 1), hamlet=hostile(i + 2))
    write_sample_export(unit, rows, sample, exported_on=date(2026, 6, 18))
    workbooks["sample export"] = sample.getvalue()

    problems, seen_in = [], {}
    for what, data in workbooks.items():
        bad, seen = scan(data, what)
        problems += bad
        seen_in[what] = seen
    assert problems == [], "\n".join(problems[:20])
    # Each workbook really carried the hostile text (neutralised), so the scan looked at it.
    for what, seen in seen_in.items():
        assert seen, f"{what}: none of the hostile texts reached it"
    every = set().union(*seen_in.values())
    assert every == set(PAYLOADS), every
    assert len(workbooks) == 7


def test_a_formula_the_police_typed_is_not_kept_in_the_annotated_copy(tmp_path):
    """The annotated copy re-saves the police's workbook: their cells go through the same
    neutralising as every other text, and a formula becomes its text."""
    from openpyxl import Workbook

    from treem_app.files.return_read import annotate_return

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws[f"L{FIRST_ROW}"] = '=HYPERLINK("http://x","bấm")'  # a real formula
    ws[f"L{FIRST_ROW + 1}"].value = "@SUM(1)"
    ws[f"L{FIRST_ROW + 1}"].data_type = "s"
    source = tmp_path / "in.xlsx"
    wb.save(source)
    target = io.BytesIO()
    annotate_return(source, target, {FIRST_ROW: ("Đã xác thực", "-1 ghi chú")})
    bad, seen = scan(target.getvalue(), "annotated")
    assert bad == [] and {"@SUM(1)", "-1"} <= seen
    values = [c.value for row in load_workbook(io.BytesIO(target.getvalue()))[SHEET].iter_rows()
              for c in row if c.value]  # fmt: skip
    assert '\'=HYPERLINK("http://x","bấm")' in values
    Path(source).unlink()
