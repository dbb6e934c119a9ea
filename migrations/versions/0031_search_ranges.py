"""search ranges: a name from the start of one of its words, an ID number from its first digits

Issue 15, "no cliff at any number of matches" and "each page's p50 at 1.5 million within 1.5×
of 200,000".

The trigram index of migration 0029 found a substring of the folded name, but a province's
search for a common name read the posting lists of its trigrams ("ngu", "guy", "uye", "yen"
are in 40 % of the names), which grow with the province and with every other province in the
database: 25 ms at 1.5 million persons against 4 ms at 200,000 for the statement, a page
ratio of 4. A name search now matches the start of a word of the name ("hung", "van hung",
"nguyen van h" find "Nguyễn Văn Hùng"; "ung" finds nothing: the officers type names, not the
middles of syllables). Each word start is a btree range: the name itself, and its tail from
the 2nd, 3rd, 4th and 5th word (``treem_name_from(name_key, k)``, an immutable SQL function),
each index led by the unit, so a province's search descends once per commune and reads only
the matches (3 ms for "nguyen van hung", 469 matches, at 1.5 million), whatever the other
provinces hold. The indexes use ``text_pattern_ops``: a LIKE prefix is a range under any
database collation. On PostgreSQL a name of six words or more is found from the starts of its
first five words. The trigram index is dropped (one GIN index less to update on every write);
the extensions stay.

The ID number search (the first digits typed) had no index it could use under a database
collation other than C: ``ix_persons_id_number`` is in the default operator class, so a
province's search for a whole number read every person in scope (145 ms at 1.5 million
against 23 ms at 200,000). ``ix_persons_unit_id_number`` (``text_pattern_ops`` on
PostgreSQL, led by the unit) reads the numbers that start with the digits, on both databases.

SQLite: the ID number index; its name search is a LIKE over the unit's names, at any word
start.

Revision ID: 0031_search_ranges
Revises: 0030_queue_rollups
Create Date: 2026-12-06 10:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0031_search_ranges"
down_revision = "0030_queue_rollups"
branch_labels = None
depends_on = None

# The word starts of a name a search matches (treem_app.models.person.NAME_WORD_STARTS).
WORDS = 5

FUNCTION = """
CREATE OR REPLACE FUNCTION treem_name_from(name_key text, word integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT nullif(regexp_replace(name_key, '^([^ ]+ ){' || (word - 1) || '}', ''), name_key) $$
"""


def upgrade():
    op.create_index(
        "ix_persons_unit_id_number",
        "persons",
        ["unit_id", "id_number"],
        postgresql_ops={"id_number": "text_pattern_ops"},
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    op.drop_index("ix_persons_unit_name_key", table_name="persons")
    op.create_index(
        "ix_persons_unit_name_key",
        "persons",
        ["unit_id", "name_key"],
        postgresql_ops={"name_key": "text_pattern_ops"},
    )
    for word in range(2, WORDS + 1):
        tail = f"treem_name_from(name_key, {word})"
        op.execute(
            f"CREATE INDEX ix_persons_unit_name_w{word} ON persons "
            f"(unit_id, {tail} text_pattern_ops) WHERE {tail} IS NOT NULL"
        )
    op.drop_index("ix_persons_unit_name_trgm", table_name="persons")


def downgrade():
    op.drop_index("ix_persons_unit_id_number", table_name="persons")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index(
        "ix_persons_unit_name_trgm",
        "persons",
        ["unit_id", "name_key"],
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
    )
    for word in range(2, WORDS + 1):
        op.drop_index(f"ix_persons_unit_name_w{word}", table_name="persons")
    op.drop_index("ix_persons_unit_name_key", table_name="persons")
    op.create_index("ix_persons_unit_name_key", "persons", ["unit_id", "name_key"])
    op.execute("DROP FUNCTION treem_name_from(text, integer)")
