"""The reporters' dashboard (issue 14): figures per unit, each a link to the list that makes it
(the list's count equals the figure), drill-down, the SVG chart, scoping."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import update

from treem_app import clock
from treem_app.domain import reports as dom
from treem_app.extensions import db
from treem_app.models import JobRun, Person, WeekSnapshot
from treem_app.models._common import utcnow
from treem_app.services import batches, progress_board
from treem_app.services.reports import cutoff_settings, enter_total

from ..batch_helpers import ready_children
from ..report_helpers import give_figures


class Links(HTMLParser):
    """The figures of a page (a[data-count]), the drill-down links and #list-count."""

    def __init__(self):
        super().__init__()
        self.figures: list[tuple[str, str, int]] = []  # (key, href, count)
        self.drills: list[str] = []
        self.list_count: int | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "data-count" in a:
            self.figures.append((a["data-figure"], a["href"], int(a["data-count"])))
        if tag == "a" and "data-drill" in a:
            self.drills.append(a["href"])
        if a.get("id") == "list-count":
            self.list_count = int(a["data-count"])


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def build_scene(make):
    """Province P01: district D01 with communes A (10 in the software, 6 clean, total 20, an
    overdue list of 3) and B (5 and 1, no total, nothing done this week), district D02 with C
    (no figures, total 5, a list of 2 handed today)."""
    tree = make.tree()
    a, b, c = tree["a"], tree["b"], tree["c"]
    reporter = make.user("reporter", tree["province"])
    give_figures(a, 10, 6, not_in_software=2)
    give_figures(b, 5, 1)
    month = clock.today().strftime("%Y-%m")
    enter_total(db.session, a, month, 20, reporter)
    enter_total(db.session, c, month, 5, reporter)
    today = clock.today()
    for unit, n, day in ((a, 3, today - dt.timedelta(days=21)), (c, 2, today)):
        officer = make.user("officer", unit)
        ready_children(make, unit, n, seed=n)
        draft = batches.create_draft(db.session, unit, user=officer, today=day)
        batches.issue(db.session, draft, user=officer, today=day)
    old = utcnow() - dt.timedelta(days=30)
    db.session.execute(update(Person).where(Person.unit_id == b.id).values(updated_at=old))
    # Frozen history: two full weeks, then a week only A has (not frozen for the province).
    weekday, hour = cutoff_settings(db.session, a)
    week = dom.week_of_cutoff(utcnow(), weekday, hour)
    for back, units in ((3, (a, b, c)), (2, (a, b, c)), (1, (a,))):
        for u, rep, sw, cl in ((a, 20, 8, 4), (b, 10, 4, 1), (c, 5, 0, 0)):
            if u in units:
                db.session.add(WeekSnapshot(unit_id=u.id, week=dom.shift_week(week, -back),
                               reported=rep, in_software=sw, cleaned=cl + back,
                               frozen_at=old))  # fmt: skip
    db.session.add(
        JobRun(
            kind="report_weekly",
            unit_id=tree["province"].id,
            status="failed",
            message="Không ghi được tệp báo cáo.",
        )  # fmt: skip
    )
    db.session.add(
        JobRun(
            kind="report_weekly",
            unit_id=tree["province"].id,
            status="failed",
            created_at=utcnow() - dt.timedelta(days=30),
        )  # fmt: skip
    )
    db.session.commit()
    return {**tree, "reporter": reporter, "week": week}


@pytest.fixture
def scene(app, make):
    return build_scene(make)


def by_code(board):
    return {r.unit.code: r for r in board.rows}


def test_figures_per_unit_are_exact(scene):
    reporter = scene["reporter"]
    board = progress_board.board(
        db.session, reporter, scene["province"], now=utcnow(), today=clock.today()
    )
    rows = by_code(board)
    assert [r.unit.code for r in board.rows] == ["D01", "C0001", "C0002", "D02", "C0003"]
    a, b, c, d1 = rows["C0001"], rows["C0002"], rows["C0003"], rows["D01"]
    assert (a.figures.reported, a.figures.in_software, a.figures.cleaned) == (20, 10, 6)
    assert (a.waiting, a.overdue, a.idle) == (3, 1, 0)
    assert str(a.figures.updated_rate) == "50.00" and str(a.figures.rate) == "30.00"
    assert (b.figures.reported, b.figures.in_software, b.figures.cleaned) == (None, 5, 1)
    assert b.figures.rate is None and b.figures.updated_rate is None
    assert (b.waiting, b.overdue, b.idle) == (0, 0, 1)
    assert (c.figures.reported, c.figures.in_software, c.waiting, c.overdue, c.idle) == (
        5, 0, 2, 0, 0)  # fmt: skip
    assert c.figures.rate == 0
    assert (d1.figures.in_software, d1.figures.cleaned, d1.waiting, d1.overdue, d1.idle) == (
        15, 7, 3, 1, 1)  # fmt: skip
    assert d1.figures.rate is None  # B has no total: the district's rate stays blank
    t = board.total
    assert (t.figures.in_software, t.figures.cleaned, t.waiting, t.overdue, t.idle) == (
        15, 7, 5, 1, 1)  # fmt: skip
    # History: weeks -3 and -2 frozen for every commune, week -1 only for A.
    rates = [p.rate for p in board.history]
    assert len(rates) == progress_board.HISTORY_WEEKS
    assert [str(r) for r in rates[-3:-1]] == ["40.00", "31.43"]  # (7+4+3)/35, (6+3+2)/35
    assert rates[-1] is None and all(r is None for r in rates[:-3])
    assert [r.kind for r in board.failed_runs] == ["report_weekly"]  # the last 7 days only


def test_every_figure_links_to_a_list_of_that_count_down_every_drill(scene, client, login):
    login(scene["reporter"])
    seen, walked = set(), 0

    def walk(url: str) -> None:
        nonlocal walked
        resp = client.get(url)
        assert resp.status_code == 200, url
        page = parse(resp.get_data(as_text=True))
        assert page.figures
        for key, href, count in page.figures:
            listed = client.get(href)
            assert listed.status_code == 200, href
            found = parse(listed.get_data(as_text=True)).list_count
            assert found == count, (url, key, href, count, found)
            walked += 1
        for href in page.drills:
            if href not in seen:
                seen.add(href)
                walk(href)

    walk("/dashboard")
    assert seen == {"/dashboard?unit=D01", "/dashboard?unit=D02"}
    assert walked > 40


def test_the_page_says_not_reported_never_a_rate_and_shows_as_of_and_failures(scene, client, login):
    login(scene["reporter"])
    html = client.get("/dashboard").get_data(as_text=True)
    assert "chưa báo cáo" in html
    assert "tính đến" in html
    assert 'id="failed-reports"' in html and "Không ghi được tệp báo cáo." in html
    row_b = html[html.index('data-unit="C0002"') :]
    row_b = row_b[: row_b.index("</tr>")]
    assert "chưa báo cáo" in row_b and "%" not in row_b and "Chưa có hoạt động" in row_b
    home = client.get("/home").get_data(as_text=True)
    assert 'href="/dashboard"' in home


def test_the_chart_is_valid_svg_with_a_point_per_frozen_week_and_text_labels(scene, client, login):
    login(scene["reporter"])
    html = client.get("/dashboard").get_data(as_text=True)
    svgs, rest = [], html
    while "<svg" in rest:
        rest = rest[rest.index("<svg") :]
        svgs.append(rest[: rest.index("</svg>") + len("</svg>")])
        rest = rest[len(svgs[-1]) :]
    assert len(svgs) == 2  # the wide chart and the phone's (CSS shows one)
    root, phone = (ET.fromstring(svg) for svg in svgs)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert len(phone.findall(".//s:text", ns)) == 5 + progress_board.PHONE_WEEKS
    assert len(phone.findall(".//s:circle", ns)) == 2
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall(".//s:circle", ns)) == 2
    labels = [t.text for t in root.findall(".//s:text", ns)]
    assert labels[:5] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert len(labels) == 5 + progress_board.HISTORY_WEEKS
    assert len(root.findall(".//s:polyline", ns)) == 1
    desc = root.find("s:desc", ns).text
    assert "40,00 %" in desc and "chưa có số liệu" in desc
    assert "<script" not in html[html.index("<main") :]


def test_a_district_reporter_sees_their_communes_only(scene, client, login, make):
    district = make.user("reporter", scene["district"])
    login(district)
    page = parse(client.get("/dashboard").get_data(as_text=True))
    units = {parse_qs(urlparse(h).query).get("unit", [""])[0] for _k, h, _n in page.figures}
    assert units == {"D01", "C0001", "C0002"}
    assert client.get("/dashboard?unit=C0003").status_code == 404
    assert client.get("/dashboard?unit=P01").status_code == 404
    assert client.get("/dashboard/records?unit=C0003&column=cleaned").status_code == 404
    assert client.get("/dashboard/overdue?unit=D02").status_code == 404
    assert client.get("/dashboard/records?unit=C0001&column=nothing").status_code == 404
    assert client.get("/dashboard?unit=C0001").status_code == 200


@pytest.mark.parametrize("role", ["police", "volunteer"])
def test_roles_without_reports_get_403(scene, client, login, make, role):
    login(make.user(role, scene["a"]))
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/records?column=cleaned").status_code == 403
    assert client.get("/dashboard/overdue").status_code == 403
