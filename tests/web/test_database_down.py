"""PostgreSQL stopped and restarted under use (issue 16): while it is down every request gets a
Vietnamese "try again" page (503), never a 500 or a traceback, and when it is back the same app
instance serves again, without a restart. A private PostgreSQL cluster of the test's own is
stopped and started (the shared server is left alone)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade

from treem_app import create_app
from treem_app.extensions import db

from ..conftest import CSRF_RE, TEST_PASSWORD
from ..factories import Factories

HX = {"HX-Request": "true"}


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Cluster:
    """A throw-away PostgreSQL cluster on a free port (run as `postgres` when we are root)."""

    def __init__(self):
        self.bin = _pg_bin()
        if self.bin is None:
            pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self.root = Path(tempfile.mkdtemp(prefix="treem-pg-"))
        self.data = self.root / "data"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8", "--locale", "C.UTF-8")  # fmt: skip

    def _run(self, tool: str, *args: str) -> None:
        argv = [str(self.bin / tool), *args]
        if self.as_postgres:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off")  # fmt: skip
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.root / "log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def cluster():
    c = Cluster()
    c.start()
    yield c
    c.remove()


def test_postgresql_restarted_under_use_fails_cleanly_and_recovers(cluster, test_config):
    import psycopg

    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE treem")
    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": cluster.url("treem")})
    with app.app_context():
        upgrade()
        make = Factories(db.session)
        unit = make.unit()
        officer = make.user("officer", unit)
        person = make.person(unit, hamlet="Thôn Một")
        db.session.commit()
        username, person_id, version = officer.username, person.id, person.version
        db.session.remove()
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    resp = client.post(
        "/login", data={"username": username, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert resp.status_code == 302
    token = CSRF_RE.search(client.get("/home").get_data(as_text=True)).group(1)
    assert client.get("/records").status_code == 200

    def save_hamlet():
        return client.post(
            f"/records/{person_id}/facts/hamlet",
            data={"value": "Thôn Hai", "source": "household_visit", "version": version,
                  "csrf_token": token},
            headers=HX,
        )  # fmt: skip

    # Other officers keep using the app while the database goes down and comes back.
    statuses: list[int] = []
    stop = threading.Event()

    def browse():
        other = app.test_client()
        other.set_cookie(
            "session", client.get_cookie("session").value, domain="localhost"
        )  # the same signed-in session, another connection
        while not stop.is_set():
            statuses.append(other.get("/records").status_code)
            time.sleep(0.02)

    threads = [threading.Thread(target=browse) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.3)
        cluster.stop()
        down = client.get("/records")
        body = down.get_data(as_text=True)
        assert down.status_code == 503 and down.headers["Retry-After"] == "30"
        assert "không kết nối được cơ sở dữ liệu" in body and 'lang="vi"' in body
        assert "Traceback" not in body and "OperationalError" not in body
        save = save_hamlet()
        assert save.status_code == 503
        time.sleep(0.3)
        cluster.start()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)

    # The same app instance serves again: no restart, the pool replaced its dead connections.
    assert client.get("/records").status_code == 200
    save = save_hamlet()
    assert save.status_code == 200 and "Đã lưu." in save.get_data(as_text=True)
    assert statuses and set(statuses) <= {200, 503}, sorted(set(statuses))
    assert 503 in statuses and statuses[-1] == 200
    with app.app_context():
        db.engine.dispose()


def test_an_unexpected_error_is_a_vietnamese_page_not_flasks_default(test_config):
    app = create_app({**test_config, "PROPAGATE_EXCEPTIONS": False})

    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/_broken", "broken", broken)
    resp = app.test_client().get("/_broken")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 500 and 'lang="vi"' in body and "Đã xảy ra lỗi" in body
    assert "Internal Server Error" not in body and "RuntimeError" not in body
    with app.app_context():
        db.engine.dispose()
