"""Benchmark: province scale (issue 15). The same pages on a small and a large PostgreSQL
database with communes of the same size: their p50/p95 and the ratio large / small.

Run with ``make bench`` or ``python -P bench/scale.py``. Sizes (environment or options):
``TREEM_SCALE_SMALL`` / ``--small`` (persons in the small database, default 200,000),
``TREEM_SCALE_PERSONS`` / ``--persons`` (the large one, default the issue's 1,500,000: about 5
minutes to build on the reference machine), ``TREEM_SCALE_PER_COMMUNE`` / ``--per-commune``
(persons per commune, default 12,500: the issue's 120 communes at 1.5 million, 16 at 200,000),
``TREEM_SCALE_REQUESTS`` / ``--requests`` (timed requests per page, default 30).
``--build-only --db NAME`` builds one database and keeps it (for EXPLAIN by hand); ``--keep``
keeps both databases (``NAME_small``, ``NAME_large``) and a later ``--keep`` run of the same
sizes uses them again, migrated to this checkout's head; ``--provinces N`` splits it into N
provinces of the same number of communes, and ``--small-provinces M`` the small one into M
(default N): with ``--small 200000 --persons 600000 --provinces 3 --small-provinces 1`` the
measured province (the first) holds the same 200,000 persons in both and only the other
provinces' data grows.

Untimed (setup), for each size: a PostgreSQL database on 127.0.0.1:5432 created for the run and
dropped at the end, migrated to the head (``treem db upgrade``), then filled by the database
itself (``INSERT … SELECT`` over ``generate_series``, no ORM, no Python per row): one province
(or ``--provinces``) of communes of ``--per-commune`` persons, 8 hamlets each, names drawn
from common Vietnamese family, middle and given names (folded keys as the app makes them),
about 40 % of the persons with open findings (20 % an open error, ID_MISSING and for half of
them a DOB_PARTIAL warning too; 20 % warnings only, one of three rules), 5 % with a resolved
finding, 1 % marked moved away, one history event per person; the maintained queue counts
rebuilt (``treem counts rebuild``, as after a restore) and ``VACUUM ANALYZE`` (what autovacuum,
or ``treem db analyze``, does after a big load).

Timed: the app under gunicorn for each database at once (2 sync workers each on loopback,
``TREEM_SECURE_COOKIES=0``), an officer of the first commune and a reporter of the (first)
province signed in through the real form; each page requested ``--requests`` times after 3
warm-up requests, one request at a time, the small and the large database taking turns (so a
shared machine's changing load weighs on both alike), the p50 and p95 of their latencies: the
officer's work queue, a record page, the reporter's home (/dashboard), the province work queue
(default, a rule filter, the warning filter, a hamlet filter, page 4 under the rule filter), a
province name search (a full name, with and without diacritics, and a given name matching more
than the cap of 1,000) and a whole ID number searched by the officer and by the province. Then
the mixed run on the large database (``--mixed-seconds``, 20 by default; 0 skips it): the
server as `make run` starts it, 8 officers' threads alone and then with 2 province reporters'
threads, each half as long: the officers' p50/p95 alone and with the reporters (do heavy
reporter pages starve officers?).
The ratio is large p50 / small p50 per page. Target: every ratio within 1.5 and every p95 at the
large size under 250 ms (the issue's targets at 1.5 M). The last line on stdout is one JSON
object with ``"bench": "scale"``, ``"persons"``, ``"worst_p95_ms"``, ``"worst_ratio"``, ``"ok"``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

# Never import bench/ modules in place of the standard library's (python puts this folder first).
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))  # this checkout's treem_app, whichever one the venv installed

BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("TREEM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
PASSWORD = "bench-" + secrets.token_hex(8) + "1"
USER_AGENT = "treem-bench-scale"
TARGET_P95_MS = 250.0
TARGET_RATIO = 1.5
HAMLETS = 8
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Gia", "Quốc", "Bảo"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hùng", "Khánh", "Lan", "Linh", "Long",
         "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Uyên",
         "Việt", "Yến", "Hưng", "Hải", "Hiếu", "Hoa", "Huy", "Khoa", "Kiên", "My", "Nhi",
         "Oanh", "Phong", "Quỳnh", "Thắng", "Toàn", "Vy", "Xuân"]  # fmt: skip


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


# --------------------------------------------------------------------------- data


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def build(url: str, persons: int, per_commune: int, provinces: int = 1) -> dict:
    """Fill a migrated database with units, persons, findings and events by SQL alone.

    Returns the ids the pages need: the first commune, the first province, a person."""
    import psycopg

    from treem_app.domain.names import name_key

    communes = max(1, persons // per_commune)
    per_province = -(-communes // provinces)
    keys = {n: name_key(n) for n in FAMILY + MIDDLE + GIVEN}
    with psycopg.connect(url, autocommit=True) as conn:
        # The load is the database's own: the maintained counts' triggers are left out and the
        # counts rebuilt once at the end (as after a restore).
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SET synchronous_commit = off")
        conn.execute(
            "INSERT INTO units (id, code, name, level, parent_id, path) "
            "SELECT p, (50 + p)::text, 'Tỉnh Thử Nghiệm ' || p, 'province', NULL, '/' || p || '/' "
            "FROM generate_series(1, %s) p",
            (provinces,),
        )
        # Communes: ids after the provinces, per_province in each.
        conn.execute(
            "INSERT INTO units (id, code, name, level, parent_id, path) "
            "SELECT %(p)s + c, (30000 + c)::text, 'Xã Thử Nghiệm ' || c, 'commune', "
            "1 + (c - 1) / %(pp)s, '/' || (1 + (c - 1) / %(pp)s) || '/' || (%(p)s + c) || '/' "
            "FROM generate_series(1, %(c)s) c",
            {"p": provinces, "pp": per_province, "c": communes},
        )
        total = communes * per_commune
        family, middle, given = FAMILY, MIDDLE, GIVEN
        nf, nm, ng = len(family), len(middle), len(given)
        # g % 5: 0 an open error (ID_MISSING; DOB_PARTIAL warning too when g % 10 == 0),
        # 1 warnings only, 2-4 none; g % 100 == 3 marked moved away.
        conn.execute(
            f"""
            INSERT INTO persons (id, kind, unit_id, hamlet, full_name, name_key, dob,
                dob_precision, sex, id_number, id_source, status, open_rank, status_reason,
                version, created_at, updated_at)
            SELECT g, 'child', %(p)s + 1 + (g - 1) / %(pc)s,
                'Thôn ' || (1 + g %% {HAMLETS}),
                f.a[1 + g %% {nf}] || ' ' || m.a[1 + (g / {nf}) %% {nm}] || ' '
                    || n.a[1 + (g / {nf * nm}) %% {ng}],
                fk.a[1 + g %% {nf}] || ' ' || mk.a[1 + (g / {nf}) %% {nm}] || ' '
                    || nk.a[1 + (g / {nf * nm}) %% {ng}],
                date '2008-01-01' + ((g::bigint * 7919) %% 6200)::int, 'day',
                CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END,
                CASE WHEN g %% 5 <> 0
                    THEN '052' || lpad(((g::bigint * 104729) %% 1000000000)::text, 9, '0') END,
                CASE WHEN g %% 5 <> 0 THEN 'export' END,
                CASE WHEN g %% 100 = 3 THEN 'moved' WHEN g %% 5 IN (0, 1) THEN 'ready'
                     ELSE 'clean' END,
                CASE WHEN g %% 5 = 0 THEN 0 WHEN g %% 5 = 1 THEN 1 ELSE 2 END,
                CASE WHEN g %% 100 = 3 THEN 'Chuyển đi nơi khác' END,
                1, now(), now() - ((g %% 90) || ' days')::interval
            FROM generate_series(1, %(n)s) g,
                (SELECT {_array(family)} AS a) f, (SELECT {_array(middle)} AS a) m,
                (SELECT {_array(given)} AS a) n,
                (SELECT {_array([keys[x] for x in family])} AS a) fk,
                (SELECT {_array([keys[x] for x in middle])} AS a) mk,
                (SELECT {_array([keys[x] for x in given])} AS a) nk
            """,
            {"p": provinces, "pc": per_commune, "n": total},
        )
        conn.execute(
            """
            INSERT INTO findings (person_id, rule, field, severity, message, status, created_at,
                resolved_at)
            SELECT g, 'ID_MISSING', 'id_number', 'error', 'Thiếu số định danh cá nhân.',
                   'open', now(), NULL::timestamptz
            FROM generate_series(1, %(n)s) g WHERE g %% 5 = 0
            UNION ALL
            SELECT g, 'DOB_PARTIAL', 'dob', 'warning', 'Ngày sinh chưa đầy đủ.', 'open', now(),
                   NULL
            FROM generate_series(1, %(n)s) g WHERE g %% 10 = 0
            UNION ALL
            SELECT g, (ARRAY['DOB_PARTIAL', 'DUPLICATE_PERSON', 'ETHNICITY_MISSING'])[1 + g %% 3],
                   'dob', 'warning', 'Cần kiểm tra lại.', 'open', now(), NULL::timestamptz
            FROM generate_series(1, %(n)s) g WHERE g %% 5 = 1
            UNION ALL
            SELECT g, 'GUARDIAN_MISSING', 'guardians', 'error',
                   'Thiếu thông tin cha, mẹ hoặc người giám hộ.', 'resolved', now(), now()
            FROM generate_series(1, %(n)s) g WHERE g %% 20 = 2
            """,
            {"n": total},
        )
        conn.execute(
            "INSERT INTO person_events (person_id, user_id, at, field, old_value, new_value, "
            "source, note) SELECT g, NULL, now(), 'person', NULL, 'Hồ sơ mới từ tệp xuất', "
            "'export', 'Nhập từ tệp (dòng ' || g || ')' FROM generate_series(1, %s) g",
            (total,),
        )
        for table in ("units", "persons", "findings", "person_events"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        conn.execute("SET session_replication_role = DEFAULT")
    return _ids(persons, per_commune, provinces)


def _ids(persons: int, per_commune: int, provinces: int) -> dict:
    """The ids the pages need in a database :func:`build` filled with these sizes."""
    communes = max(1, persons // per_commune)
    per_province = -(-communes // provinces)
    return {"province": 1, "commune": provinces + 1, "person": max(5, per_commune // 10 * 5),
            "persons": communes * per_commune, "communes": communes,
            "province_persons": min(per_province, communes) * per_commune}  # fmt: skip


def treem(env: dict, *args: str) -> None:
    done = subprocess.run([str(BIN / "treem"), *args], env=env, cwd=ROOT, capture_output=True,
                          text=True)  # fmt: skip
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise RuntimeError(f"treem {' '.join(args)} failed")


def prepare(dbname: str, persons: int, per_commune: int, provinces: int, tmp: Path,
            keep: bool = False) -> tuple:  # fmt: skip
    """A fresh database of this size, migrated, filled, counted and analysed; its env. With
    ``keep``, a database of this name that a run with ``--keep`` left, of these sizes, is
    migrated and used again (its users' passwords set anew)."""
    import psycopg

    url = f"{PG_SERVER}/{dbname}"
    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as conn:
        kept = (
            keep
            and conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        )
        if not kept:
            conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {dbname}")
    if kept:
        ids = _ids(persons, per_commune, provinces)
        with psycopg.connect(url) as conn:
            found = conn.execute("SELECT count(*), count(DISTINCT unit_id) FROM persons").fetchone()
            users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
        if tuple(found) == (ids["persons"], ids["communes"]) and users == 2:
            return _reuse(dbname, url, ids, tmp)
        return prepare(dbname, persons, per_commune, provinces, tmp)
    instance = tmp / f"instance-{dbname}"
    instance.mkdir(exist_ok=True)
    env = _env(url, instance)
    t0 = time.perf_counter()
    treem(env, "db", "upgrade")
    ids = build(url, persons, per_commune, provinces)
    treem(env, "counts", "rebuild")
    treem(env, "db", "analyze")
    create_users(env, ids)
    print(f"{dbname}: {ids['persons']:,} persons in {ids['communes']} communes "
          f"({provinces} province(s), {ids['province_persons']:,} in the measured one) built in "
          f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
    return url, env, ids


def _env(url: str, instance: Path) -> dict:
    return dict(os.environ, DATABASE_URL=url, TREEM_INSTANCE=str(instance),
                SECRET_KEY=secrets.token_hex(32), TREEM_SECURE_COOKIES="0",
                REDIS_URL=os.environ.get("TREEM_BENCH_REDIS", "redis://127.0.0.1:6379/14"),
                PYTHONPATH=str(ROOT))  # fmt: skip


def _reuse(dbname: str, url: str, ids: dict, tmp: Path) -> tuple:
    """A kept database migrated to this checkout's head, the counts folded, passwords anew."""
    import psycopg
    from werkzeug.security import generate_password_hash

    instance = tmp / f"instance-{dbname}"
    instance.mkdir(exist_ok=True)
    env = _env(url, instance)
    treem(env, "db", "upgrade")
    with psycopg.connect(url) as conn:
        conn.execute("UPDATE users SET password_hash = %s", (generate_password_hash(PASSWORD),))
    print(f"{dbname}: {ids['persons']:,} persons in {ids['communes']} communes (kept)")
    return url, env, ids


def create_users(env: dict, ids: dict) -> None:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from treem_app import create_app
        from treem_app.extensions import db
        from treem_app.models import Unit
        from treem_app.services.accounts import create_user

        app = create_app()
        with app.app_context():
            commune = db.session.get(Unit, ids["commune"])
            province = db.session.get(Unit, ids["province"])
            create_user(db.session, "canbo.xa", PASSWORD, role="officer", unit=commune)
            create_user(db.session, "baocao.tinh", PASSWORD, role="reporter", unit=province)
            db.session.commit()
            db.engine.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --------------------------------------------------------------------------- pages


def pages(ids: dict) -> list[tuple[str, str, str]]:
    """(name, user, path) of each measured page."""
    q = urllib.parse.urlencode
    commune = "30001"  # build's code of the first commune (ids["commune"])
    number = "052" + str(1001 * 104729 % 10**9).zfill(9)  # build's ID number of person 1,001
    return [
        ("officer_home", "canbo.xa", "/home"),
        ("officer_queue", "canbo.xa", "/records"),
        ("officer_rule", "canbo.xa", "/records?" + q({"rule": "DUPLICATE_PERSON"})),
        ("officer_hamlet", "canbo.xa", "/records?" + q({"hamlet": "Thôn 3"})),
        ("officer_search", "canbo.xa", "/records?" + q({"q": "Nguyễn Văn Hùng"})),
        ("officer_number", "canbo.xa", "/records?" + q({"q": number})),
        ("record_page", "canbo.xa", f"/records/{ids['person']}"),
        ("province_home", "baocao.tinh", "/dashboard"),
        ("province_start", "baocao.tinh", "/home"),
        ("province_queue", "baocao.tinh", "/records"),
        ("province_rule", "baocao.tinh", "/records?" + q({"rule": "DUPLICATE_PERSON"})),
        ("province_severity", "baocao.tinh", "/records?" + q({"severity": "warning"})),
        # A hamlet is a commune's: the page offers hamlets once a commune is chosen.
        ("province_commune", "baocao.tinh", "/records?" + q({"unit": commune})),
        ("province_hamlet", "baocao.tinh", "/records?" + q({"unit": commune, "hamlet": "Thôn 3"})),
        (
            "province_page_4",
            "baocao.tinh",
            "/records?" + q({"rule": "DUPLICATE_PERSON", "page": 4}),
        ),
        ("province_search", "baocao.tinh", "/records?" + q({"q": "nguyen van hung"})),
        ("province_search_vn", "baocao.tinh", "/records?" + q({"q": "Nguyễn Văn Hùng"})),
        ("province_number", "baocao.tinh", "/records?" + q({"q": number})),
        # A given name in tens of thousands of names: past the cap of 1,000 at both sizes.
        ("province_search_capped", "baocao.tinh", "/records?" + q({"q": "hùng"})),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, path: str, cookie: str = "", method: str = "GET", body: str = "") -> tuple:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"User-Agent": USER_AGENT, "Cookie": cookie}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body or None, headers=headers)
    resp = conn.getresponse()
    data = resp.read().decode()
    cookies = [v.split(";", 1)[0] for k, v in resp.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    return resp.status, data, cookies


def login(port: int, username: str) -> str:
    status, html, cookies = request(port, "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    cookie = "; ".join(cookies)
    body = urllib.parse.urlencode({"csrf_token": token, "username": username,
                                   "password": PASSWORD})  # fmt: skip
    status, _html, cookies = request(port, "/login", cookie, "POST", body)
    if status != 302 or not cookies:
        raise RuntimeError(f"login failed for {username}: {status}")
    return "; ".join(cookies)


def start_server(env: dict, tmp: Path, argv=None) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free port (2 sync workers, or `argv(bind)`'s command line), once it answers."""
    port = free_port()
    command = argv(f"127.0.0.1:{port}") if argv else [
        str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--timeout", "120", "--log-level", "warning", "treem_app:create_app()"]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=open(tmp / "gunicorn.log", "a"))  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            request(port, "/login")
            return server, port
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.3)


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def measure(sites: dict[str, tuple[dict, dict]], requests: int, tmp: Path) -> dict:
    """Each page on every site (label -> (env, ids)), the sites' requests taking turns (one to
    the small database, one to the large, and so on): a machine whose load drifts during the
    run weighs on both sizes alike, so their ratio holds."""
    servers = {}
    try:
        for label, (env, _ids) in sites.items():
            servers[label] = start_server(env, tmp)
        cookies = {label: {u: login(port, u) for u in ("canbo.xa", "baocao.tinh")}
                   for label, (_server, port) in servers.items()}  # fmt: skip
        out: dict[str, dict] = {label: {} for label in sites}
        names = [name for name, _user, _path in pages(next(iter(sites.values()))[1])]
        for i, name in enumerate(names):
            times: dict[str, list[float]] = {label: [] for label in sites}
            listed: dict[str, int | None] = {}
            for n in range(3 + requests):
                for label, (_env, ids) in sites.items():
                    _name, user, path = pages(ids)[i]
                    t0 = time.perf_counter()
                    status, html, _ = request(servers[label][1], path, cookies[label][user])
                    elapsed = (time.perf_counter() - t0) * 1000
                    if status != 200:
                        raise RuntimeError(f"{label} {path} answered {status}")
                    if n >= 3:
                        times[label].append(elapsed)
                    listed[label] = records_listed(html)
            for label, values in times.items():
                values.sort()
                p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
                out[label][name] = {"p50_ms": round(statistics.median(values), 1),
                                    "p95_ms": round(p95, 1), "records": listed[label]}  # fmt: skip
        return out
    finally:
        for server, _port in servers.values():
            stop_server(server)


MIXED_OFFICERS, MIXED_REPORTERS = 8, 2
COUNT_RE = re.compile(r'id="queue-count"[^>]*>([\d.]+) hồ sơ')


def records_listed(html: str) -> int | None:
    """The number of records a work queue page says it lists (a search's matches), if any."""
    found = COUNT_RE.search(html)
    return int(found.group(1).replace(".", "")) if found else None


def mixed(env: dict, ids: dict, seconds: float, tmp: Path) -> dict:
    """The issue's mixed run on one database: the web server as `make run` starts it (4 sync
    workers, ``treem_app.run.web_server_argv``), 8 officer threads (their queue, a rule filter,
    a record page) and 2 province reporter threads (dashboard, province queue, a rule filter,
    a search) each sending one request after another for `seconds`; the officers' pages first
    alone for the same time, then with the reporters. Shows whether heavy reporter pages starve
    the officers: their p95 with the reporters against their p95 alone."""
    import threading

    from treem_app.run import web_server_argv

    server, port = start_server(env, tmp, argv=lambda bind: web_server_argv(bind, access_log=False))
    q = urllib.parse.urlencode
    officer_paths = ["/records", "/records?" + q({"rule": "DOB_PARTIAL"}),
                     f"/records/{ids['person']}"]  # fmt: skip
    reporter_paths = ["/dashboard", "/records", "/records?" + q({"rule": "DUPLICATE_PERSON"}),
                      "/records?" + q({"q": "nguyen van hung"})]  # fmt: skip
    try:
        cookies = {u: login(port, u) for u in ("canbo.xa", "baocao.tinh")}

        def run(with_reporters: bool) -> dict:
            times: dict[str, list[float]] = {"officer": [], "reporter": []}
            errors = [0]
            stop = time.monotonic() + seconds
            lock = threading.Lock()

            def client(role: str, user: str, paths: list[str], offset: int) -> None:
                n = offset
                while time.monotonic() < stop:
                    path = paths[n % len(paths)]
                    n += 1
                    t0 = time.perf_counter()
                    try:
                        status, _html, _ = request(port, path, cookies[user])
                    except OSError:
                        status = 0
                    elapsed = (time.perf_counter() - t0) * 1000
                    with lock:
                        if status != 200:
                            errors[0] += 1
                        times[role].append(elapsed)

            threads = [threading.Thread(target=client, args=("officer", "canbo.xa",
                                                             officer_paths, i))
                       for i in range(MIXED_OFFICERS)]  # fmt: skip
            if with_reporters:
                threads += [threading.Thread(target=client, args=("reporter", "baocao.tinh",
                                                                  reporter_paths, i))
                            for i in range(MIXED_REPORTERS)]  # fmt: skip
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            out = {"errors": errors[0]}
            for role, values in times.items():
                if values:
                    values.sort()
                    p95 = values[int(0.95 * (len(values) - 1))]
                    out[role] = {"requests": len(values), "p95_ms": round(p95, 1),
                                 "p50_ms": round(statistics.median(values), 1)}  # fmt: skip
            return out

        run(False)  # warm-up: every worker process opens its connections and fills its caches
        return {"seconds": seconds, "alone": run(False), "with_reporters": run(True)}
    finally:
        stop_server(server)


def drop(dbname: str) -> None:
    import psycopg

    with psycopg.connect(PG_SERVER + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int,
                        default=_env_int("TREEM_SCALE_PERSONS", 1_500_000))  # fmt: skip
    parser.add_argument("--small", type=int, default=_env_int("TREEM_SCALE_SMALL", 200_000))
    parser.add_argument("--per-commune", type=int,
                        default=_env_int("TREEM_SCALE_PER_COMMUNE", 12_500))  # fmt: skip
    parser.add_argument("--requests", type=int, default=_env_int("TREEM_SCALE_REQUESTS", 30))
    parser.add_argument("--provinces", type=int, default=1)
    parser.add_argument("--small-provinces", type=int, default=None,
                        help="provinces of the small database (default: --provinces)")  # fmt: skip
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases, and use those a --keep run left")  # fmt: skip
    parser.add_argument("--db", default="treem_bench_scale")
    parser.add_argument("--mixed-seconds", type=float,
                        default=float(os.environ.get("TREEM_SCALE_MIXED_S") or 20),
                        help="length of each half of the mixed run (0: none)")  # fmt: skip
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="treem-bench-scale-") as tmpdir:
        tmp = Path(tmpdir)
        if args.build_only:
            _url, _env, ids = prepare(args.db, args.persons, args.per_commune, args.provinces, tmp)
            print(json.dumps({"built": args.db, **ids}))
            return 0
        sites = {}
        split = {"small": args.small_provinces or args.provinces, "large": args.provinces}
        try:
            for label, size in (("small", args.small), ("large", args.persons)):
                _url, env, ids = prepare(f"{args.db}_{label}", size, args.per_commune,
                                         split[label], tmp, args.keep)  # fmt: skip
                sites[label] = (env, ids)
            results = measure(sites, args.requests, tmp)
            mix = mixed(*sites["large"], args.mixed_seconds, tmp) if args.mixed_seconds else None
        finally:
            for label in ("small", "large") if not args.keep else ():
                drop(f"{args.db}_{label}")
    small, large = results["small"], results["large"]
    small["persons"], large["persons"] = sites["small"][1]["persons"], sites["large"][1]["persons"]
    names = [name for name, _u, _p in pages({"person": 0})]
    ratios = {n: round(large[n]["p50_ms"] / max(small[n]["p50_ms"], 0.1), 2) for n in names}
    for n in names:
        records = ""
        counted = (small[n]["records"], large[n]["records"])
        if None not in counted and counted[0] != counted[1]:  # the page lists more when large
            records = f"   records {small[n]['records']:,} / {large[n]['records']:,}"
        print(f"{n:16} small p50/p95 {small[n]['p50_ms']:7.1f} / {small[n]['p95_ms']:7.1f} ms"
              f"   large {large[n]['p50_ms']:7.1f} / {large[n]['p95_ms']:7.1f} ms"
              f"   ratio {ratios[n]:.2f}{records}")  # fmt: skip
    if mix:
        a, w = mix["alone"], mix["with_reporters"]
        print(f"mixed run, large database, {MIXED_OFFICERS} officers alone / with "
              f"{MIXED_REPORTERS} reporters, {mix['seconds']:g} s each: officers p50/p95 "
              f"{a['officer']['p50_ms']:.1f} / {a['officer']['p95_ms']:.1f} ms alone, "
              f"{w['officer']['p50_ms']:.1f} / {w['officer']['p95_ms']:.1f} ms with them; "
              f"reporters {w['reporter']['p50_ms']:.1f} / {w['reporter']['p95_ms']:.1f} ms; "
              f"errors {a['errors'] + w['errors']}")  # fmt: skip
    worst_p95 = max(large[n]["p95_ms"] for n in names)
    worst_ratio = max(ratios.values())
    print(json.dumps({
        "bench": "scale",
        "persons": large["persons"],
        "small_persons": small["persons"],
        "provinces": {"small": split["small"], "large": split["large"]},
        "province_persons": {label: sites[label][1]["province_persons"] for label in sites},
        "per_commune": args.per_commune,
        "requests": args.requests,
        "pages": {n: {"small": {k: small[n][k] for k in ("p50_ms", "p95_ms", "records")},
                      "large": {k: large[n][k] for k in ("p50_ms", "p95_ms", "records")},
                      "ratio": ratios[n]} for n in names},
        "mixed": mix,
        "worst_p95_ms": worst_p95,
        "worst_ratio": worst_ratio,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "target": f"p95 < {TARGET_P95_MS:g} ms and p50 ratio <= {TARGET_RATIO:g}",
        "ok": worst_p95 < TARGET_P95_MS and worst_ratio <= TARGET_RATIO,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
