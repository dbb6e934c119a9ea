"""A warm dashboard (issue 14): with the boards kept (TREEM_DASHBOARD_CACHE_S, as in
production), a request that finds its board reads the session and nothing else: the province's
cut-off, "no failed report runs" and the page's campaign pace are kept with the board. A failed
report run is still read on every request while there is one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event

from treem_app.extensions import db
from treem_app.models import JobRun

from ..campaign_helpers import add_campaign
from .test_dashboard_pages import build_big, kept  # noqa: F401 - the fixture


@pytest.fixture
def statements(web_app):
    """The SQL statements the web app sends while the test runs (one list, appended to)."""
    with web_app.app_context():
        engine = db.engine
    seen: list[str] = []

    def before(conn, cursor, statement, params, context, executemany):
        # Not a read: on PostgreSQL a request that wrote nothing ends with a COMMIT
        # (web.end_read_only_transaction), which first asks the server whether it wrote.
        if not statement.startswith("SELECT txid_current_if_assigned()"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    yield seen
    event.remove(engine, "before_cursor_execute", before)


@pytest.mark.usefixtures("kept")
def test_a_warm_dashboard_reads_only_the_session(app, make, statements, client, login):
    big = build_big(make)
    today = date.today()
    running = ("child", date(today.year - 1, 1, 1), date(today.year + 1, 12, 31))
    add_campaign(big["province"], running)
    login(big["reporter"])
    first = client.get("/dashboard").get_data(as_text=True)
    assert 'id="campaign-pace"' in first and "Tiến độ chiến dịch theo xã" in first
    assert "no-campaign-pace" not in first  # the children's phase is running: a pace per commune
    statements.clear()
    again = client.get("/dashboard").get_data(as_text=True)
    assert again == first
    assert len(statements) == 1, statements  # the signed-in session (with its user)
    assert "user_sessions" in statements[0]


@pytest.mark.usefixtures("kept")
def test_a_failed_report_run_is_read_on_every_request(
    app, web_app, make, statements, client, login
):
    big = build_big(make)
    login(big["reporter"])
    assert 'id="failed-reports"' not in client.get("/dashboard").get_data(as_text=True)
    db.session.add(JobRun(kind="report_weekly", unit_id=big["province"].id, status="failed",
                          message="Không ghi được tệp báo cáo."))  # fmt: skip
    db.session.commit()
    # "No failed runs" is kept for the window: a run that fails meanwhile shows after it...
    web_app.extensions["treem_dashboard"]["boards"]._small.clear()  # ...which this test skips
    html = client.get("/dashboard").get_data(as_text=True)
    assert 'id="failed-reports"' in html and "Không ghi được tệp báo cáo." in html
    statements.clear()
    assert 'id="failed-reports"' in client.get("/dashboard").get_data(as_text=True)
    assert any("job_runs" in s for s in statements)  # a failure is never kept: read again
