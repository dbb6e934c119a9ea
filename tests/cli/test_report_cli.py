"""`treem report weekly|monthly` (SPEC section 6, issue 14)."""

import datetime as dt
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from treem_app.cli import main
from treem_app.domain.reports import iso_week, last_closed_week
from treem_app.extensions import db
from treem_app.models import WeekSnapshot
from treem_app.models._common import utcnow
from treem_app.services.reports import enter_total

from ..report_helpers import give_figures


@pytest.fixture
def runner(app, ctx):
    from .test_cli import _mix_supported

    return app.test_cli_runner(mix_stderr=False) if _mix_supported() else app.test_cli_runner()


@pytest.fixture
def district(make):
    d = make.unit("Huyện Tuy Phước", level="district", code="550")
    hung = make.unit("Xã Phước Hưng", parent=d, code="21961")
    thang = make.unit("Xã Phước Thắng", parent=d, code="21958")
    give_figures(hung, 2583, 1731, not_in_software=4)
    give_figures(thang, 10, 3)
    reporter = make.user("reporter", d)
    enter_total(db.session, hung, "2026-01", 3158, reporter, now=utcnow() - dt.timedelta(days=1))
    db.session.commit()
    return d


def test_weekly_report_writes_the_table(runner, district, tmp_path):
    out = tmp_path / "tuan.xlsx"
    week = iso_week(dt.date.today())
    result = runner.invoke(main, ["report", "weekly", "--unit", "550", "--week", week,
                                  "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    ws = load_workbook(out)["Báo cáo"]
    values = [[c.value for c in r] for r in ws.iter_rows(min_row=9, max_row=12)]
    assert values[0] == [f"({n})" for n in range(1, 9)]
    # Rows follow the unit codes: Phước Thắng (21958) first.
    assert values[1] == ["1", "Xã Phước Thắng", None, 10, None, 3, 7, None]
    assert values[2] == ["2", "Xã Phước Hưng", 3158, 2583, 575, 1731, 852, 54.81]
    assert values[3] == [None, "Tổng cộng", 3158, 2593, None, 1734, 859, None]
    assert ws["C11"].number_format == "#,##0" and ws["H11"].number_format == "0.00"
    assert result.stdout.strip() == str(out)
    assert "Báo cáo tiến độ Huyện Tuy Phước, tuần" in result.stderr


def test_the_week_just_closed_is_frozen_once(runner, district, tmp_path):
    week = last_closed_week(utcnow())
    for name in ("a.xlsx", "b.xlsx"):
        result = runner.invoke(main, ["report", "weekly", "--unit", "550", "--week", week,
                                      "--out", str(tmp_path / name)])  # fmt: skip
        assert result.exit_code == 0, result.output
    # two communes, two kinds of person
    assert db.session.scalar(select(func.count()).select_from(WeekSnapshot)) == 4
    assert "đã chốt" in result.stderr


def test_monthly_report(runner, district, tmp_path):
    out = tmp_path / "thang.xlsx"
    month = dt.date.today().strftime("%Y-%m")
    result = runner.invoke(main, ["report", "monthly", "--unit", "550", "--month", month,
                                  "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["Báo cáo"]["B12"].value == "Tổng cộng"


@pytest.mark.parametrize(
    "args, message",
    [
        (["weekly", "--unit", "550", "--week", "2026-49"], "Tuần không hợp lệ"),
        (["weekly", "--unit", "999", "--week", "2026-W49"], "không có đơn vị"),
        (["weekly", "--unit", "550", "--week", "2099-W01"], "chưa bắt đầu"),
        (["monthly", "--unit", "550", "--month", "2026-13"], "Tháng không hợp lệ"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(runner, district, tmp_path, args, message):
    out = tmp_path / "x.xlsx"
    result = runner.invoke(main, ["report", *args, "--out", str(out)])
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not out.exists()


def test_wrong_format(runner, district, tmp_path):
    result = runner.invoke(main, ["report", "weekly", "--unit", "550", "--week", "2026-W49",
                                  "--out", str(tmp_path / "x.csv")])  # fmt: skip
    assert result.exit_code == 2 and ".xlsx hoặc .pdf" in result.stderr


def test_weekly_report_as_pdf(runner, district, tmp_path):
    out = tmp_path / "tuan.pdf"
    week = iso_week(dt.date.today())
    result = runner.invoke(main, ["report", "weekly", "--unit", "550", "--week", week,
                                  "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out) and not list(tmp_path.glob("*.part"))
    layout = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    row = next(ln for ln in layout.splitlines() if "Xã Phước Hưng" in ln and "3.158" in ln)
    assert row.split()[-6:] == ["3.158", "2.583", "575", "1.731", "852", "54,81"]
    assert "Phụ lục I" in layout and "Nơi nhận:" in layout
