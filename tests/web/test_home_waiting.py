"""The home's "Việc cần làm": every kind of waiting work of the role, its count (scoped to the
user's units) and a link to the page where it is done."""

import pytest

from ..waiting_helpers import OFFICER_COUNTS, seed_waiting_work, waiting_items


@pytest.fixture
def seeded(make, app):
    """One of each kind in commune A and in commune B (another commune of the district)."""
    tree = make.tree()
    ids = {}
    for key in ("a", "b"):
        volunteer = make.user("volunteer", tree[key])
        ids[key] = seed_waiting_work(make, tree[key], volunteer, app.config["TREEM_FILES_DIR"]).ids
        ids[f"volunteer_{key}"] = volunteer
    return tree, ids


def _opens(client, items):
    for key, (_count, href) in items.items():
        assert client.get(href).status_code == 200, (key, href)


def test_officer_sees_every_kind_with_its_count_and_link(seeded, make, client, login):
    tree, ids = seeded
    login(make.user("officer", tree["a"]))
    page = client.get("/home").get_data(as_text=True)
    items = waiting_items(page)
    assert {k: n for k, (n, _) in items.items()} == OFFICER_COUNTS  # commune B not counted
    links = {k: href for k, (_, href) in items.items()}
    for kind in ("imports_running", "imports_failed", "imports_uploaded", "imports_dry_run"):
        assert links[kind] == f"/imports/{ids['a'][kind]}"  # the single run itself
    assert links["conflicts"] == "/imports/conflicts"
    assert links["records_with_errors"] == "/records?status=errors"
    assert links["proposals"] == "/proposals"
    assert links["duplicates"] == "/duplicates"
    assert links["ready_records"] == "/batches"
    assert links["batches_issued"] == "/batches"  # three batches: the list
    for kind in ("batches_draft", "batches_overdue", "batches_returned"):
        assert links[kind] == f"/batches/{ids['a'][kind]}"
    assert links["return_conflicts"] == f"/batches/{ids['a']['return_conflicts']}#return-conflicts"
    for heading in ("Nhập dữ liệu", "Hồ sơ", "Bàn giao công an"):
        assert f'<h3 class="todo-group">{heading}</h3>' in page
    assert "Đề xuất chờ duyệt</span>" in page and "Khác biệt khi nhập chờ quyết định" in page
    _opens(client, items)


@pytest.mark.parametrize("role", ["officer", "volunteer", "reporter"])
def test_the_records_link_opens_a_list_of_as_many_records_as_counted(
    seeded, make, client, login, role
):
    """The home's "Hồ sơ còn lỗi" opens the records with an open error, not every record with
    an open warning too: the list says as many records as the home counted."""
    import re

    tree, ids = seeded
    user = {"officer": lambda: make.user("officer", tree["a"]),
            "volunteer": lambda: ids["volunteer_a"],
            "reporter": lambda: make.user("reporter", tree["district"])}[role]()  # fmt: skip
    login(user)
    items = waiting_items(client.get("/home").get_data(as_text=True))
    count, href = items["records_to_verify" if role == "volunteer" else "records_with_errors"]
    listing = client.get(href).get_data(as_text=True)
    assert re.search(rf"\b{count} hồ sơ\b", listing), (count, href)
    assert '<option value="errors" selected' in listing


def test_officer_with_nothing_waiting_sees_every_kind_at_zero(make, client, login):
    login(make.user("officer", make.tree()["a"]))
    items = waiting_items(client.get("/home").get_data(as_text=True))
    assert {k: n for k, (n, _) in items.items()} == dict.fromkeys(OFFICER_COUNTS, 0)


def test_an_applied_import_overtakes_older_dry_runs_and_failures(seeded, make, client, login):
    from treem_app.extensions import db
    from treem_app.models import ImportRun

    tree, _ids = seeded
    db.session.add(
        ImportRun(unit=tree["a"], original_name="moi-nhat.xlsx", stored_path="/khong-co",
                  kind="xlsx", sha256="1" * 64, size=1, status="applied", dry_run=False)
    )  # fmt: skip
    db.session.commit()
    login(make.user("officer", tree["a"]))
    items = waiting_items(client.get("/home").get_data(as_text=True))
    for kind in ("imports_running", "imports_failed", "imports_uploaded", "imports_dry_run"):
        assert items[kind][0] == 0, kind


def test_volunteer_sees_the_records_of_their_hamlets_to_verify(seeded, client, login):
    _tree, ids = seeded
    login(ids["volunteer_a"])
    items = waiting_items(client.get("/home").get_data(as_text=True))
    assert items == {"records_to_verify": (1, "/records?status=errors")}
    _opens(client, items)


def test_police_see_the_batches_to_answer(seeded, make, client, login):
    tree, ids = seeded
    login(make.user("police", tree["a"]))
    items = waiting_items(client.get("/home").get_data(as_text=True))
    assert items == {
        "batches_to_return": (3, "/batches"),  # issued, overdue, partly returned; no draft
        "batches_overdue": (1, f"/batches/{ids['a']['batches_overdue']}"),
    }
    _opens(client, items)


def test_reporter_follows_what_waits_in_the_communes_below(seeded, make, client, login, post):
    tree, _ids = seeded
    login(make.user("reporter", tree["district"]))
    page = client.get("/home").get_data(as_text=True)
    assert "Việc đang chờ ở các đơn vị" in page
    items = waiting_items(page)
    assert {k: n for k, (n, _) in items.items()} == {
        "records_with_errors": 2,
        "conflicts": 2,
        "batches_issued": 6,
        "batches_overdue": 2,
    }
    _opens(client, items)
    post("/logout")
    login(make.user("reporter", tree["other_district"]))
    items = waiting_items(client.get("/home").get_data(as_text=True))
    assert all(n == 0 for n, _ in items.values())


def test_admin_sees_failed_and_running_jobs(seeded, make, client, login):
    tree, _ids = seeded
    login(make.user("admin", tree["province"]))
    items = waiting_items(client.get("/home").get_data(as_text=True))
    # A failure older than a week is not waiting work any more.
    assert items == {"jobs_failed": (2, "/jobs"), "jobs_running": (2, "/jobs")}
    _opens(client, items)


def test_the_home_counts_without_loading_rows(seeded, make, client, login, web_app):
    """The waiting work is COUNT queries: no persons, conflicts or proposals are loaded."""
    from sqlalchemy import event

    from treem_app.extensions import db

    tree, _ids = seeded
    login(make.user("officer", tree["a"]))
    statements = []
    with web_app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/home")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    loads = [
        s
        for s in statements
        if s.lstrip().upper().startswith("SELECT")
        and any(f"FROM {t}" in s for t in ("persons", "import_conflicts", "proposals", "findings"))
        and "count(" not in s
    ]
    assert loads == []
