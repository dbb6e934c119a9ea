"""Benchmark: the review work queue (/records) under load, on SQLite and on PostgreSQL.

Run with ``make bench`` or ``python bench/queue.py [--persons N] [--seconds S] [--db both]``.

Untimed setup, for each backend: a fresh database (an SQLite file in a temporary directory, or a
PostgreSQL database created and dropped by this script), ``treem db upgrade``, then a bulk load
of a province -> 4 districts -> 40 communes tree with 5,000 children per commune (200,000 in all):
rows from :func:`treem_app.synthetic.generate_children` (a different seed per commune, 30% of the
rows with a realistic defect) screened by :func:`treem_app.domain.screening.screen_rows`, so facts,
``name_key``, workflow status and findings (open errors, warnings and info fixes; about a quarter
of the children have 1-3 open findings) are what an import would have stored; 1% of the
children are marked (moved away, deceased) and 5% carry an already-resolved finding. History
events are not loaded: the queue never reads them. PostgreSQL is analysed after the load (what
autovacuum does on its own); SQLite is left as the app leaves it (no ANALYZE).

Timed: the production server, gunicorn with ``-w 4 -k sync --timeout 120`` (the ``make run``
settings: four single-threaded worker processes on the two cores of the reference machine,
each taking a request when it is free; ``--workers``/``--threads`` try others), against that
database, with ``TREEM_SECURE_COOKIES=0`` because wrk speaks plain HTTP and does not send
``Secure`` cookies... to a server that would otherwise refuse to set them over http. A commune
officer and a district reporter sign in through the real /login form (CSRF token, password); then
``wrk -t 2 -c 10 -d 30s`` rotates over realistic queue URLs: searches by name and by ID prefix,
hamlet/rule/severity/status filters, later pages, HTMX partial requests (``HX-Request: true``)
and a few district-wide queries by the reporter. Errors are socket errors plus every response
that is not a 200 (a redirect to /login would count). p95 comes from wrk's latency histogram
(``latency:percentile(95)`` in the Lua ``done`` hook).

The last line on stdout is one JSON object (SPEC section 7); ``p95_ms`` is the worse backend.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `queue` (redis and others import it): take
# bench/ off the import path before anything imports `queue` (hence the imports below it).
# ruff: noqa: E402
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TODAY = dt.date(2026, 6, 18)
TARGET_P95_MS = 150.0
PG_ADMIN_URL = os.environ.get("TREEM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TREEM_BENCH_REDIS", "redis://127.0.0.1:6379/14")
HAMLETS = [
    "Thôn An Hòa",
    "Thôn Phú Mỹ",
    "Thôn Vinh Thạnh",
    "Thôn Hòa Bình",
    "Thôn 1",
    "Thôn 2",
    "Tổ dân phố 3",
    "Làng Kon Klor",
]
DISTRICTS = 4
# Flask-Login's session protection ties the session to the client's address and User-Agent.
USER_AGENT = "treem-bench-queue"
PASSWORD = "bench-" + secrets.token_hex(8) + "1"


# --------------------------------------------------------------------------- data


def build_data(persons: int, communes: int, seed: int = 20260618) -> dict:
    """Units, persons and findings as rows for Core inserts (explicit ids)."""
    from treem_app.domain.screening import screen_rows
    from treem_app.services.persons import PERSON_COLUMNS, open_rank_of, workflow_status
    from treem_app.synthetic import generate_children

    now = dt.datetime(2026, 6, 18, 8, 0, 0)
    rng = random.Random(seed)
    units = [
        {"id": 1, "code": "52", "name": "Tỉnh Bình Định", "level": "province", "parent_id": None,
         "path": "/1/"}
    ]  # fmt: skip
    district_ids = []
    for d in range(DISTRICTS):
        uid = 2 + d
        district_ids.append(uid)
        units.append({"id": uid, "code": f"5{d + 40}", "name": f"Huyện Thử Nghiệm {d + 1}",
                      "level": "district", "parent_id": 1, "path": f"/1/{uid}/"})  # fmt: skip
    commune_ids = []
    for c in range(communes):
        uid = 2 + DISTRICTS + c
        parent = district_ids[c % DISTRICTS]
        commune_ids.append(uid)
        units.append({"id": uid, "code": f"{21550 + c * 3}", "name": f"Xã Thử Nghiệm {c + 1}",
                      "level": "commune", "parent_id": parent,
                      "path": f"/1/{parent}/{uid}/"})  # fmt: skip
    person_rows: list[dict] = []
    finding_rows: list[dict] = []
    per_commune = [persons // communes + (1 if i < persons % communes else 0)
                   for i in range(communes)]  # fmt: skip
    pid = fid = 0
    for c, uid in enumerate(commune_ids):
        code = units[uid - 1]["code"]
        rows = generate_children(per_commune[c], commune_code=code, province_id_code="052",
                                 hamlets=HAMLETS, seed=seed + c, screening_date=TODAY,
                                 defect_rate=0.3)  # fmt: skip
        result = screen_rows(rows, TODAY)
        for rec in result.records:
            pid += 1
            facts = rec.facts
            row = {k: facts.get(k) for k in PERSON_COLUMNS}
            row.update(id=pid, kind="child", unit_id=uid, version=1, created_at=now,
                       updated_at=now, merged_into_id=None, status_reason=None,
                       id_source="export" if facts.get("id_number") else None)  # fmt: skip
            row["status"] = workflow_status(SimpleNamespace(status="new", **row), rec.findings)
            row["open_rank"] = open_rank_of(rec.findings)  # what an import stores
            r = rng.random()
            if r < 0.006:
                row["status"], row["status_reason"] = "moved", "Chuyển đi nơi khác"
            elif r < 0.01:
                row["status"], row["status_reason"] = "deceased", "Đã mất"
            person_rows.append(row)
            for f in rec.findings:
                fid += 1
                finding_rows.append({"id": fid, "person_id": pid, "rule": str(f.rule),
                                     "field": f.field, "severity": str(f.severity),
                                     "message": f.message, "status": "open",
                                     "created_at": now, "resolved_at": None})  # fmt: skip
            if rng.random() < 0.05:  # a finding fixed earlier by a household visit
                fid += 1
                finding_rows.append({"id": fid, "person_id": pid, "rule": "GUARDIAN_MISSING",
                                     "field": "guardians", "severity": "error",
                                     "message": "Thiếu thông tin cha, mẹ hoặc người giám hộ.",
                                     "status": "resolved", "created_at": now,
                                     "resolved_at": now})  # fmt: skip
    return {"units": units, "persons": person_rows, "findings": finding_rows,
            "commune_ids": commune_ids, "district_ids": district_ids}  # fmt: skip


def load_data(url: str, data: dict) -> None:
    """Bulk-load the rows: COPY on PostgreSQL, executemany on SQLite."""
    from sqlalchemy import create_engine, insert, text

    from treem_app.models import Finding, Person, Unit

    tables = [(Unit.__table__, data["units"]), (Person.__table__, data["persons"]),
              (Finding.__table__, data["findings"])]  # fmt: skip
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            for table, rows in tables:
                cols = list(rows[0])
                with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in cols])
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"
                )
            raw.commit()
            raw.driver_connection.autocommit = True
            # What autovacuum does soon after a big load.
            raw.driver_connection.execute("VACUUM ANALYZE")
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            for table, rows in tables:
                for i in range(0, len(rows), 20_000):
                    conn.execute(insert(table), rows[i : i + 20_000])
        with engine.begin() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()


def create_users(data: dict) -> dict[str, str]:
    """An officer of the first commune and a reporter of its district (env points at the DB)."""
    from treem_app import create_app
    from treem_app.extensions import db
    from treem_app.models import Unit
    from treem_app.services.accounts import create_user

    app = create_app()
    with app.app_context():
        commune = db.session.get(Unit, data["commune_ids"][0])
        district = db.session.get(Unit, commune.parent_id)
        create_user(db.session, "canbo.xa", PASSWORD, role="officer", unit=commune)
        create_user(db.session, "baocao.huyen", PASSWORD, role="reporter", unit=district)
        db.session.commit()
        db.engine.dispose()
    return {"officer": "canbo.xa", "reporter": "baocao.huyen"}


# --------------------------------------------------------------------------- server and load


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited during start-up")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def stop_server(server: subprocess.Popen) -> None:
    """Ask gunicorn to stop; kill it if it has not within 20 s."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def login(base: str, username: str) -> str:
    """Sign in through the real form; return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(f"{base}/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode(
        {"csrf_token": token, "username": username, "password": PASSWORD}
    ).encode()
    resp = opener.open(f"{base}/login", data=body, timeout=10)
    if "/login" in resp.geturl():
        raise RuntimeError(f"login failed for {username}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def queue_urls() -> list[tuple[str, str, bool]]:
    """(user, path, htmx) rotated by wrk: what officers type and click in the queue."""

    def q(**args) -> str:
        return "/records" + ("?" + urllib.parse.urlencode(args) if args else "")

    return [
        ("officer", q(), False),
        ("officer", q(q="nguyen van"), False),
        ("officer", q(q="tran thi"), True),
        ("officer", q(hamlet="Thôn Phú Mỹ", rule="ID_MISSING"), False),
        ("officer", q(status="all", q="052"), False),
        ("officer", q(severity="warning", page=2), True),
        ("officer", q(status="errors", hamlet="Thôn 2"), True),
        ("officer", q(status="ready", page=3), False),
        ("officer", q(q="Ngọc Anh", status="all"), True),
        ("officer", q(rule="DOB_MISSING"), True),
        ("officer", q(q="le thi", hamlet="Thôn An Hòa", status="all"), True),
        ("officer", q(status="all", page=40), False),
        ("officer", q(status="marked"), True),
        ("officer", q(rule="DUPLICATE_PERSON", severity="warning"), False),
        ("officer", q(q="0523"), True),
        # A district reporter looking a child up across the district's 50,000 records.
        ("reporter", q(q="nguyen van an"), False),
    ]


LUA = r"""
local reqs = {}
%(requests)s
local counter = 0
non200 = 0
bytes200 = 0
bad_status = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counter = math.random(0, #reqs - 1)
end

function request()
  counter = counter + 1
  return reqs[(counter %% #reqs) + 1]
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    bad_status = status
  else
    bytes200 = bytes200 + #body
  end
end

function done(summary, latency, requests)
  local bad = 0
  local size = 0
  local status = 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non200") or 0)
    size = size + (t:get("bytes200") or 0)
    status = math.max(status, t:get("bad_status") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "non200": %%d, "bytes200": %%d, "bad_status": %%d, ' ..
    '"socket_errors": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, bad, size, status,
    e.connect + e.read + e.write + e.timeout))
end
"""


def lua_script(cookies: dict[str, str]) -> str:
    lines = []
    for user, path, htmx in queue_urls():
        headers = {"Cookie": cookies[user], "Accept": "text/html", "User-Agent": USER_AGENT}
        if htmx:
            headers["HX-Request"] = "true"
        hdr = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
        lines.append(f'table.insert(reqs, wrk.format("GET", {json.dumps(path)}, {{{hdr}}}))')
    return LUA % {"requests": "\n".join(lines)}


def check_urls(base: str, cookies: dict[str, str]) -> None:
    """Each URL answers 200 with a queue in it (so wrk measures real pages, not errors)."""
    for user, path, htmx in queue_urls():
        req = urllib.request.Request(
            base + path, headers={"Cookie": cookies[user], "User-Agent": USER_AGENT}
        )
        if htmx:
            req.add_header("HX-Request", "true")
        with urllib.request.urlopen(req, timeout=30) as resp:
            html = resp.read().decode()
            if resp.status != 200 or 'id="queue-count"' not in html:
                raise RuntimeError(f"{path} did not answer a queue page")
            count = re.search(r'id="queue-count">([^<]*)<', html).group(1)
            print(f"   {user:8} {'HX ' if htmx else '   '}{urllib.parse.unquote(path)}: {count}")


def run_backend(name: str, url: str, data: dict, args, tmp: Path) -> dict:
    instance = tmp / f"instance-{name}"
    instance.mkdir()
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=REDIS_URL, TREEM_INSTANCE=str(instance),
               SECRET_KEY=secrets.token_hex(32), TREEM_SECURE_COOKIES="0",
               PYTHONPATH=str(ROOT))  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run([str(BIN / "treem"), "db", "upgrade"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    load_data(url, data)
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        create_users(data)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    print(f"{name}: schema and {len(data['persons']):,} persons, {len(data['findings']):,} "
          f"findings loaded in {time.perf_counter() - t0:.1f} s")  # fmt: skip

    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         *(["--worker-class", "sync"] if args.threads == 1 else ["--threads", str(args.threads)]),
         "--timeout", "120", "--log-level", "warning", "treem_app:create_app()"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(tmp / f"{name}.log", "w"),
    )  # fmt: skip
    try:
        wait_for(port, server)
        base = f"http://127.0.0.1:{port}"
        cookies = {role: login(base, username) for role, username in create_users_names()}
        check_urls(base, cookies)
        script = tmp / f"{name}.lua"
        script.write_text(lua_script(cookies))
        # Warm-up: templates compiled, connections opened, caches filled in every worker.
        subprocess.run([args.wrk, "-t", "2", "-c", str(args.connections), "-d", "3s", "-s",
                        str(script), base], check=True, capture_output=True)  # fmt: skip
        out = subprocess.run(
            [args.wrk, "-t", "2", "-c", str(args.connections), "-d", f"{args.seconds}s",
             "--latency", "--timeout", "10s", "-s", str(script), base],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    finally:
        stop_server(server)
    line = next(ln for ln in out.splitlines() if ln.startswith("WRKJSON "))
    w = json.loads(line.removeprefix("WRKJSON "))
    res = {
        "p50_ms": round(w["p50_us"] / 1000, 1),
        "p95_ms": round(w["p95_us"] / 1000, 1),
        "p99_ms": round(w["p99_us"] / 1000, 1),
        "max_ms": round(w["max_us"] / 1000, 1),
        "requests": w["requests"],
        "rps": round(w["requests"] / (w["duration_us"] / 1e6), 1),
        "errors": w["non200"] + w["socket_errors"],
        "avg_kb": round(w["bytes200"] / max(1, w["requests"] - w["non200"]) / 1024, 1),
    }
    print(f"{name}: p50 {res['p50_ms']} ms, p95 {res['p95_ms']} ms, p99 {res['p99_ms']} ms, "
          f"{res['rps']} req/s, {res['requests']} requests of {res['avg_kb']} KiB on average, "
          f"{res['errors']} errors "
          f"({w['non200']} non-200 such as {w['bad_status']}, "
          f"{w['socket_errors']} socket)")  # fmt: skip
    return res


def create_users_names() -> list[tuple[str, str]]:
    return [("officer", "canbo.xa"), ("reporter", "baocao.huyen")]


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--communes", type=int, default=40)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (1: sync workers, more: gthread)"
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = build_data(args.persons, args.communes)
    with_findings = len({f["person_id"] for f in data["findings"]
                         if f["status"] == "open" and f["severity"] != "info"})  # fmt: skip
    print(f"data: {len(data['persons']):,} persons in {args.communes} communes, "
          f"{with_findings / len(data['persons']):.0%} with open findings, "
          f"generated and screened in {time.perf_counter() - t0:.1f} s")  # fmt: skip

    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="treem-bench-queue-") as tmpdir:
        tmp = Path(tmpdir)
        if args.db in ("sqlite", "both"):
            results["sqlite"] = run_backend("sqlite", f"sqlite:///{tmp / 'queue.sqlite3'}", data,
                                            args, tmp)  # fmt: skip
        if args.db in ("postgres", "both"):
            dbname = f"treem_bench_queue_{os.getpid()}"
            pg_admin(f"CREATE DATABASE {dbname}")
            try:
                url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname
                results["postgres"] = run_backend("postgres", url, data, args, tmp)
            finally:
                pg_admin(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
    p95 = max(r["p95_ms"] for r in results.values())
    errors = sum(r["errors"] for r in results.values())
    ok = p95 < TARGET_P95_MS and errors == 0
    print(json.dumps({"bench": "queue", "persons": len(data["persons"]), **results,
                      "p95_ms": p95, "errors": errors, "connections": args.connections,
                      "seconds": args.seconds,
                      "target": f"p95 < {TARGET_P95_MS:g} ms, no errors", "ok": ok}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
