"""TREEM_PG_PREPARED_STATEMENTS=0 (PgBouncer in transaction mode): psycopg never keeps a
prepared statement on the server, which another server session behind the pooler would not know.
PostgreSQL only; the default keeps psycopg's own (prepared after a statement's fifth run)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from treem_app import create_app
from treem_app.extensions import db


def _prepared_after_repeats(test_config, **config) -> int:
    app = create_app({**test_config, **config})
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                for _ in range(8):
                    conn.execute(text("SELECT count(*) FROM units WHERE id > :n"), {"n": 0})
                return conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
        finally:
            db.engine.dispose()


def test_no_statement_is_prepared_on_the_server_when_switched_off(app, test_config):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("prepared statements are psycopg's (PostgreSQL)")
    assert _prepared_after_repeats(test_config) >= 1  # psycopg's default prepares
    assert _prepared_after_repeats(test_config, TREEM_PG_PREPARED_STATEMENTS=False) == 0


def test_the_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    from treem_app.config import from_environment

    assert from_environment(str(tmp_path))["TREEM_PG_PREPARED_STATEMENTS"] is True
    monkeypatch.setenv("TREEM_PG_PREPARED_STATEMENTS", "0")
    assert from_environment(str(tmp_path))["TREEM_PG_PREPARED_STATEMENTS"] is False
