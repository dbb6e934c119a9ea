"""search unit trgm: the name search's trigram index led by the unit (btree_gin)

Issue 15, "every page's cost grows with the user's scope, never with the database". The
trigram index of migration 0023 holds every name in the database: an officer's search in one
commune (``unit_id = ? AND name_key LIKE '%…%'``) read the name's trigrams in every province
and kept the commune's few (29 ms for "nguyen van hung" at 600,000 persons in three provinces,
945 index pages, growing with the other provinces' data). A GIN index on
``(unit_id, name_key gin_trgm_ops)`` (``btree_gin``, a trusted extension since PostgreSQL 13,
indexes the integer column) intersects the unit's entry with the trigrams': 0.7 ms, 43 pages.
It serves a search on the name alone as the old index did (the trigram column is searched on
its own), so it replaces it. A province's search (``unit_id = ANY(...)``) cannot give GIN the
list (no array search in GIN): it reads the name's trigrams as before (see the README, "A
national deployment"). SQLite: nothing (its LIKE over the unit's persons).

Revision ID: 0029_search_unit_trgm
Revises: 0028_queue_counts_hamlets
Create Date: 2026-12-12 09:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0029_search_unit_trgm"
down_revision = "0028_queue_counts_hamlets"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.create_index(
        "ix_persons_unit_name_trgm",
        "persons",
        ["unit_id", "name_key"],
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
    )
    op.drop_index("ix_persons_name_key_trgm", table_name="persons")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_persons_name_key_trgm",
        "persons",
        ["name_key"],
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
    )
    op.drop_index("ix_persons_unit_name_trgm", table_name="persons")
    # The extension stays: other objects may use it, and dropping it needs more rights.
