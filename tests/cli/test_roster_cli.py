import json

import pytest
from sqlalchemy import func, select

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.models import ImportRun, Person

from .. import exports
from ..exports import HEADER, row


@pytest.fixture
def runner(app, ctx):
    return app.test_cli_runner()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_roster_import_json_shape_and_excel_rows(runner, make, tmp_path):
    tree = make.tree()
    rows = [
        row(1, "Nguyễn Văn An", "05/03/2015", idn="052215000123"),
        row(2, "Trần Thị Bích", "07/08/2016", sex="Nữ", idn="0522160001"),
    ]
    path = exports.write(tmp_path, "ds.xlsx", exports.simple_xlsx(HEADER, rows))
    args = ["roster", "import", str(path), "--unit", tree["a"].code,
            "--screening-date", "2026-06-18", "--json"]  # fmt: skip
    result = runner.invoke(main, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"rows", "created", "updated", "conflicts", "findings", "by_rule"}
    assert (out["rows"], out["created"], out["updated"], out["conflicts"]) == (2, 2, 0, 0)
    assert {"row": 3, "rule": "ID_FORMAT", "field": "id_number", "severity": "error"} in out[
        "findings"
    ]
    assert out["by_rule"]["ID_FORMAT"] == 1
    assert count(Person) == 0 and count(ImportRun) == 0  # --dry-run writes nothing
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["created"] == 2 and count(Person) == 2
    result = runner.invoke(main, args)
    again = json.loads(result.stdout)
    assert (again["created"], again["updated"]) == (0, 0)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"plain text", "ds.xlsx", "không phải bảng tính"),
        (exports.zip_bomb(), "ds.xlsx", "độc hại"),
        (exports.encrypted_workbook(), "ds.xlsx", "mật khẩu"),
        (exports.simple_xlsx(HEADER, []), "ds.xlsx", "không có dòng dữ liệu"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    runner, make, tmp_path, data, name, message
):
    tree = make.tree()
    path = exports.write(tmp_path, name, data)
    result = runner.invoke(
        main, ["roster", "import", str(path), "--unit", tree["a"].code, "--json"]
    )
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == "" and count(ImportRun) == 0 and count(Person) == 0


def test_a_unit_that_cannot_take_an_import(runner, make, tmp_path):
    tree = make.tree()
    path = exports.write(tmp_path, "ds.xlsx", exports.simple_xlsx(HEADER, [row(1, "An", "2015")]))
    for code, message in ((tree["district"].code, "chỉ nhập vào xã"), ("NOPE", "không có đơn vị")):
        result = runner.invoke(main, ["roster", "import", str(path), "--unit", code])
        assert result.exit_code == 2 and message in result.stderr


def test_roster_import_kind_beneficiary(runner, make, tmp_path):
    from ..services.test_beneficiaries import HEADER as BENE_HEADER
    from ..services.test_beneficiaries import ROWS as BENE_ROWS

    tree = make.tree()
    path = exports.write(tmp_path, "dt.xlsx", exports.simple_xlsx(BENE_HEADER, BENE_ROWS))
    args = ["roster", "import", str(path), "--unit", tree["a"].code,
            "--screening-date", "2026-06-18", "--json"]  # fmt: skip
    result = runner.invoke(main, [*args, "--kind", "beneficiary"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["created"] == 8 and out["by_rule"]["ALLOWANCE_CATEGORY_UNKNOWN"] == 1
    assert "AGE_OUT_OF_SCOPE" not in out["by_rule"]
    assert {"row": 5, "rule": "ALLOWANCE_CATEGORY_UNKNOWN", "field": "allowance_category",
            "severity": "warning"} in out["findings"]  # fmt: skip
    kinds = db.session.scalars(select(Person.kind).distinct()).all()
    assert kinds == ["beneficiary"]
    run = db.session.scalar(select(ImportRun))
    assert run.person_kind == "beneficiary"
    # The same file as children (the default): every adult is out of scope, no category rule.
    result = runner.invoke(main, [*args, "--dry-run"])
    out = json.loads(result.stdout)
    assert out["by_rule"]["AGE_OUT_OF_SCOPE"] == 4  # the four adults
    assert "ALLOWANCE_CATEGORY_UNKNOWN" not in out["by_rule"]
    assert out["created"] == 8  # children are matched among children only
    result = runner.invoke(main, [*args, "--kind", "adult"])
    assert result.exit_code == 2
