"""Invariants of stored data that every test must leave true (checked after each test)."""

from __future__ import annotations

from sqlalchemy import text

from treem_app.services.queue_counts import mismatches

# Each person's open rank as the findings table says it should be.
OPEN_RANK_MISMATCHES = text(
    """
    SELECT p.id, p.open_rank, coalesce(min(CASE f.severity WHEN 'error' THEN 0
                                                           WHEN 'warning' THEN 1 END), 2)
    FROM persons p
    LEFT JOIN findings f ON f.person_id = p.id AND f.status = 'open'
    GROUP BY p.id, p.open_rank
    HAVING p.open_rank <> coalesce(min(CASE f.severity WHEN 'error' THEN 0
                                                       WHEN 'warning' THEN 1 END), 2)
    ORDER BY p.id
    """
)


def open_rank_mismatches(conn) -> list[tuple[int, int, int]]:
    """(person id, stored open_rank, open_rank recomputed from the open findings) of every
    person whose stored rank is wrong: none, always."""
    return [tuple(row) for row in conn.execute(OPEN_RANK_MISMATCHES)]


def assert_open_ranks(session) -> None:
    """The open rank of every person (as this session sees them) matches their findings."""
    session.flush()
    assert open_rank_mismatches(session.connection()) == []


def queue_count_mismatches(conn) -> list:
    """(row key, kept, recounted) of every work-queue count the triggers left out of step
    with the records: none, always (services.queue_counts)."""
    return mismatches(conn)
