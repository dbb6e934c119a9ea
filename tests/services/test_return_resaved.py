"""A returned sheet that went through LibreOffice Calc (the police's office suite) on its way
back: opened, the police's cells typed, saved again as .xlsx (issue 12)."""

import json
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.files.return_sheet import FIRST_ROW, SHEET

from ..returns import fill, issued_batch, right_id

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def resave(path, out_dir, profile):
    """Open and save the file again with LibreOffice (as .xlsx, "Calc MS Excel 2007 XML")."""
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return out_dir / path.name


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_a_sheet_resaved_by_libreoffice_is_read(app, make, tmp_path):
    tree = make.tree()
    batch, children, sheet = issued_batch(app, make, tree["a"], 3, tmp_path)
    a, b, c = children
    answers = {
        1: (int(right_id(a)), "Đã xác thực", None),  # typed as a number: leading zero lost
        2: (right_id(b)[:3] + " " + right_id(b)[3:], "đã xác thực", None),
        3: (None, "Không tìm thấy", "Chưa đăng ký khai sinh"),
    }
    filled = fill(sheet, tmp_path / "filled.xlsx", answers)
    (tmp_path / "out").mkdir()
    again = resave(filled, tmp_path / "out", tmp_path / "lo-profile")
    assert load_workbook(again)[SHEET][f"J{FIRST_ROW}"].value == int(right_id(a))
    result = app.test_cli_runner().invoke(
        main, ["batch", "ingest", str(batch.id), str(again), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert (out["verified"], out["rejected"], out["conflicts"]) == (2, 1, 0), out
    db.session.expire_all()
    assert [p.id_number for p in children] == [right_id(a), right_id(b), None]
