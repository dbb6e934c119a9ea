"""Every data table has a name (issue 20): a <caption>, an aria-label, or aria-labelledby to a
visible heading. The pages are every GET of the sweeps' URL map (tests/web/test_sweeps.py
ROUTES, so a new page is checked), opened by each role of commune A with A's own ids."""

from __future__ import annotations

import pytest

from ..html_tags import Page
from ..sweep_world import ROLES, build_world
from .test_sweeps import requests_for


def unnamed_tables(body: str) -> list[str]:
    """The tables of `body` with no name, each told by its first header cells."""
    page = Page(body)
    out = []
    tags = page.tags
    for i, table in enumerate(tags):
        if table.name != "table":
            continue
        if table.attrs.get("aria-label", "").strip():
            continue
        ids = table.attrs.get("aria-labelledby", "").split()
        if ids and all(page.by_id(x) is not None and page.by_id(x).text.strip() for x in ids):
            continue
        caption = tags[i + 1] if i + 1 < len(tags) else None
        if caption is not None and caption.name == "caption" and caption.text.strip():
            continue
        out.append(" ".join(table.text.split())[:60])
    return out


def test_the_check_finds_an_unnamed_table():
    assert unnamed_tables("<table><tr><th>Tên</th></tr></table>") == ["Tên"]
    assert unnamed_tables('<table aria-labelledby="x"><tr><td>a</td></tr></table>') == ["a"]
    assert unnamed_tables("<table><caption> </caption><tr><td>a</td></tr></table>") == ["a"]
    assert unnamed_tables("<table><caption>Danh sách</caption><tr><td>a</td></tr></table>") == []
    assert unnamed_tables('<h2 id="x">Lịch sử</h2><table aria-labelledby="x"></table>') == []
    assert unnamed_tables('<table aria-label="Số liệu"></table>') == []


@pytest.fixture
def world(make, app, tmp_path):
    return build_world(make, tmp_path / "files")


@pytest.mark.parametrize("role", ROLES)
def test_every_table_of_every_page_has_a_name(role, world, client, login, web_app):
    login(world["A"].users[role])
    own = {"A": world["A"], "B": world["A"]}
    problems, opened = [], 0
    for req in requests_for(web_app, own):
        if req.method != "GET" or req.endpoint in ("static", "auth.session_token"):
            continue
        resp = client.get(req.url)
        if resp.status_code != 200 or resp.mimetype != "text/html":
            resp.close()
            continue
        opened += 1
        for table in unnamed_tables(resp.get_data(as_text=True)):
            problems.append(f"{req.url}: a table without caption or label ({table})")
    assert opened >= 5, opened
    assert problems == [], "\n".join(problems)
