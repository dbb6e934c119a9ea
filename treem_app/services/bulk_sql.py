"""Set-based SQL for the bulk import: plain driver executemany, reserved ids, chunked IN lists.

Building ORM objects or large IN lists through SQLAlchemy costs more than the statements
themselves for a 50,000-row export; these helpers write plain rows inside the caller's
transaction.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import text

ID_CHUNK = 5000  # ID numbers per IN (...) query (SQLite >= 3.32 allows 32,766 parameters)

PERSON_INSERT = (
    "id", "kind", "unit_id", "hamlet", "full_name", "name_key", "dob", "dob_precision", "sex",
    "ethnicity", "id_number", "id_source", "father_name", "mother_name", "guardian_name",
    "national_key", "status", "open_rank", "version", "created_at", "updated_at",
    "software_facts", "sync_state", "allowance_category", "allowance_amount", "carer_name",
    "current_residence", "permanent_residence", "linked_person_id",
)  # fmt: skip
EVENT_INSERT = (
    "person_id", "user_id", "at", "field", "old_value", "new_value", "source", "note",
)  # fmt: skip
FINDING_INSERT = ("person_id", "rule", "field", "severity", "message", "status", "created_at")


def db_datetime(value: datetime, sqlite: bool) -> object:
    # SQLAlchemy's SQLite DateTime storage format (always with microseconds).
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value


def rows_where_in(conn, sql: str, fixed: tuple, values: list) -> list[tuple]:
    """Rows of ``sql`` (with two ``{}``: ``fixed`` values, then ``values``) run over chunks of
    ``values`` as plain driver queries: building large IN lists through SQLAlchemy costs more
    than the query itself."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    out: list[tuple] = []
    head = ", ".join([mark] * len(fixed))
    for i in range(0, len(values), ID_CHUNK):
        chunk = values[i : i + ID_CHUNK]
        query = sql.format(head, ", ".join([mark] * len(chunk)))
        out.extend(conn.exec_driver_sql(query, (*fixed, *chunk)).fetchall())
    return out


def allocate_ids(conn, table: str, n: int) -> list[int]:
    """Reserve ``n`` primary keys for a bulk insert of rows whose ids are needed right away.

    PostgreSQL: from the table's sequence. SQLite: after max(id); the import already holds the
    database's write lock (it wrote its run row first), so no other writer can take them.
    """
    if conn.dialect.name == "postgresql":
        return list(
            conn.execute(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": n},
            ).scalars()
        )
    start = conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()
    return list(range(start + 1, start + 1 + n))


# Page cache (KiB, as SQLite's negative cache_size) for a bulk insert on SQLite: new rows land
# at random places of several indexes, and with the default 2 MB cache SQLite keeps writing
# pages out of the cache and reading them back within the one transaction. Memory only: what
# is written, when it is made durable and the transaction are unchanged.
BULK_CACHE_KIB = 64 * 1024


@contextmanager
def bulk_load(conn):
    """SQLite: a larger page cache for the bulk insert, set back afterwards. Others: as is.

    (Dropping and rebuilding the indexes around a large first load was tried: it saved about
    0.17 s on 50,000 rows but changed the schema at run time, which is not worth the risk.)
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    dbapi = conn.connection.dbapi_connection
    before = dbapi.execute("PRAGMA cache_size").fetchone()[0]
    dbapi.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
    try:
        yield
    finally:
        dbapi.execute(f"PRAGMA cache_size = {int(before)}")


def creation_events(conn, ids, excel_rows, user_id, ts, new_value, note) -> None:
    """One "person" event per new person (``note`` followed by its Excel row), written by the
    database from the list of ids and row numbers in one statement: only two numbers per
    event cross over from Python. Other databases: one row each through executemany."""
    columns = ", ".join(EVENT_INSERT)
    dialect = conn.dialect.name
    if dialect == "sqlite" and ids[-1] - ids[0] == len(ids) - 1:  # ids are one run
        conn.exec_driver_sql(
            f"INSERT INTO person_events ({columns}) "
            "SELECT ? + j.key, ?, ?, 'person', NULL, ?, 'export', ? || j.value "
            "FROM json_each(?) AS j ORDER BY j.key",
            (ids[0], user_id, ts, new_value, note, json.dumps(excel_rows)),
        )
    elif dialect == "postgresql":
        conn.exec_driver_sql(
            f"INSERT INTO person_events ({columns}) "
            "SELECT t.pid, %s::integer, %s::timestamp, 'person', NULL, %s::text, 'export', "
            "%s::text || t.r "
            "FROM unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY AS t(pid, r, n) ORDER BY t.n",
            (user_id, ts, new_value, note, list(ids), excel_rows),
        )
    else:
        rows = [
            (pid, user_id, ts, "person", None, new_value, "export", f"{note}{r}")
            for pid, r in zip(ids, excel_rows, strict=True)
        ]
        bulk_insert(conn, "person_events", EVENT_INSERT, rows)


def bulk_insert(conn, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT many rows through the driver's executemany (no per-value ORM processing)."""
    if not rows:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, rows)
