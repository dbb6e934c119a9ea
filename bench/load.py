"""Benchmark: 50 commune officers and 5 reporters working at once for 5 minutes (issue 16).

Run with ``make bench`` or ``python -P bench/load.py [--seconds S] [--officers N] ...``.

Untimed setup: a fresh PostgreSQL database on 127.0.0.1:5432 (created and dropped by this
script), ``treem db upgrade``, and the same synthetic province as ``bench/queue.py`` (4
districts, 40 communes, 200,000 children screened as an import would store them, about a
quarter with open findings). Users: ``--officers`` commune officers spread over the communes
(two in the first ten communes when there are 50), one reporter per district and one for the
province. Everyone signs in through the real /login form (CSRF token, password).

Timed: the production server as ``make run`` starts it (gunicorn, 4 sync workers, timeout 120 s),
on loopback, with ``TREEM_SECURE_COOKIES=0`` (plain HTTP). Each user is a thread that works like
a person: an action, then a pause of ``--think`` seconds on average (uniform between half and
one and a half times it). An officer's actions: the work queue with one of its filters or a
search (half of them as HTMX partials), and every third action a record: its page, the edit form
of its hamlet (HTMX) and the save of a new hamlet with the record's version and the form's CSRF
token (the one way to change a person: history event and re-screen included). A reporter's: the
home, the dashboard, the reports page and a search across their scope.

Errors: socket errors, time-outs, any 5xx and any unexpected status (a redirect to /login
would be one). A 409 on a save is *not* an error: it is the answer the app owes an officer
whose colleague saved the same record first (counted as ``conflicts``).

The last line on stdout is one JSON object: ``"bench": "load"``, ``"errors"``, ``"p95_ms"``
(every request), p95 per kind of request, and ``"ok"`` (no error and p95 under the bound).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import importlib.util
import json
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("TREEM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TREEM_BENCH_REDIS", "redis://127.0.0.1:6379/13")
USER_AGENT = "treem-bench-load"
PASSWORD = "bench-" + secrets.token_hex(8) + "1"
# The bound: a page under load within a second and a half for 95 % of the requests.
TARGET_P95_MS = 1500.0


def _support():
    """bench/queue.py's data builder and server helpers (loaded under another module name: the
    file is named like the standard library's `queue`)."""
    spec = importlib.util.spec_from_file_location("bench_queue_support", ROOT / "bench/queue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Client:
    """One signed-in user: its cookies, its CSRF token, its timings."""

    def __init__(self, base: str, username: str, role: str):
        self.base, self.username, self.role = base, username, role
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT), ("Accept", "text/html")]

    def login(self) -> None:
        html = self.opener.open(f"{self.base}/login", timeout=30).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode(
            {"csrf_token": token, "username": self.username, "password": PASSWORD}
        ).encode()
        resp = self.opener.open(f"{self.base}/login", data=body, timeout=30)
        if "/login" in resp.geturl():
            raise RuntimeError(f"login failed for {self.username}")

    def call(self, path: str, *, data: dict | None = None, htmx: bool = False):
        """(status, body, seconds); never raises for an HTTP status."""
        headers = {"HX-Request": "true"} if htmx else {}
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers)
        t0 = time.perf_counter()
        try:
            with self.opener.open(req, timeout=30) as resp:
                text = resp.read().decode("utf-8", "replace")
                status = resp.status
                if "/login" in resp.geturl() and not path.startswith("/login"):
                    status = 302  # sent back to the sign-in page: an error here
        except urllib.error.HTTPError as exc:
            text, status = exc.read().decode("utf-8", "replace"), exc.code
        except OSError as exc:  # refused, reset, timed out
            text, status = str(exc), 0
        return status, text, time.perf_counter() - t0


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.conflicts = 0
        self.saves = 0

    def add(self, kind: str, seconds: float, status: int, expected=(200,), note: str = ""):
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if status == 409 and kind == "save":
                self.conflicts += 1
            elif status not in expected:
                self.errors.append(f"{kind} {status} {note}"[:200])
            elif kind == "save":
                self.saves += 1


FILTERS = [
    {},
    {"q": "nguyen van"},
    {"q": "tran thi"},
    {"status": "errors"},
    {"rule": "ID_MISSING"},
    {"severity": "warning", "page": "2"},
    {"status": "ready"},
    {"q": "0523"},
    {"hamlet": "Thôn Phú Mỹ"},
    {"status": "all", "page": "5"},
]


def officer_work(client: Client, tally: Tally, rng: random.Random, until: float, think: float,
                 hamlets: list[str], measuring: threading.Event) -> None:  # fmt: skip
    step = 0
    while time.monotonic() < until:
        step += 1
        args = rng.choice(FILTERS)
        path = "/records" + ("?" + urllib.parse.urlencode(args) if args else "")
        status, html, took = client.call(path, htmx=rng.random() < 0.5)
        if measuring.is_set():
            tally.add("queue", took, status, note=path)
        ids = re.findall(r'href="/records/(\d+)"', html) if status == 200 else []
        if step % 3 == 0 and ids:
            pid = rng.choice(ids)
            status, _, took = client.call(f"/records/{pid}")
            if measuring.is_set():
                tally.add("record", took, status, note=pid)
            status, form, took = client.call(f"/records/{pid}/facts/hamlet?edit=1", htmx=True)
            if measuring.is_set():
                tally.add("edit_form", took, status, note=pid)
            version = re.search(r'name="version" value="(\d+)"', form)
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            if status == 200 and version and token:
                data = {"csrf_token": token.group(1), "version": version.group(1),
                        "value": rng.choice(hamlets), "source": "household_visit",
                        "note": "Xác minh khi tải thử"}  # fmt: skip
                status, _, took = client.call(f"/records/{pid}/facts/hamlet", data=data, htmx=True)
                if measuring.is_set():
                    tally.add("save", took, status, note=pid)
        time.sleep(rng.uniform(think / 2, think * 1.5))


def reporter_work(client: Client, tally: Tally, rng: random.Random, until: float, think: float,
                  measuring: threading.Event) -> None:  # fmt: skip
    pages = [("home", "/home"), ("dashboard", "/dashboard"), ("reports", "/reports"),
             ("search", "/records?q=nguyen+van+an")]  # fmt: skip
    while time.monotonic() < until:
        kind, path = rng.choice(pages)
        status, _, took = client.call(path)
        if measuring.is_set():
            tally.add(kind, took, status, note=path)
        time.sleep(rng.uniform(think / 2, think * 1.5))


def create_users(data: dict, officers: int) -> list[tuple[str, str]]:
    """(username, role) for the officers and reporters (the environment points at the DB)."""
    from treem_app import create_app
    from treem_app.extensions import db
    from treem_app.models import Unit
    from treem_app.services.accounts import create_user

    users = []
    app = create_app()
    with app.app_context():
        communes = data["commune_ids"]
        for i in range(officers):
            unit = db.session.get(Unit, communes[i % len(communes)])
            name = f"canbo.{i + 1:02d}"
            create_user(db.session, name, PASSWORD, role="officer", unit=unit)
            users.append((name, "officer"))
        for i, uid in enumerate([1, *data["district_ids"]]):
            name = f"baocao.{i + 1}"
            create_user(db.session, name, PASSWORD, role="reporter", unit=db.session.get(Unit, uid))
            users.append((name, "reporter"))
        db.session.commit()
        db.engine.dispose()
    return users


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def main() -> int:
    from treem_app.run import web_server_argv

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--communes", type=int, default=40)
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_LOAD_S", 300)))
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--think", type=float, default=2.0, help="mean pause between actions")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    args = parser.parse_args()
    support = _support()

    t0 = time.perf_counter()
    data = support.build_data(args.persons, args.communes)
    print(f"data: {len(data['persons']):,} persons in {args.communes} communes, "
          f"generated and screened in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    dbname = f"treem_bench_load_{os.getpid()}"
    support.pg_admin(f"CREATE DATABASE {dbname}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname
    tally = Tally()
    try:
        with tempfile.TemporaryDirectory(prefix="treem-bench-load-") as tmpdir:
            tmp = Path(tmpdir)
            env = dict(os.environ, DATABASE_URL=url, REDIS_URL=REDIS_URL,
                       TREEM_INSTANCE=str(tmp), SECRET_KEY=secrets.token_hex(32),
                       TREEM_SECURE_COOKIES="0", PYTHONPATH=str(ROOT))  # fmt: skip
            subprocess.run([str(BIN / "treem"), "db", "upgrade"], env=env, check=True, cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            support.load_data(url, data)
            saved = dict(os.environ)
            os.environ.update(env)
            try:
                users = create_users(data, args.officers)
            finally:
                os.environ.clear()
                os.environ.update(saved)
            port = support.free_port()
            log = open(tmp / "gunicorn.log", "w")  # closed below
            # The command line `make run` starts, without its access log.
            argv = web_server_argv(f"127.0.0.1:{port}", str(args.workers), access_log=False)
            server = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                      stderr=log)  # fmt: skip
            try:
                support.wait_for(port, server)
                base = f"http://127.0.0.1:{port}"
                clients = [Client(base, name, role) for name, role in users]
                for c in clients:
                    c.login()
                officers = sum(1 for c in clients if c.role == "officer")
                print(f"{officers} officers and {len(clients) - officers} reporters signed in; "
                      f"{args.warmup} s warm-up, then {args.seconds} s measured "
                      f"(think time {args.think:g} s on average)")  # fmt: skip
                measuring = threading.Event()
                until = time.monotonic() + args.warmup + args.seconds
                hamlets = support.HAMLETS
                threads = []
                for i, c in enumerate(clients):
                    rng = random.Random(1000 + i)
                    if c.role == "officer":
                        target, extra = officer_work, (hamlets, measuring)
                    else:
                        target, extra = reporter_work, (measuring,)
                    threads.append(threading.Thread(
                        target=target, args=(c, tally, rng, until, args.think, *extra),
                        daemon=True))  # fmt: skip
                for t in threads:
                    t.start()
                    time.sleep(0.05)  # people do not all click in the same millisecond
                time.sleep(args.warmup)
                measuring.set()
                started = time.monotonic()
                for t in threads:
                    t.join(timeout=max(1.0, until - time.monotonic() + 60))
                measured_s = time.monotonic() - started
            finally:
                support.stop_server(server)
                log.close()
            crashes = [ln for ln in (tmp / "gunicorn.log").read_text().splitlines()
                       if "Traceback" in ln or "WORKER TIMEOUT" in ln]  # fmt: skip
    finally:
        support.pg_admin(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")

    every = [s for values in tally.latencies.values() for s in values]
    by_kind = {
        kind: {"requests": len(v), "p50_ms": round(percentile(v, 50), 1),
               "p95_ms": round(percentile(v, 95), 1)}
        for kind, v in sorted(tally.latencies.items())
    }  # fmt: skip
    for kind, r in by_kind.items():
        print(f"  {kind:10} {r['requests']:6} requests, p50 {r['p50_ms']:7.1f} ms, "
              f"p95 {r['p95_ms']:7.1f} ms")  # fmt: skip
    for e in tally.errors[:10]:
        print(f"  error: {e}")
    errors = len(tally.errors) + len(crashes)
    p95 = round(percentile(every, 95), 1)
    result = {
        "bench": "load",
        "officers": args.officers,
        "reporters": len(data["district_ids"]) + 1,
        "persons": len(data["persons"]),
        "seconds": round(measured_s),
        "requests": len(every),
        "rps": round(len(every) / measured_s, 1) if measured_s else 0,
        "saves": tally.saves,
        "conflicts": tally.conflicts,
        "errors": errors,
        "p50_ms": round(statistics.median(every) * 1000, 1) if every else None,
        "p95_ms": p95,
        "by_kind": by_kind,
        "target": f"no errors, p95 < {TARGET_P95_MS:g} ms",
        "ok": errors == 0 and p95 < TARGET_P95_MS,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
