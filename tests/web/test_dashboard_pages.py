"""The dashboard of a large unit (issue 14): 50 rows a page, most in need first, the totals of
the whole unit on every page; the computed board kept per (unit, week, day) for the cache
window, computed once when several requests ask at the same moment."""

from __future__ import annotations

import threading

import pytest

from treem_app import clock
from treem_app.extensions import db
from treem_app.models._common import utcnow
from treem_app.services import progress_board
from treem_app.services.progress_board import BoardCache, board_page, ordered_rows
from treem_app.services.reports import enter_total

from ..report_helpers import give_figures
from .test_dashboard import build_scene, parse


def build_big(make):
    """A province with 55 communes directly under it: commune i has i+1 records in the
    software, i//2 of them clean, and a reported total of 60 (none for communes 0, 7, 14 … 49)."""
    province = make.unit("Tỉnh Lớn", level="province", code="PL")
    reporter = make.user("reporter", province)
    month = clock.today().strftime("%Y-%m")
    communes = []
    for i in range(55):
        u = make.unit(f"Xã Số {i:02d}", parent=province, code=f"L{i:03d}")
        give_figures(u, i + 1, i // 2)
        if i % 7:
            enter_total(db.session, u, month, 60, reporter)
        communes.append(u)
    db.session.commit()
    return {"province": province, "reporter": reporter, "communes": communes}


@pytest.fixture
def big(app, make):
    return build_big(make)


def test_fifty_rows_a_page_most_in_need_first_and_every_figure_counts(big, client, login):
    login(big["reporter"])
    first = client.get("/dashboard").get_data(as_text=True)
    rows = first.count('<tr class=" depth-0"')
    assert rows == progress_board.PAGE_ROWS
    assert "Trang 1/2 (55 dòng)" in first
    assert 'href="/dashboard?page=2&amp;order=need&amp;unit=PL"' in first
    order = [line.split('data-unit="')[1].split('"')[0] for line in first.splitlines()
             if 'data-unit="L' in line]  # fmt: skip
    # No reported total first (by most records not cleaned), then the lowest clean rate.
    no_total = ["L049", "L042", "L035", "L028", "L021", "L014", "L007", "L000"]
    # Then L001 (0 clean), L003 and L002 (1 clean of 60; L003 has more not cleaned).
    assert order[:11] == [*no_total, "L001", "L003", "L002"]
    assert 'data-figure="total-in_software" data-count="1540"' in first  # 1 + … + 55, whole unit
    second = client.get("/dashboard?page=2&order=need").get_data(as_text=True)
    assert second.count('<tr class=" depth-0"') == 5 and "Trang 2/2" in second
    assert 'data-figure="total-in_software" data-count="1540"' in second
    for key, href, count in parse(second).figures:
        found = parse(client.get(href).get_data(as_text=True)).list_count
        assert found == count, (key, href, count, found)
    by_code = client.get("/dashboard?order=unit&page=2").get_data(as_text=True)
    assert 'data-unit="L050"' in by_code and 'data-unit="L049"' not in by_code
    beyond = client.get("/dashboard?order=unit&page=99").get_data(as_text=True)
    assert "Trang 2/2" in beyond  # clamped to the last page
    assert client.get("/dashboard?order=nonsense").status_code == 200


def test_need_order_keeps_communes_under_their_district_and_repeats_it_on_the_next_page(scene):
    board = progress_board.board(
        db.session, scene["reporter"], scene["province"], now=utcnow(), today=clock.today()
    )
    # D02 (C: a total of 5, nothing clean: rate 0) before D01 (B has no total: no rate).
    codes = [r.unit.code for r in ordered_rows(board, "need")]
    assert codes == ["D01", "C0002", "C0001", "D02", "C0003"]
    assert [r.unit.code for r in ordered_rows(board, "unit")] == [r.unit.code for r in board.rows]
    page = board_page(board, order="need", page=2, size=2)
    assert [r.unit.code for r in page.rows] == ["C0001", "D02"]
    assert page.continued.unit.code == "D01" and page.pages == 3
    idle = board_page(board, idle_only=True)
    assert [r.unit.code for r in idle.rows] == ["C0002"] and idle.continued is None


@pytest.fixture
def scene(app, make):
    return build_scene(make)


class Clock:
    def __init__(self):
        self.now = 500.0

    def __call__(self):
        return self.now


def test_the_board_is_kept_for_the_window_and_computed_once_for_concurrent_requests(
    scene, monkeypatch, make
):
    computed = []
    real = progress_board.compute_board

    def counting(*args, **kwargs):
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(progress_board, "compute_board", counting)
    tick = Clock()
    boards = BoardCache(120, clock=tick)
    province, reporter = scene["province"], scene["reporter"]

    def ask(user=reporter):
        return progress_board.board(db.session, user, province, now=utcnow(),
                                    today=clock.today(), boards=boards)  # fmt: skip

    first = ask()
    assert len(computed) == 1 and first.total.figures.in_software == 15
    give_figures(scene["a"], 4, 4)  # four more records: not seen until the window ends
    assert ask().total.figures.in_software == 15 and len(computed) == 1
    # The failed runs are the viewer's own, never the kept board's.
    district_reporter = make.user("reporter", scene["district"])
    assert ask(district_reporter).failed_runs == [] and len(ask().failed_runs) == 1
    tick.now += 121
    assert ask().total.figures.in_software == 19 and len(computed) == 2

    # Several requests at once after the window: one computes, the others wait for it.
    tick.now += 121
    gate = threading.Event()
    slow_real = progress_board.compute_board

    def slow(*args, **kwargs):
        gate.wait(5)
        return slow_real(*args, **kwargs)

    monkeypatch.setattr(progress_board, "compute_board", slow)
    key = (province.id, progress_board.open_week(db.session, province, utcnow()), clock.today())
    made = []

    def request():
        made.append(boards.get(key, lambda: (computed.append(1), "board")[1]))

    threads = [threading.Thread(target=request) for _ in range(5)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(10)
    assert made == ["board"] * 5 and len(computed) == 3


def test_the_web_processes_share_the_board_through_the_instance_folder(scene, tmp_path):
    """Two processes (two caches over one folder): the second reads the first's board; when
    both ask at once, one computes and the other waits for it."""
    from treem_app.files.shared_values import FolderStore

    province, reporter = scene["province"], scene["reporter"]
    tick = Clock()
    computed = []

    def compute():
        computed.append(1)
        return progress_board.compute_board(db.session, reporter, province, now=utcnow(),
                                            today=clock.today())  # fmt: skip

    key = (province.id, "2026-W49", clock.today())
    first, second = (BoardCache(120, clock=tick, store=FolderStore(tmp_path)) for _ in range(2))
    made = first.get(key, compute)
    kept = second.get(key, compute)
    assert len(computed) == 1 and kept.total.figures == made.total.figures
    assert kept.rows[0].unit == made.rows[0].unit  # plain data, read back from the folder
    tick.now += 121
    gate = threading.Event()

    def slow():
        gate.wait(5)
        computed.append(1)
        return made

    results = []
    threads = [threading.Thread(target=lambda c=c: results.append(c.get(key, slow)))
               for c in (first, second, first, second)]  # fmt: skip
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(10)
    assert len(results) == 4 and len(computed) == 2
    broken = FolderStore(tmp_path / "file")
    (tmp_path / "file").write_text("not a folder")
    assert BoardCache(120, store=broken).get(key, lambda: "computed anyway") == "computed anyway"


@pytest.fixture
def kept(web_app, monkeypatch, tmp_path):
    """The dashboard's caches on (as in production), in a folder of this test's own."""
    monkeypatch.setitem(web_app.config, "TREEM_DASHBOARD_CACHE_S", 120)
    monkeypatch.setattr(web_app, "instance_path", str(tmp_path))
    for name in ("treem_dashboard", "treem_board_html"):
        web_app.extensions.pop(name, None)
    yield tmp_path
    for name in ("treem_dashboard", "treem_board_html"):
        web_app.extensions.pop(name, None)


def test_with_the_caches_on_the_page_is_kept_and_its_figures_still_count(
    scene, kept, client, login, make, post
):
    login(scene["reporter"])
    first = client.get("/dashboard").get_data(as_text=True)
    assert list(kept.glob("dashboard/*.pickle"))  # shared with the other processes
    for key, href, count in parse(first).figures:
        found = parse(client.get(href).get_data(as_text=True)).list_count
        assert found == count, (key, href, count, found)
    give_figures(scene["a"], 4, 4)  # not seen until the window ends: the same page
    again = client.get("/dashboard").get_data(as_text=True)
    assert again[again.index("<main") :] == first[first.index("<main") :]
    # Another reporter of the province: the same kept board, but their own failed runs.
    post("/logout")
    other = make.user("reporter", scene["province"])
    login(other)
    page = client.get("/dashboard").get_data(as_text=True)
    board_part = first[first.index('<section class="stats board-stats"') :]
    assert board_part[: board_part.index("</details>")] in page
    assert 'id="failed-reports"' in page  # the province's failed run, read for this viewer
