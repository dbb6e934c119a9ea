"""Benchmark: the weekly report of a province (issue 14) with 1,000,000 persons in 500 communes,
on PostgreSQL and on SQLite, and the reporters' dashboard of that province under load.

Run with ``make bench`` or ``python -P bench/report.py [PERSONS] [COMMUNES]`` (the environment
variable ``BENCH_DASHBOARD_S`` sets how long the dashboard is driven, 20 s by default; 0 skips
it). Each database is measured in a child process of its own, from the same synthetic data.

Untimed (setup): a fresh database (a SQLite file in a temporary folder; on 127.0.0.1:5432 a
PostgreSQL database created for the run and dropped at the end) migrated to the head; the demo's
Tỉnh Gia Lai and its communes plus synthetic communes up to 500, all directly under the province
(the post-2025 shape); 1,000,000 synthetic children bulk-loaded (``COPY`` on PostgreSQL, plain
``executemany`` on SQLite; no findings, no history rows) in a mix of states that differs from
commune to commune: about 92 % held by the national software (``software_facts``), of them most
clean and synced, some entered or pending, a few marked duplicates; a reported total per
commune; the frozen snapshots of the eleven weeks before the last closed one (the dashboard's
chart). PostgreSQL gets a ``VACUUM ANALYZE`` after the load, as autovacuum would do on a live
database (without the vacuum, the first reads of the freshly copied rows set their hint bits
and no index-only scan is possible). The weeks are the real clock's: the dashboard reads the clock.

Timed, in a fresh session: freezing the last closed week of the province (``freeze_week``, 500
snapshots, and the commit) and then building its weekly report (``weekly_report``, read from
the snapshots); best of two (the week's snapshots are deleted between runs, untimed). Printed
too: the open week's report counted live (what the dashboard does on every request).

The dashboard: the app under the web server ``make run`` starts (``treem_app.run.web_server_argv``:
gunicorn, 4 sync workers, without the access log; on loopback; its kept counts and kept boards
on, ``TREEM_DASHBOARD_CACHE_S`` at its default, as in production: each of the 4 processes
computes the board once), a reporter of the province logged in, 10 client threads each sending
``GET /dashboard`` (its first page of 50 rows) one after another for ``BENCH_DASHBOARD_S``
seconds (after a warm-up of 3 s, in which the other three processes compute theirs); the p50/p95
latency over every request. The very first request (a process computing the board with no kept
counts yet: the live count of the million records) is timed on its own: ``dashboard_cold_ms``.

Targets: freeze + report under 1 s on PostgreSQL and under 3 s on SQLite, the dashboard's p95
under 100 ms (PostgreSQL's; SQLite's is printed too). The last line on stdout is one JSON object.
"""

from __future__ import annotations

import datetime as dt
import gc
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Never import bench/ modules in place of the standard library's (python puts this folder first).
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))  # this checkout's treem_app, whichever one the venv installed

PERSONS = 1_000_000
COMMUNES = 500
RUNS = 2
HISTORY = 11  # frozen weeks before the one the bench freezes
CLIENTS = 10
DASHBOARD_S = float(os.environ.get("BENCH_DASHBOARD_S", "20"))
PROFILE = "--profile" in sys.argv  # the first freeze + report's functions, on stderr
WARMUP_S = 3.0
TARGET_PG_S = 1.0
TARGET_SQLITE_S = 3.0
TARGET_P95_MS = 100.0
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DB = "treem_bench_report"
USERNAME = "baocao.bench"
PASSWORD = "mat-khau-bench-123"
HAMLETS = ["Thôn An Hòa", "Thôn Phú Mỹ", "Thôn Vinh Thạnh", "Thôn Hưng Nghĩa", "Tổ 3"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Minh", "Ngọc", "Phúc"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
COLUMNS = ("unit_id", "kind", "hamlet", "full_name", "name_key", "status", "open_rank",
           "software_facts", "sync_state", "national_key", "version", "created_at",
           "updated_at")  # fmt: skip
FACTS = '{"full_name": "x"}'


def _stamp(moment: dt.datetime) -> str:
    """A naive UTC time as SQLAlchemy stores it on SQLite (and PostgreSQL's COPY reads)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


# --------------------------------------------------------------------------- synthetic data


def person_rows(unit_ids: list[int], persons: int, now: dt.datetime):
    """The persons as tuples in COLUMNS order: the same commune-dependent mix on both
    databases (no randomness: the counts are reproducible)."""
    from treem_app.domain.names import name_key

    old = _stamp(now - dt.timedelta(days=60))
    recent = _stamp(now - dt.timedelta(hours=1))
    names = [f"{f} Văn {g}" for f in FAMILY for g in GIVEN]
    keys = [name_key(n) for n in names]
    per = persons // len(unit_ids)
    i = 0
    for c, uid in enumerate(unit_ids):
        n = per + (1 if c < persons % len(unit_ids) else 0)
        active = c % 3 != 0  # a third of the communes have no activity this week
        for j in range(n):
            k = (j * 7 + c * 13) % 100
            if k < 2:
                status, facts, state = "duplicate", FACTS, "synced"
            elif k < 8:
                status, facts, state = "ready", None, None
            elif k < 40 + c % 30:
                status, facts, state = "clean", FACTS, "synced"
            elif k < 80:
                status, facts, state = "clean", FACTS, "entered"
            elif k < 92:
                status, facts, state = "in_review", FACTS, "pending"
            else:
                status, facts, state = "ready", FACTS, "synced"
            name = i % len(names)
            updated = recent if active and j == 0 else old
            yield (uid, "child", HAMLETS[j % len(HAMLETS)], names[name], keys[name], status,
                   2 if status == "clean" else 1, facts, state, f"TE{5_200_000_000 + i:010d}",
                   1, old, updated)  # fmt: skip
            i += 1


def build_units(session) -> tuple[int, list[int]]:
    """The demo province and its communes, then synthetic communes up to COMMUNES."""
    from sqlalchemy import select

    from treem_app.config import PROJECT_ROOT
    from treem_app.models import Unit
    from treem_app.services.units import import_units, parse_units_csv

    text = (PROJECT_ROOT / "treem_app" / "data" / "demo_units_gia_lai.csv").read_text("utf-8")
    rows = parse_units_csv(text)
    province = next(r.code for r in rows if r.level == "province")
    n_real = sum(1 for r in rows if r.level == "commune")
    extra = "".join(
        f"B{i:04d},Xã Thử Nghiệm {i},commune,{province}\n" for i in range(1, COMMUNES - n_real + 1)
    )
    import_units(session, rows + parse_units_csv("code,name,level,parent\n" + extra))
    province_id = session.scalar(select(Unit.id).where(Unit.code == province))
    communes = session.scalars(select(Unit.id).where(Unit.level == "commune").order_by(Unit.id))
    return province_id, list(communes)[:COMMUNES]


def load_persons(session, kind: str, unit_ids: list[int], persons: int, now: dt.datetime):
    conn = session.connection()
    cols = ", ".join(COLUMNS)
    rows = person_rows(unit_ids, persons, now)
    if kind == "postgresql":
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur, cur.copy(f"COPY persons ({cols}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in COLUMNS)
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == 50_000:
            conn.exec_driver_sql(f"INSERT INTO persons ({cols}) VALUES ({marks})", chunk)
            chunk = []
    if chunk:
        conn.exec_driver_sql(f"INSERT INTO persons ({cols}) VALUES ({marks})", chunk)


def load_reports(session, unit_ids: list[int], persons: int, weeks: list[str], now: dt.datetime):
    """A reported total per commune (a month before), and the frozen snapshots of `weeks`."""
    from sqlalchemy import insert

    from treem_app.models import ReportedTotal, WeekSnapshot

    per = persons // len(unit_ids)
    entered = now - dt.timedelta(days=40)
    month = entered.strftime("%Y-%m")
    conn = session.connection()
    conn.execute(insert(ReportedTotal.__table__), [
        {"unit_id": u, "period": month, "period_start": entered.date().replace(day=1),
         "total": per + per // 20 + c % 50, "entered_at": entered}
        for c, u in enumerate(unit_ids)
    ])  # fmt: skip
    conn.execute(insert(WeekSnapshot.__table__), [
        {"unit_id": u, "week": w, "reported": per + per // 20, "in_software": per * 9 // 10,
         "cleaned": per * (30 + 3 * k) // 100,
         "frozen_at": now - dt.timedelta(weeks=len(weeks) - k)}
        for k, w in enumerate(weeks) for u in unit_ids
    ])  # fmt: skip


# --------------------------------------------------------------------------- the dashboard


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(conn: http.client.HTTPConnection, path: str, cookie: str | None = None):
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    resp = conn.getresponse()
    return resp, resp.read()


def login(port: int) -> str:
    """Log the bench's reporter in through the login form; the session cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    resp, body = _get(conn, "/login")
    cookie = resp.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
    from urllib.parse import urlencode

    form = urlencode({"csrf_token": token, "username": USERNAME, "password": PASSWORD})
    conn.request("POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})  # fmt: skip
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 302, f"login failed: {resp.status}"
    conn.close()
    cookies = [v.split(";")[0] for k, v in resp.getheaders() if k.lower() == "set-cookie"]
    return next(c for c in cookies if c.startswith("session="))


def drive_dashboard(url: str, tmpdir: Path, seconds: float) -> dict:
    """Start gunicorn on loopback, log in, drive GET /dashboard with CLIENTS threads."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "TREEM_INSTANCE": str(tmpdir),
           "TREEM_FILES_DIR": str(tmpdir / "files"), "TREEM_SECURE_COOKIES": "0",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    from treem_app.run import web_server_argv

    # The server `make run` starts (4 sync workers, treem_app/run.py), without its access log.
    server = subprocess.Popen(
        web_server_argv(f"127.0.0.1:{port}", access_log=False), env=env, cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "/login")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.3)
        cookie = login(port)
        first = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t0 = time.perf_counter()
        resp, _body = _get(first, "/dashboard", cookie)
        cold = time.perf_counter() - t0
        assert resp.status == 200, resp.status
        first.close()
        latencies: list[float] = []
        errors: list[int] = []
        lock = threading.Lock()

        def client(until_warm: float, until: float):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while True:
                t0 = time.perf_counter()
                if t0 > until:
                    break
                resp, body = _get(conn, "/dashboard", cookie)
                took = time.perf_counter() - t0
                with lock:
                    if resp.status != 200:
                        errors.append((resp.status, resp.getheader("Location")))
                    elif t0 >= until_warm:
                        latencies.append(took)
            conn.close()

        start = time.perf_counter()
        threads = [
            threading.Thread(target=client, args=(start + WARMUP_S, start + WARMUP_S + seconds))
            for _ in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, f"dashboard errors: {errors[:5]}"
        latencies.sort()
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
        return {
            "requests": len(latencies),
            "rps": len(latencies) / seconds,
            "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": p95 * 1000,
            "cold_ms": cold * 1000,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


# --------------------------------------------------------------------------- one database


def run_database(kind: str, persons: int) -> dict:
    import logging

    from flask_migrate import upgrade
    from sqlalchemy import delete, text

    from treem_app import create_app
    from treem_app.domain import reports as dom
    from treem_app.extensions import db
    from treem_app.models import Unit, WeekSnapshot
    from treem_app.models._common import utcnow
    from treem_app.services.accounts import create_user
    from treem_app.services.reports import freeze_week, weekly_report

    t_setup = time.perf_counter()
    now = utcnow()
    closed = dom.last_closed_week(now)  # the week the bench freezes (default cut-off)
    past = [dom.shift_week(closed, -k) for k in range(HISTORY, 0, -1)]
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        url = (f"sqlite:///{tmpdir / 'bench.sqlite3'}" if kind == "sqlite"
               else f"{PG_SERVER}/{PG_DB}")  # fmt: skip
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "TREEM_FILES_DIR": str(tmpdir / "files")})  # fmt: skip
        with app.app_context():
            logging.getLogger("alembic").setLevel(logging.WARNING)
            upgrade(revision="heads")
            province_id, unit_ids = build_units(db.session)
            load_persons(db.session, kind, unit_ids, persons, now)
            load_reports(db.session, unit_ids, persons, past, now)
            user = create_user(db.session, USERNAME, PASSWORD, role="reporter",
                               unit=db.session.get(Unit, province_id),
                               full_name="Cán Bộ Báo Cáo")  # fmt: skip
            user.must_change_password = False
            db.session.commit()
            if kind == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                    c.execute(text("VACUUM ANALYZE"))
            setup_s = time.perf_counter() - t_setup
            runs = []
            for _ in range(RUNS):
                db.session.remove()
                session = db.session
                province = session.get(Unit, province_id)
                gc.collect()
                profiler = None
                if PROFILE and not runs:
                    import cProfile

                    profiler = cProfile.Profile()
                    profiler.enable()
                t0 = time.perf_counter()
                written = freeze_week(session, province, closed, now=now)
                session.commit()
                t1 = time.perf_counter()
                report = weekly_report(session, province, closed, now=now)
                t2 = time.perf_counter()
                if profiler is not None:
                    import pstats

                    profiler.disable()
                    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(
                        40
                    )
                assert written == len(unit_ids), written
                assert report.frozen and len(report.leaf_rows) == len(unit_ids)
                runs.append({"freeze_s": t1 - t0, "report_s": t2 - t1, "seconds": t2 - t0})
                session.execute(delete(WeekSnapshot).where(WeekSnapshot.week == closed))
                session.commit()
            # Keep the last freeze: the dashboard's chart then has twelve complete weeks.
            freeze_week(db.session, db.session.get(Unit, province_id), closed, now=now)
            db.session.commit()
            db.session.remove()
            province = db.session.get(Unit, province_id)
            open_week = dom.week_of_cutoff(now)
            t0 = time.perf_counter()
            live = weekly_report(db.session, province, open_week, now=now)
            live_s = time.perf_counter() - t0
            totals = {"in_software": live.total.in_software, "cleaned": live.total.cleaned}
            db.session.remove()
            db.engine.dispose()
        dashboard = drive_dashboard(url, tmpdir, DASHBOARD_S) if DASHBOARD_S > 0 else None
    return {"database": kind, "setup_s": setup_s, "runs": runs, "live_s": live_s,
            "totals": totals, "week": closed, "persons": persons, "communes": len(unit_ids),
            "dashboard": dashboard}  # fmt: skip


# --------------------------------------------------------------------------- PostgreSQL


def pg_admin(sql: str) -> str | None:
    """Run one statement on the server's postgres database; the error text when unreachable."""
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres",
            autocommit=True,
            connect_timeout=5,
        ) as conn:
            conn.execute(sql)
    except Exception as exc:  # any failure means: no PostgreSQL for this run
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def child(kind: str, persons: int) -> dict:
    cmd = [sys.executable, "-P", __file__, "--db", kind, str(persons)] + ["--profile"] * PROFILE
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if a != "--profile"]
    if args[:1] == ["--db"]:
        persons = int(args[2]) if len(args) > 2 else PERSONS
        print(json.dumps(run_database(args[1], persons)))
        return 0
    persons = int(args[0]) if args else PERSONS
    results = {"sqlite": child("sqlite", persons)}
    show(results["sqlite"])
    problem = pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}") or pg_admin(f"CREATE DATABASE {PG_DB}")
    if problem:
        print(f"PostgreSQL unreachable on 127.0.0.1:5432 ({problem}): SQLite only.")
    else:
        try:
            results["postgresql"] = child("postgresql", persons)
            show(results["postgresql"])
        finally:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DB}")
    best = {kind: min(run["seconds"] for run in r["runs"]) for kind, r in results.items()}
    p95 = {kind: r["dashboard"]["p95_ms"] if r["dashboard"] else None
           for kind, r in results.items()}  # fmt: skip
    ok = (
        "postgresql" in best
        and best["postgresql"] < TARGET_PG_S
        and best["sqlite"] < TARGET_SQLITE_S
        and (p95["postgresql"] is None or p95["postgresql"] < TARGET_P95_MS)
    )
    pg = best.get("postgresql")
    print(json.dumps({
        "bench": "report",
        "persons": persons,
        "communes": COMMUNES,
        "seconds": round(pg, 3) if pg is not None else None,
        "seconds_sqlite": round(best["sqlite"], 3),
        "live_s": {k: round(r["live_s"], 3) for k, r in results.items()},
        "dashboard_p95_ms": round(p95["postgresql"], 1) if p95.get("postgresql") else None,
        "dashboard_p95_ms_sqlite": round(p95["sqlite"], 1) if p95.get("sqlite") else None,
        **{f"dashboard_{k}_ms{'' if kind == 'postgresql' else '_sqlite'}":
           round(r["dashboard"][f"{k}_ms"], 1)
           for kind, r in results.items() if r["dashboard"] for k in ("p50", "cold")},
        "target_s": TARGET_PG_S,
        "target_sqlite_s": TARGET_SQLITE_S,
        "target_p95_ms": TARGET_P95_MS,
        "ok": ok,
    }))  # fmt: skip
    return 0


def show(r: dict) -> None:
    """The human-readable lines of one database's results (printed as soon as it is done)."""
    kind = r["database"]
    print(f"{kind}: {r['persons']:,} persons in {r['communes']} communes "
          f"(setup {r['setup_s']:.1f} s, not timed); week {r['week']}")  # fmt: skip
    for run in r["runs"]:
        print(f"  freeze {run['freeze_s']:.3f} s + weekly report {run['report_s']:.3f} s "
              f"= {run['seconds']:.3f} s")  # fmt: skip
    print(f"  open week counted live: {r['live_s']:.3f} s ({r['totals']['in_software']:,} "
          f"in the software, {r['totals']['cleaned']:,} clean)")  # fmt: skip
    d = r["dashboard"]
    if d:
        print(f"  dashboard, {CLIENTS} clients, {DASHBOARD_S:.0f} s: {d['requests']} "
              f"requests ({d['rps']:.1f}/s), p50 {d['p50_ms']:.0f} ms, "
              f"p95 {d['p95_ms']:.0f} ms; the first request (cold) "
              f"{d['cold_ms']:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(sys.argv))
