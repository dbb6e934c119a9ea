"""Statements over a set of ids (a province's 500 communes): ``column = ANY(:ids)`` with the ids
as one bound array on PostgreSQL, ``column IN (...)`` in slices under the host-parameter limit on
SQLite. An IN list of 500 bound values costs PostgreSQL (and SQLAlchemy, which expands it) a few
milliseconds to bind, parse and plan on every statement; one array parameter does not."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import ARRAY, Integer, any_, bindparam
from sqlalchemy.orm import Session

CHUNK = 900  # ids per IN (...) on SQLite: under its historical host-parameter limit (999)


def among(session: Session, column, ids: Sequence[int], chunk: int = CHUNK) -> Iterator:
    """The conditions "`column` is one of `ids`", one per statement to run (none for no ids)."""
    ids = list(ids)
    if not ids:
        return
    if session.get_bind().dialect.name == "postgresql":
        yield column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
        return
    for i in range(0, len(ids), chunk):
        yield column.in_(ids[i : i + chunk])
