"""The web server's access log holds no search text (issue 19): the search box's words (children's
names, ID numbers) travel in the query string and the referer, so the line `make run`'s gunicorn
writes has the path without either. Proved on a real gunicorn started with `make run`'s own
command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from treem_app.run import ACCESS_LOG_FORMAT, web_server_argv

from ..jobs.test_ingest_killed import app_env

SEARCH = "/records?q=Nguyen+Van+A&id=012345678901"
REFERER = "http://127.0.0.1/records?q=Tran+Thi+Bich&hamlet=Th%C3%B4n+M%E1%BB%99t"
SECRETS = ("Nguyen", "Van+A", "Van A", "012345678901", "Tran", "Bich", "q=", "hamlet=", "?")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, **headers: str) -> int:
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_access_log_has_the_path_but_not_the_search_text(app, test_config, tmp_path):
    port = free_port()
    argv = web_server_argv(f"127.0.0.1:{port}", workers="1")
    assert argv[argv.index("--access-logformat") + 1] == ACCESS_LOG_FORMAT
    env = app_env(test_config)
    log = tmp_path / "access.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert server.poll() is None, log.read_text()
                try:
                    if get(f"http://127.0.0.1:{port}/healthz") == 200:
                        break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.1)
            # Signed out, the search answers a redirect to the login page: it is logged all the
            # same, and the signed-in search is the same request line.
            assert get(f"http://127.0.0.1:{port}{SEARCH}", Referer=REFERER) == 302
            deadline = time.monotonic() + 10
            while "/records" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    lines = [ln for ln in log.read_text().splitlines() if "/records" in ln]
    assert len(lines) == 1, log.read_text()
    line = lines[0]
    assert '"GET /records HTTP/1.1" 302' in line, line
    assert not [s for s in SECRETS if s in line], line
