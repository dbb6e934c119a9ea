"""The shared vocabulary: labels, formats and permissions (pure, no app)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from treem_app.domain.formatting import vn_date, vn_datetime, vn_number
from treem_app.domain.idnumber import looks_like_id
from treem_app.domain.permissions import ACTIONS, ROLES, can
from treem_app.domain.vocabulary import (
    CORRECTION_SOURCES,
    EDIT_SOURCES,
    EVENT_SOURCES,
    INACTIVE_STATUSES,
    KEPT_STATUSES,
    MARKS,
    PERSON_STATUSES,
    SEVERITY_LABELS,
    SEX_LABELS,
    VERIFIED_ID_SOURCES,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize(
    "value,text",
    [
        (None, ""),
        (0, "0"),
        (999, "999"),
        (1731, "1.731"),
        (1_500_000, "1.500.000"),
        (54.8123, "54,81"),
        (100.0, "100,00"),
        (1731.5, "1.731,50"),
    ],
)
def test_numbers_read_the_vietnamese_way(value, text):
    assert vn_number(value) == text


def test_dates_and_times():
    assert vn_date(dt.date(2015, 3, 5)) == "05/03/2015"
    assert vn_date(None) == ""
    assert vn_datetime(dt.datetime(2026, 12, 4, 19, 0)) == "02:00 05/12/2026"  # UTC+7


def test_labels_cover_every_key_and_are_vietnamese():
    assert set(SEVERITY_LABELS) == {"error", "warning", "info"}
    assert SEX_LABELS == {"M": "Nam", "F": "Nữ"}
    assert set(EDIT_SOURCES) <= set(EVENT_SOURCES) and "police" not in EDIT_SOURCES
    assert set(CORRECTION_SOURCES) == set(EDIT_SOURCES)
    assert set(VERIFIED_ID_SOURCES) == {"export", "police"}
    assert set(INACTIVE_STATUSES) == set(MARKS) <= set(PERSON_STATUSES)
    assert "in_batch" in KEPT_STATUSES
    for labels in (EVENT_SOURCES, PERSON_STATUSES, SEVERITY_LABELS, MARKS):
        assert all(label and label[0].isupper() for label in labels.values())


@pytest.mark.parametrize(
    "value,ok",
    [("052215000123", True), ("05221500012", False), ("05221500012a", False), (None, False)],
)
def test_the_12_digit_shape(value, ok):
    assert looks_like_id(value) is ok


def test_every_action_names_known_roles_and_admins_edit_no_data():
    for roles in ACTIONS.values():
        assert roles <= set(ROLES)
    assert not can("admin", "edit_records") and not can("admin", "import")
    assert not can("police", "edit_records") and can("police", "download_documents")
    assert not can("reporter", "manage_batches") and can("reporter", "open_records")
    assert can("volunteer", "propose") and not can("officer", "propose")
    assert not can(None, "view_batches")
    with pytest.raises(KeyError):
        can("officer", "no_such_action")


def test_templates_ask_can_instead_of_comparing_roles():
    offending = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if "current_user.role " in path.read_text(encoding="utf-8")
        or "current_user.role=" in path.read_text(encoding="utf-8")
    ]
    assert offending == []
    used = {
        action
        for path in TEMPLATES.rglob("*.html")
        for action in ACTIONS
        if f'can("{action}")' in path.read_text(encoding="utf-8")
    }
    assert used == set(ACTIONS)


def test_today_and_times_are_local_even_late_in_the_utc_evening():
    from treem_app.domain.formatting import local_today

    late = dt.datetime(2026, 12, 4, 23, 30)  # stored UTC: 06:30 on the 5th in Việt Nam
    assert local_today(now=late) == dt.date(2026, 12, 5)
    assert local_today(now=late.replace(tzinfo=dt.UTC)) == dt.date(2026, 12, 5)
    assert local_today("UTC", now=late) == dt.date(2026, 12, 4)
    assert vn_datetime(late) == "06:30 05/12/2026"
    assert vn_datetime(late, "UTC") == "23:30 04/12/2026"


def test_nothing_outside_the_domain_asks_the_machine_for_its_date():
    package = Path(__file__).resolve().parents[2] / "treem_app"
    offending = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "domain" not in path.parts and "date.today()" in path.read_text(encoding="utf-8")
    ]
    assert offending == []


def test_a_local_day_ends_at_midnight_in_vietnam():
    from treem_app.domain.formatting import end_of_local_day, local_date

    end = end_of_local_day(dt.date(2026, 12, 31))
    assert end == dt.datetime(2026, 12, 31, 16, 59, 59, 999999)  # naive UTC, as stored
    assert local_date(end) == dt.date(2026, 12, 31)
    assert local_date(end + dt.timedelta(microseconds=1)) == dt.date(2027, 1, 1)
    assert end_of_local_day(dt.date(2026, 12, 31), "UTC") == dt.datetime(
        2026, 12, 31, 23, 59, 59, 999999
    )
    assert local_date(None) is None
