"""search trgm: a trigram index on the folded name key, for the work queue's name search

Issue 15. The queue's name search is ``name_key LIKE '%…%'`` (a part of the name, accents
folded): no b-tree helps, so PostgreSQL read every name of the scope (a province: 600,000).
On PostgreSQL a GIN index of the key's trigrams (``pg_trgm``, a trusted extension since
PostgreSQL 13) answers a pattern of three letters or more from the index. SQLite keeps its
plain LIKE over the unit's persons (a commune's database, small): nothing to do there.

Revision ID: 0023_search_trgm
Revises: 0022_login_throttles
Create Date: 2026-12-08 02:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_search_trgm"
down_revision = "0022_login_throttles"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_persons_name_key_trgm",
        "persons",
        ["name_key"],
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_persons_name_key_trgm", table_name="persons")
    # The extension stays: other objects may use it, and dropping it needs more rights.
