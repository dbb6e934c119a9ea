import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.models import Person, Unit, User

TREEM = str(Path(sys.executable).parent / "treem")

UNITS_CSV = """code,name,level,parent
52,Tỉnh Bình Định,province,
550,Huyện Tuy Phước,district,52
21961,Xã Phước Hưng,commune,550
21958,Xã Phước Thắng,commune,550
"""


@pytest.fixture
def runner(app, ctx):
    return app.test_cli_runner(mix_stderr=False) if _mix_supported() else app.test_cli_runner()


def _mix_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_units_import_and_list_json(runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    result = runner.invoke(main, ["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["units", "list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert {"code": "21961", "name": "Xã Phước Hưng", "level": "commune", "parent": "550"} in rows
    assert {"code": "52", "name": "Tỉnh Bình Định", "level": "province", "parent": None} in rows
    # Importing again updates nothing and duplicates nothing.
    assert runner.invoke(main, ["units", "import", str(path)]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 4


@pytest.mark.parametrize(
    "content, message",
    [
        ("code,name\n1,X\n", "thiếu cột"),
        ("code,name,level,parent\n21961,Xã A,commune,999\n", "không tìm thấy đơn vị cấp trên"),
        ("code,name,level,parent\n1,,commune,\n", "thiếu mã, tên hoặc cấp"),
    ],
)
def test_units_import_bad_input_exits_2_and_writes_nothing(runner, tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(main, ["units", "import", str(path)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0


def test_users_create_with_password_stdin(runner, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(UNITS_CSV, encoding="utf-8")
    runner.invoke(main, ["units", "import", str(path)])
    result = runner.invoke(
        main,
        [
            "users",
            "create",
            "canbo.phuochung",
            "--role",
            "officer",
            "--unit",
            "21961",
            "--password-stdin",
        ],
        input="mat-khau-cli-2468\n",
    )
    assert result.exit_code == 0, result.stderr
    user = db.session.scalar(select(User).where(User.username == "canbo.phuochung"))
    assert user.check_password("mat-khau-cli-2468") and user.unit.code == "21961"
    result = runner.invoke(
        main,
        ["users", "create", "x.y", "--role", "chief", "--unit", "21961", "--password-stdin"],
        input="mat-khau-cli-2468\n",
    )
    assert result.exit_code == 2 and "Vai trò không hợp lệ" in result.stderr
    result = runner.invoke(
        main,
        ["users", "create", "x.z", "--role", "officer", "--unit", "00000", "--password-stdin"],
        input="mat-khau-cli-2468\n",
    )
    assert result.exit_code == 2 and "không có đơn vị" in result.stderr


def test_fresh_sqlite_upgrade_seed_and_list_in_subprocesses(tmp_path):
    """The commands a new user runs, against an empty SQLite file, as real processes."""
    env = dict(os.environ, TREEM_INSTANCE=str(tmp_path), SECRET_KEY="x")
    env.pop("DATABASE_URL", None)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"

    def treem(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([TREEM, *args], env=env, capture_output=True, text=True, timeout=300)

    assert treem("db", "upgrade").returncode == 0
    seeded = treem("seed-demo", "--children-per-commune", "15")
    assert seeded.returncode == 0, seeded.stderr
    assert "canbo.tuyphuocbac" in seeded.stdout
    assert (tmp_path / "demo-accounts.txt").stat().st_mode & 0o777 == 0o600
    again = treem("seed-demo", "--if-empty")
    assert again.returncode == 0 and "bỏ qua" in again.stderr
    listed = treem("units", "list", "--json")
    rows = json.loads(listed.stdout)
    # Since 1 July 2025: the province holds its communes directly, no district in between.
    assert {r["level"] for r in rows} == {"province", "commune"}
    assert {"code": "52", "name": "Tỉnh Gia Lai", "level": "province", "parent": None} in rows
    communes = [r for r in rows if r["level"] == "commune"]
    assert len(communes) == 7 and {r["parent"] for r in communes} == {"52"}
    assert {"code": "21964", "name": "Xã Tuy Phước Bắc", "level": "commune", "parent": "52"} in rows


def test_seed_demo_makes_messy_children_in_every_commune(app, ctx):
    from treem_app.demo import seed

    accounts = seed(db.session, children_per_commune=40)
    db.session.commit()
    assert {a["role"] for a in accounts} == {"admin", "reporter", "officer", "volunteer", "police"}
    per_unit = dict(
        db.session.execute(select(Person.unit_id, func.count()).group_by(Person.unit_id)).all()
    )
    assert len(per_unit) == 7 and set(per_unit.values()) == {40}
    officer = db.session.scalar(select(User).where(User.username == "canbo.tuyphuocbac"))
    assert officer.unit.name == "Xã Tuy Phước Bắc" and officer.unit.parent.name == "Tỉnh Gia Lai"
    from treem_app.models import Finding

    rules = set(db.session.scalars(select(Finding.rule).distinct()))
    assert {"ID_MISSING", "ID_FORMAT", "GUARDIAN_MISSING", "NAME_NORMALIZED"} <= rules
    # As if exported from the national software: it holds every child (report column (4)),
    # and what screening repaired waits on step 4's change list; six of seven communes have
    # entered their own count (column (3)), the seventh not yet.
    from treem_app.models import ReportedTotal
    from treem_app.services.software_sync import change_counts, progress_counts

    ids = list(per_unit)
    assert progress_counts(db.session, ids)["in_software"] == 7 * 40
    assert change_counts(db.session, officer.unit)["all"] > 0
    totals = db.session.scalars(select(ReportedTotal)).all()
    assert len(totals) == 6 and all(t.total >= 40 for t in totals)


def test_seed_demo_keeps_the_three_level_shape_on_request(app, ctx):
    """`--shape 2024`: the same area before the 2025 reorganisation (province, districts)."""
    from treem_app.demo import seed
    from treem_app.models import Unit

    accounts = seed(db.session, children_per_commune=3, shape="2024")
    db.session.commit()
    assert {a["username"] for a in accounts} >= {"huyen.tuyphuoc", "canbo.phuochung"}
    phuoc_hung = db.session.scalar(select(Unit).where(Unit.code == "21961"))
    assert phuoc_hung.parent.name == "Huyện Tuy Phước" and phuoc_hung.parent.parent.code == "52"
    assert db.session.scalar(select(func.count()).select_from(Person)) == 20 * 3
