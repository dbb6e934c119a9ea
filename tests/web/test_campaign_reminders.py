"""The home's reminders from the campaign's deadlines (issue 17), on fixed days: the Thursday
list not handed yet, a return overdue since Wednesday, the Friday report not frozen, the
monthly report by the 15th."""

from __future__ import annotations

import re
from datetime import date, datetime

from treem_app.extensions import db
from treem_app.models import ReportFile
from treem_app.services import batches

from ..batch_helpers import ready_children
from ..campaign_helpers import CHILDREN, add_campaign, fixed_now, freeze_cleaned  # noqa: F401


def local(day: date, hour: int) -> datetime:
    """A local (Vietnam, UTC+7) hour of a day as a stored naive UTC moment."""
    return datetime(day.year, day.month, day.day, hour) - (
        datetime(2000, 1, 1, 7) - datetime(2000, 1, 1)
    )


def reminders(page: str) -> dict[str, str]:
    found = re.findall(r'data-reminder="([^"]+)">.*?<a href="[^"]*">([^<]*)</a>', page, re.S)
    return dict(found)


def home(client) -> dict[str, str]:
    resp = client.get("/home")
    assert resp.status_code == 200
    return reminders(resp.get_data(as_text=True))


def test_the_officers_thursday_list_and_wednesday_return(make, login, fixed_now):  # noqa: F811
    tree = make.tree()
    add_campaign(tree["province"], CHILDREN)
    unit = tree["a"]
    officer = make.user("officer", unit)
    ready_children(make, unit, 5, seed=3)
    client = login(officer)

    fixed_now(local(date(2026, 6, 10), 9))  # Wednesday: the list goes out tomorrow
    assert home(client) == {}

    fixed_now(local(date(2026, 6, 11), 9))  # Thursday: nothing handed this week
    assert home(client) == {
        "handover_missing": "Chưa chuyển danh sách thứ năm 11/06/2026 cho công an "
        "(5 hồ sơ sẵn sàng)."
    }

    # Handed on Thursday 04/06 (last week) and never returned: late since Wednesday 10/06.
    draft = batches.create_draft(db.session, unit, user=officer, today=date(2026, 6, 4))
    batches.issue(db.session, draft, user=officer, today=date(2026, 6, 4))
    ready_children(make, unit, 2, seed=9)
    db.session.commit()
    got = home(client)
    assert got["returns_overdue"] == "Danh sách công an chưa trả, quá hạn từ thứ tư 10/06/2026."
    assert got["handover_missing"].endswith("(2 hồ sơ sẵn sàng).")
    fixed_now(local(date(2026, 6, 10), 9))  # on the Wednesday itself it is not late yet
    assert "returns_overdue" not in home(client)

    # This week's list handed: the Thursday reminder goes.
    fixed_now(local(date(2026, 6, 11), 15))
    draft = batches.create_draft(db.session, unit, user=officer, today=date(2026, 6, 11))
    batches.issue(db.session, draft, user=officer, today=date(2026, 6, 11))
    db.session.commit()
    assert set(home(client)) == {"returns_overdue"}

    # After the phase: the campaign's deadlines remind of nothing.
    fixed_now(local(date(2026, 6, 25), 9))
    assert home(client) == {}


def test_the_reporters_friday_report_and_the_15th(make, login, fixed_now):  # noqa: F811
    tree = make.tree()
    add_campaign(tree["province"], CHILDREN)
    reporter = make.user("reporter", tree["province"])
    client = login(reporter)

    fixed_now(local(date(2026, 6, 12), 9))  # Friday 09:00: before the deadline
    assert home(client) == {
        "monthly_missing": "Báo cáo tháng 05/2026 chưa lập (hạn trước ngày 15/06/2026)."
    }
    db.session.add(ReportFile(unit_id=tree["province"].id, kind="monthly", period="2026-05",
                              format="xlsx", stored_path="x.xlsx", sha256="0" * 64))  # fmt: skip
    db.session.commit()
    assert home(client) == {}

    fixed_now(local(date(2026, 6, 12), 11))  # Friday 11:00: week 24 should be frozen
    assert home(client) == {
        "weekly_not_frozen": "Báo cáo tuần 24 chưa chốt số liệu (hạn 10 giờ thứ sáu "
        "12/06/2026): 3/3 xã chưa chốt."
    }
    for commune in (tree["a"], tree["b"]):
        freeze_cleaned(commune, 1, weeks=("2026-W24",))
    assert "1/3 xã chưa chốt" in home(client)["weekly_not_frozen"]
    freeze_cleaned(tree["c"], 1, weeks=("2026-W24",))
    assert home(client) == {}
