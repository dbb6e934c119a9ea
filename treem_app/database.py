"""Database engine settings that depend on the backend."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the web server read while a worker writes; foreign keys are off by default in
    # SQLite; busy_timeout waits for the writer instead of failing at once.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _no_prepared_statements(dbapi_conn, _record) -> None:
    # psycopg prepares a statement on the server after its fifth run on a connection (a named
    # statement kept by that server session). Behind PgBouncer in transaction mode (before 1.21,
    # or without max_prepared_statements) the next transaction may run on another server
    # session, which does not know the name: "prepared statement _pg3_0 does not exist".
    dbapi_conn.prepare_threshold = None


def init_app(app: Flask) -> None:
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        elif engine.dialect.name == "postgresql" and not app.config.get(
            "TREEM_PG_PREPARED_STATEMENTS", True
        ):
            event.listen(engine, "connect", _no_prepared_statements)
