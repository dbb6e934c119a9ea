"""Issued batches and filled-in return sheets, for the step-3 tests (synthetic children only)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from treem_app.cli import main
from treem_app.domain.idnumber import make_id
from treem_app.extensions import db
from treem_app.files.return_sheet import FIRST_ROW, SHEET
from treem_app.models import Batch

from .batch_helpers import ready_children

TODAY = date(2026, 12, 3)


def issued_batch(app, make, unit, n: int, tmp_path: Path, *, seed: int = 7):
    """An issued batch of `n` ready children of `unit`; returns (batch, children by position,
    path of its blank return sheet)."""
    ready_children(make, unit, n, seed=seed)
    runner = app.test_cli_runner()
    limit = app.config["TREEM_MAX_BATCH_ROWS"]
    app.config["TREEM_MAX_BATCH_ROWS"] = max(limit, n)  # load tests go past the largest list
    try:
        created = runner.invoke(main, ["batch", "create", "--unit", unit.code, "--json"])
        assert created.exit_code == 0, created.stderr
        batch_id = json.loads(created.stdout)["id"]
        out = tmp_path / f"issued-{batch_id}"
        issued = runner.invoke(main, ["batch", "issue", str(batch_id), "--out", str(out)])
        assert issued.exit_code == 0, issued.stderr
    finally:
        app.config["TREEM_MAX_BATCH_ROWS"] = limit
    batch = db.session.get(Batch, batch_id)
    children = [r.person for r in sorted(batch.rows, key=lambda r: r.position)]
    sheet = next(out.glob("*.xlsx"))
    return batch, children, sheet


def right_id(person, serial: int = 123) -> str:
    """The 12-digit number that agrees with the record (Bình Định, sex and year of birth)."""
    return make_id("052", person.sex, person.dob.year, serial)


def fill(sheet: Path, target: Path, answers: dict[int, tuple], *, edit=None) -> Path:
    """Write the police's cells: {position (1-based): (number, result, note)}; `edit(ws)` may
    tamper with the sheet before it is saved."""
    wb = load_workbook(sheet)
    ws = wb[SHEET]
    for position, values in answers.items():
        row = FIRST_ROW + position - 1
        for col, value in zip("JKL", values, strict=False):
            ws[f"{col}{row}"] = value
    if edit is not None:
        edit(ws)
    wb.save(target)
    return target
