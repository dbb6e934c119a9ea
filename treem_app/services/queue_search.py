"""How the work queue's search box matches (issue 15): a name from the start of one of its
words, an ID number from its first digits. The conditions on the persons table and the values
bound to them; services.work_queue runs them (each word start's index up to its cap)."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, literal_column

from ..domain.names import name_key
from ..models import Person
from ..models.person import NAME_WORD_STARTS, name_from

P = Person.__table__.c


def word_starts(dialect: str) -> list:
    """The search text starts one of the folded name's words: one condition per word start
    (any one matches). On PostgreSQL a range per word start (the name and its tails,
    models.person.name_from) in the byte order of the indexes' text_pattern_ops, each read from
    its index led by the unit, with no LIKE left to re-check on every match (five regular
    expressions a row: 3 ms for 640 matches instead of 0.4). On SQLite the name's start or a
    space before it."""
    if dialect != "postgresql":
        return [
            P.name_key.like(bindparam("search"), escape="/"),
            P.name_key.like(bindparam("search_word"), escape="/"),
        ]
    starts = [P.name_key] + [
        literal_column(name_from(word, "persons")) for word in range(2, NAME_WORD_STARTS + 1)
    ]
    return [
        and_(
            key.op("~>=~", is_comparison=True)(bindparam("name_from")),
            key.op("~<~", is_comparison=True)(bindparam("name_below")),
        )
        for key in starts
    ]


def number_start():
    """The ID number starts with the digits typed (ix_persons_unit_id_number's range)."""
    return P.id_number.like(bindparam("search"), escape="/")


def is_number(q: str) -> bool:
    """Digits (spaces ignored) are the start of an ID number, anything else of a name."""
    return q.replace(" ", "").isdigit()


def search_params(q: str) -> dict[str, str]:
    """The values the conditions above bind for the text typed (:func:`is_number`): the
    digits, or the folded name."""
    if is_number(q):
        return {"search": like_pattern(q.replace(" ", ""))}
    key = name_key(q)
    pattern = like_pattern(key)
    # What starts with the key, in byte order: from the key to the key and the last code point
    # (above every character a name holds).
    return {"search": pattern, "search_word": "% " + pattern, "name_from": key,
            "name_below": key + "\U0010ffff"}  # fmt: skip


def like_pattern(text: str) -> str:
    """A LIKE pattern (escape "/") matching what starts with `text`."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
