"""Who is who: merge keys for re-imports and probable duplicate persons (DUPLICATE_PERSON).

A pair is a probable duplicate (SPEC section 4) when, with the same date of birth (same value and
precision) and no conflicting recorded sex:

* ``same_name_dob_parent``: the same normalised name and a parent (father, mother or guardian)
  in common; or
* ``similar_name_dob_parent``: the same family and given name, names otherwise nearly identical
  (a middle name missing or misspelt: rapidfuzz token-set ratio >= 90) and a parent in common; or
* ``same_national_key``: the same key in the national software (the export repeated a row).

Parents are "in common" when their search keys are equal or nearly so (ratio >= 92), so spacing,
case, tone placement and encoding never separate them. Only records sharing a block (date of birth
and given name) are compared, so the cost grows with the number of records, not its square.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rapidfuzz import fuzz

from treem_app.domain.names import name_key

PARENT_FIELDS = ("father_name", "mother_name", "guardian_name")
NAME_SIMILARITY = 90
PARENT_SIMILARITY = 92


def _parent_keys(facts: Mapping[str, object]) -> list[str]:
    return [name_key(v) for f in PARENT_FIELDS if isinstance(v := facts.get(f), str) and v]


def block_key(facts: Mapping[str, object]) -> tuple[object, ...] | None:
    """The blocking key of a record (date of birth, precision, given name) or None."""
    key = facts.get("name_key")
    dob = facts.get("dob")
    if not key or dob is None or not isinstance(key, str):
        return None
    return dob, facts.get("dob_precision"), key.rsplit(" ", 1)[-1]


def _common_parent(a: list[str], b: list[str]) -> bool:
    for x in a:
        for y in b:
            if x == y or fuzz.ratio(x, y) >= PARENT_SIMILARITY:
                return True
    return False


def duplicate_reason(
    a: Mapping[str, object], b: Mapping[str, object], *, same_block: bool = False
) -> str | None:
    """Why two normalised records are probably the same person, or None.

    ``same_block`` skips the date-of-birth and given-name comparison when the caller already
    grouped the records by :func:`block_key`.
    """
    ka, kb = a.get("national_key"), b.get("national_key")
    if ka and ka == kb:
        return "same_national_key"
    if not same_block and (block_key(a) is None or block_key(a) != block_key(b)):
        return None
    return _reason_in_block(a, b, _parent_keys)


def _reason_in_block(
    a: Mapping[str, object],
    b: Mapping[str, object],
    parent_keys: Callable[[Mapping[str, object]], list[str]],
) -> str | None:
    """:func:`duplicate_reason` of two records of one block with different national keys.

    ``parent_keys`` is :func:`_parent_keys` or a cached equivalent.
    """
    sa, sb = a.get("sex"), b.get("sex")
    if sa and sb and sa != sb:
        return None
    na, nb = str(a["name_key"]), str(b["name_key"])
    same_name = na == nb
    if not same_name and na.split(" ", 1)[0] != nb.split(" ", 1)[0]:
        return None
    if not same_name and fuzz.token_set_ratio(na, nb) < NAME_SIMILARITY:
        return None
    pa, pb = parent_keys(a), parent_keys(b)
    if not pa or not pb or not _common_parent(pa, pb):
        return None
    return "same_name_dob_parent" if same_name else "similar_name_dob_parent"


def find_duplicate_persons(records: Sequence[Mapping[str, object]]) -> list[tuple[int, int, str]]:
    """Probable duplicate pairs ``(i, j, reason)`` with i < j among normalised fact dicts."""
    finder = DuplicateFinder()
    for i, facts in enumerate(records):
        finder.add(i, facts.get("national_key"), block_key(facts))
    return finder.pairs(records)


class DuplicateFinder:
    """Collect records one by one (index, national key, block key), then list duplicate pairs.

    "First index seen" dicts make one pass; lists are only built for keys seen twice, which
    keeps a whole province (1.5 million records) linear and light.
    """

    __slots__ = ("_block_groups", "_first_block", "_first_key", "_key_groups")

    def __init__(self) -> None:
        self._first_key: dict[object, int] = {}
        self._first_block: dict[object, int] = {}
        self._key_groups: dict[object, list[int]] = {}
        self._block_groups: dict[object, list[int]] = {}

    def add(self, index: int, national_key: object, block: object) -> None:
        """Register one record; ``block`` is :func:`block_key` of its facts (or None)."""
        if national_key:
            j = self._first_key.setdefault(national_key, index)
            if j != index:
                self._key_groups.setdefault(national_key, [j]).append(index)
        if block is not None:
            j = self._first_block.setdefault(block, index)
            if j != index:
                self._block_groups.setdefault(block, [j]).append(index)

    def pairs(self, records: Sequence[Mapping[str, object]]) -> list[tuple[int, int, str]]:
        """Duplicate pairs ``(i, j, reason)``, i < j, comparing records within each block."""
        return duplicate_pairs(records, self._key_groups, self._block_groups)


def duplicate_pairs(
    records: Sequence[Mapping[str, object]],
    key_groups: Mapping[object, list[int]],
    block_groups: Mapping[object, list[int]],
) -> list[tuple[int, int, str]]:
    """Duplicate pairs from groups of indices sharing a national key or a block key."""
    pairs: dict[tuple[int, int], str] = {}
    for idx in key_groups.values():
        for n, i in enumerate(idx):
            for j in idx[n + 1 :]:
                pairs[(i, j)] = "same_national_key"
    # Parent keys once per record (a record meets every other record of its block). The cache
    # holds each record, so an id cannot be reused for another one during the call.
    known: dict[int, tuple[Mapping[str, object], list[str]]] = {}

    def parent_keys(facts: Mapping[str, object]) -> list[str]:
        hit = known.get(id(facts))
        if hit is None or hit[0] is not facts:
            hit = known[id(facts)] = (facts, _parent_keys(facts))
        return hit[1]

    for idx in block_groups.values():
        for n, i in enumerate(idx):
            a = records[i]
            for j in idx[n + 1 :]:
                if (i, j) not in pairs:
                    b = records[j]
                    ka = a.get("national_key")
                    if ka and ka == b.get("national_key"):
                        reason: str | None = "same_national_key"
                    else:
                        reason = _reason_in_block(a, b, parent_keys)
                    if reason:
                        pairs[(i, j)] = reason
    return [(i, j, r) for (i, j), r in sorted(pairs.items())]


def find_duplicate_ids(ids: Sequence[str | None]) -> dict[int, int]:
    """Map each index whose 12-digit ID occurs elsewhere in the list to one other such index."""
    first: dict[str, int] = {}
    related: dict[int, int] = {}
    for i, value in enumerate(ids):
        if not value:
            continue
        j = first.setdefault(value, i)
        if j != i:
            related[i] = j
            related.setdefault(j, i)
    return related


def merge_keys(facts: Mapping[str, object]) -> list[tuple[str, object]]:
    """Keys to find a record again on re-import, strongest first (SPEC section 5).

    National key, then ID number (12 digits only), then name + date of birth + each parent.
    """
    return strong_merge_keys(facts) + weak_merge_keys(facts)


def strong_merge_keys(facts: Mapping[str, object]) -> list[tuple[str, object]]:
    """The first keys of :func:`merge_keys`: the national key, then the ID number."""
    keys: list[tuple[str, object]] = []
    if facts.get("national_key"):
        keys.append(("national_key", facts["national_key"]))
    idn = facts.get("id_number")
    if isinstance(idn, str) and len(idn) == 12 and idn.isdigit():
        keys.append(("id_number", idn))
    return keys


def weak_merge_keys(facts: Mapping[str, object]) -> list[tuple[str, object]]:
    """The last keys of :func:`merge_keys`: name + date of birth + each parent (the parents'
    search keys are computed here, so a caller matching by the strong keys first can skip it)."""
    nk, dob = facts.get("name_key"), facts.get("dob")
    if not nk or dob is None:
        return []
    return [("name_dob_parent", (nk, dob, parent)) for parent in _parent_keys(facts)]


def reimport_weak_keys(facts: Mapping[str, object]) -> list[tuple]:
    """A re-import's weak merge keys (name + date of birth + parent), then name + parent.

    The last one finds a person whose date of birth was corrected in treem (so it no longer
    equals the export's); it is used only when exactly one person carries it.
    """
    keys = weak_merge_keys(facts)
    name = facts.get("name_key")
    if name:
        keys += [("name_parent", (name, value[2])) for _kind, value in keys]
    return keys


def first_unclaimed(index: dict[tuple, list], keys: list[tuple], claimed: set[int]):
    """The first person (anything with an ``id``) under ``keys`` (in order) not yet matched to
    another row: a re-import's match (services.roster_merge)."""
    for key in keys:
        candidates = index.get(key, ())
        if key[0] in ("name_parent", "name_dob") and len(candidates) != 1:
            continue  # the weakest keys only count when they are unambiguous
        for p in candidates:
            if p.id not in claimed:
                return p
    return None
