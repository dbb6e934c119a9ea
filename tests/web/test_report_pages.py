"""The reports pages (issue 14): the stored reports of the user's units, newest first, with
logged downloads; building one on demand; the communes' own counts with history; the cut-off."""

import datetime as dt

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import AccessLog, HandoverSettings, JobRun, ReportedTotal, ReportFile
from treem_app.services import report_files


def stored(unit, period, tmp_path, minutes=0, user=None):
    row = report_files.build_report_file(
        db.session, unit, "weekly", period, "xlsx", user, files_dir=tmp_path,
        now=dt.datetime(2026, 12, 1, 3, 0) + dt.timedelta(minutes=minutes),
    )  # fmt: skip
    db.session.commit()
    return row


def test_the_list_is_scoped_and_newest_first_and_downloads_are_logged(
    make, client, login, tmp_path
):
    tree = make.tree()
    older = stored(tree["district"], "2026-W47", tmp_path, 0)
    newer = stored(tree["a"], "2026-W48", tmp_path, 10)
    elsewhere = stored(tree["other_district"], "2026-W48", tmp_path, 20)
    reporter = make.user("reporter", tree["district"])
    login(reporter)
    page = client.get("/reports").get_data(as_text=True)
    table = page.split('id="report-files"', 1)[1]
    assert f"/reports/files/{newer.id}" in table and f"/reports/files/{older.id}" in table
    assert table.index(f"/reports/files/{newer.id}") < table.index(f"/reports/files/{older.id}")
    assert f"/reports/files/{elsewhere.id}" not in page
    assert "Tuần 48/2026" in table and "Chưa chốt" in table  # a closed week not frozen
    assert client.get(f"/reports/files/{elsewhere.id}").status_code == 404
    resp = client.get(f"/reports/files/{newer.id}")
    assert resp.status_code == 200 and resp.data[:2] == b"PK"
    resp.close()
    log = db.session.scalar(select(AccessLog).where(AccessLog.action == "download"))
    assert log.user_id == reporter.id and f"report {newer.id}" in log.detail


def test_an_officer_sees_the_reports_of_their_commune_only(make, client, login, tmp_path):
    tree = make.tree()
    own = stored(tree["a"], "2026-W48", tmp_path)
    district = stored(tree["district"], "2026-W48", tmp_path)
    login(make.user("officer", tree["a"]))
    page = client.get("/reports").get_data(as_text=True)
    assert f"/reports/files/{own.id}" in page and f"/reports/files/{district.id}" not in page
    assert "/reports/totals" in page


def test_volunteers_and_police_have_no_reports(make, client, login, post):
    tree = make.tree()
    for i, role in enumerate(("volunteer", "police")):
        if i:
            post("/logout")
        login(make.user(role, tree["a"]))
        assert client.get("/reports").status_code == 403
        assert client.get(f"/reports/totals/{tree['a'].code}").status_code == 403


def test_building_on_demand_runs_a_job_and_offers_the_file(make, client, login, post, run_jobs):
    tree = make.tree()
    reporter = make.user("reporter", tree["district"])
    login(reporter)
    resp = post(
        "/reports/build",
        {"unit": tree["district"].code, "kind": "weekly", "week": "2026-W10", "format": "xlsx"},
    )
    assert resp.status_code == 302
    run_jobs()
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "report_file"))
    assert run.status == "finished", run.message
    row = db.session.scalar(select(ReportFile))
    assert (row.unit_id, row.kind, row.period, row.format) == (
        tree["district"].id, "weekly", "2026-W10", "xlsx")  # fmt: skip
    assert row.created_by_id == reporter.id
    page = client.get(f"/jobs/{run.id}").get_data(as_text=True)
    assert f"/reports/files/{row.id}" in page
    # a unit outside the scope is not found; a bad week is told in Vietnamese
    form = {"unit": tree["c"].code, "kind": "weekly", "week": "2026-W10", "format": "xlsx"}
    assert post("/reports/build", form).status_code == 404
    form = {**form, "unit": tree["a"].code, "week_text": "2026-W60"}
    resp = post("/reports/build", form, follow_redirects=True)
    assert "không có tuần 60" in resp.get_data(as_text=True)


def test_entering_a_total_keeps_the_history(make, client, login, post):
    tree = make.tree()
    officer = make.user("officer", tree["a"], full_name="Trần Thị Thử")
    login(officer)
    assert (
        client.get("/reports/totals")
        .headers["Location"]
        .endswith(f"/reports/totals/{tree['a'].code}")
    )
    page = client.get(f"/reports/totals/{tree['a'].code}").get_data(as_text=True)
    assert "chưa báo cáo" in page
    url = f"/reports/totals/{tree['a'].code}"
    assert (
        post(url, {"period": "2026-11", "total": "3.158", "note": "Số của xã"}).status_code == 302
    )
    assert post(url, {"period": "2026-11", "total": "3160"}).status_code == 302
    rows = db.session.scalars(select(ReportedTotal).order_by(ReportedTotal.id)).all()
    assert [r.total for r in rows] == [3158, 3160]
    page = client.get(url).get_data(as_text=True)
    history = page.split('id="total-history"', 1)[1]
    assert "3.158" in history and "3.160" in history and "Trần Thị Thử" in history
    assert "Số của xã" in history and "Tháng 11/2026" in history
    assert history.index("3.160") < history.index("3.158")  # newest first


def test_the_beneficiaries_count_is_entered_beside_the_childrens(make, client, login, post):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    url = f"/reports/totals/{tree['a'].code}"
    assert post(url, {"period": "2026-11", "total": "3.158"}).status_code == 302
    page = client.get(f"{url}?kind=beneficiary").get_data(as_text=True)
    assert "Tổng số đối tượng bảo trợ xã hội do địa phương báo cáo" in page
    assert 'aria-current="page" class="active">Đối tượng bảo trợ xã hội' in page
    assert 'name="kind" value="beneficiary"' in page
    assert "3.158" not in page.split('id="total-history"', 1)[1]  # the children's count
    resp = post(url, {"period": "2026-11", "total": "212", "kind": "beneficiary"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("kind=beneficiary")
    rows = db.session.scalars(select(ReportedTotal).order_by(ReportedTotal.id)).all()
    assert [(r.person_kind, r.total) for r in rows] == [("child", 3158), ("beneficiary", 212)]
    children = client.get(url).get_data(as_text=True)
    assert 'id="current-total">3.158' in children and "212" not in children
    assert 'id="current-total">212' in client.get(f"{url}?kind=beneficiary").get_data(as_text=True)
    post("/logout")
    login(make.user("reporter", tree["district"]))
    listed = client.get("/reports/totals?kind=beneficiary").get_data(as_text=True)
    assert "212" in listed and "3.158" not in listed
    assert f"/reports/totals/{tree['a'].code}?kind=beneficiary" in listed


def test_a_bad_total_is_refused_in_vietnamese(make, client, login, post):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    url = f"/reports/totals/{tree['a'].code}"
    for bad in ("-5", "ba nghìn", "3,5", ""):
        resp = post(url, {"period": "2026-11", "total": bad})
        assert resp.status_code == 422, bad
        page = resp.get_data(as_text=True)
        assert 'role="alert"' in page and 'aria-invalid="true"' in page
    assert db.session.scalar(select(ReportedTotal)) is None


def test_totals_are_scoped(make, client, login, post):
    tree = make.tree()
    login(make.user("officer", tree["a"]))
    assert client.get(f"/reports/totals/{tree['b'].code}").status_code == 404
    assert (
        post(f"/reports/totals/{tree['b'].code}", {"period": "2026-11", "total": "5"}).status_code
        == 404
    )
    post("/logout")
    login(make.user("reporter", tree["district"]))
    page = client.get("/reports/totals").get_data(as_text=True)
    assert tree["a"].name in page and tree["b"].name in page and tree["c"].name not in page
    assert page.count("chưa báo cáo") == 2
    assert (
        post(
            f"/reports/totals/{tree['b'].code}", {"period": "2026-11", "total": "1.200"}
        ).status_code
        == 302
    )
    page = client.get("/reports/totals").get_data(as_text=True)
    assert "1.200" in page and page.count("chưa báo cáo") == 1
    assert client.get(f"/reports/totals/{tree['c'].code}").status_code == 404
    assert (
        client.get(f"/reports/totals/{tree['district'].code}").status_code == 404
    )  # a district's is a sum


def test_the_admin_sets_the_cutoff(make, client, login, post):
    tree = make.tree()
    admin = make.user("admin", tree["province"])
    login(admin)
    page = client.get("/batches/settings").get_data(as_text=True)
    assert "Giờ chốt số liệu" in page and 'value="10" selected' in page
    resp = post("/reports/cutoff", {"unit": tree["province"].code, "report_weekday": "3",
                                    "report_hour": "16"}, follow_redirects=True)  # fmt: skip
    assert "Đã lưu giờ chốt số liệu" in resp.get_data(as_text=True)
    row = db.session.scalar(select(HandoverSettings))
    assert (row.report_weekday, row.report_hour) == (3, 16)
    resp = post("/reports/cutoff", {"unit": tree["province"].code, "report_weekday": "9",
                                    "report_hour": "16"}, follow_redirects=True)  # fmt: skip
    assert "Ngày trong tuần không hợp lệ" in resp.get_data(as_text=True)
    post("/logout")
    login(make.user("reporter", tree["province"]))
    assert post("/reports/cutoff", {"unit": tree["province"].code, "report_weekday": "1",
                                    "report_hour": "8"}).status_code == 403  # fmt: skip
    page = client.get("/reports").get_data(as_text=True)
    assert "Thứ Năm 16:00" in page


def test_a_total_is_entered_for_a_week_or_a_month(make, client, login, post):
    from treem_app import clock
    from treem_app.domain import reports as dom
    from treem_app.models._common import utcnow
    from treem_app.services.reports import cutoff_settings, weekly_report

    tree = make.tree()
    login(make.user("officer", tree["a"]))
    url = f"/reports/totals/{tree['a'].code}"
    page = client.get(url).get_data(as_text=True)
    weekday, hour = cutoff_settings(db.session, tree["a"])
    open_week = dom.week_of_cutoff(utcnow(), weekday, hour, clock.zone_name())
    month = clock.today().strftime("%Y-%m")
    select_html = page[page.index('<select id="total-period"') : page.index("</select>")]
    assert '<label for="total-period">Kỳ báo cáo (tháng hoặc tuần)</label>' in page
    assert '<optgroup label="Theo tháng">' in select_html
    assert '<optgroup label="Theo tuần">' in select_html
    assert f'<option value="{month}" selected>{dom.vn_month(month)}</option>' in select_html
    assert f'<option value="{open_week}">{dom.vn_week(open_week)}</option>' in select_html
    assert select_html.count("<option") == 24  # 12 months, 12 reporting weeks
    assert post(url, {"period": month, "total": "3.000"}).status_code == 302
    assert post(url, {"period": open_week, "total": "3.158"}).status_code == 302
    entries = db.session.scalars(select(ReportedTotal).order_by(ReportedTotal.id)).all()
    assert [(e.period, e.total) for e in entries] == [(month, 3000), (open_week, 3158)]
    history = client.get(url).get_data(as_text=True).split('id="total-history"', 1)[1]
    assert dom.vn_week(open_week) in history and dom.vn_month(month) in history
    # The open week's report reads the week's total (its period starts after the month's).
    report = weekly_report(db.session, tree["district"], open_week, now=utcnow())
    assert {r.unit.code: r.figures.reported for r in report.rows}["C0001"] == 3158
    listing = post(url, {"period": "2026-W60", "total": "5"})
    assert listing.status_code == 422 and "không có tuần 60" in listing.get_data(as_text=True)
