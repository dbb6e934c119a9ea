"""Screening: raw exported rows -> normalised facts, automatic fixes and findings (SPEC section 4).

The entry points (:func:`screen_rows`, :func:`screen_columns`, :func:`screen_one`) are shared
by the importer, the editor, the return-sheet ingestion and the CLI. Raw rows are mappings with
the canonical field names of :data:`treem_app.domain.findings.FIELDS` (values: str, int, float,
date/datetime or None), plus an optional ``_owner`` (the registry key of the person the row
belongs to, for ID_DUPLICATE against ``registry_ids``; defaults to ``national_key``).

Rows go column by column: :func:`screen_rows` (and :func:`screen_one`) turn them into columns,
:func:`screen_columns` takes columns as a spreadsheet reader has them. What one cell screens to
comes from :mod:`treem_app.domain.cell_outcomes`, once per distinct raw value (a province has far
fewer distinct names, dates and spellings than rows), which is what keeps a 50,000-row screening
cheaper than reading the workbook (``bench/screen.py``). This module adds the rules that need more
than one cell: the ID number against sex and year of birth, GUARDIAN_MISSING, ID_DUPLICATE
(within the rows and against the registry) and DUPLICATE_PERSON within the rows.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import contains, itemgetter, ne

from treem_app.domain import beneficiaries as bene
from treem_app.domain._memo import clear_all
from treem_app.domain.cell_outcomes import (
    dob_outcome,
    ethnicity_outcome,
    full_name_outcome,
    hamlet_outcome,
    national_keys,
    outcomes,
    parent_outcome,
    sex_outcome,
)
from treem_app.domain.findings import FIELDS, Finding, Rule, Severity, finding
from treem_app.domain.idnumber import IdPrefixes, check_id, clean_id
from treem_app.domain.matching import duplicate_pairs
from treem_app.domain.sex import SEX_LABELS

__all__ = [
    "SEX_LABELS",
    "Fix",
    "ScreenedRecord",
    "ScreeningResult",
    "screen_columns",
    "screen_one",
    "screen_rows",
]

PARENT_FIELDS = ("father_name", "mother_name", "guardian_name")


@dataclass(slots=True)
class Fix:
    """An automatic normalisation made during screening (recorded as a history event)."""

    field: str
    old: object
    new: object
    rule: Rule


@dataclass(slots=True)
class ScreenedRecord:
    """One screened row: its index in the input, normalised facts, fixes and findings."""

    index: int
    facts: dict[str, object]
    fixes: list[Fix]
    findings: list[Finding]

    @property
    def has_errors(self) -> bool:
        """True when an error-severity finding remains."""
        return any(f.severity is Severity.ERROR for f in self.findings)

    def rules(self) -> set[str]:
        """The rule codes found on this record."""
        return {str(f.rule) for f in self.findings}


@dataclass(slots=True)
class ScreeningResult:
    """All screened records of one call, in input order."""

    records: list[ScreenedRecord]

    def by_rule(self) -> dict[str, int]:
        """Number of findings per rule code (only rules that fired), in SPEC order."""
        counts = Counter(f.rule for r in self.records for f in r.findings)
        return {str(rule): counts[rule] for rule in Rule if counts[rule]}

    def findings(self) -> list[tuple[int, Finding]]:
        """Every (record index, finding) pair, in input order."""
        return [(r.index, f) for r in self.records for f in r.findings]


_GUARDIAN_MISSING = finding(
    Rule.GUARDIAN_MISSING, "guardians", "Chưa có họ tên cha, mẹ hoặc người giám hộ."
)
_DUPLICATE_TEXT = {
    "same_name_dob_parent": "Có thể trùng người: cùng họ tên, ngày sinh và cha/mẹ/người giám hộ "
    "với một hồ sơ khác.",
    "similar_name_dob_parent": "Có thể trùng người: họ tên gần giống, cùng ngày sinh và "
    "cha/mẹ/người giám hộ với một hồ sơ khác.",
    "same_national_key": "Có thể trùng người: cùng mã trên phần mềm với một hồ sơ khác.",
}


def _hashable_row(row: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for k, v in row.items():
        try:
            hash(v)
        except TypeError:
            v = str(v)
        out[k] = v
    return out


def screen_rows(
    rows: Iterable[Mapping[str, object]],
    screening_date: dt.date,
    *,
    registry_ids: Mapping[str, object] | None = None,
    children: bool = True,
    detect_duplicates: bool = True,
) -> ScreeningResult:
    """Normalise and screen raw rows on ``screening_date``; see the module docstring.

    ``registry_ids`` maps ID numbers already in the registry to an opaque owner key, so
    ID_DUPLICATE also fires against persons outside ``rows`` (a row whose ``_owner`` or
    ``national_key`` equals that owner is the same person). ``children`` applies
    AGE_OUT_OF_SCOPE; ``detect_duplicates`` runs DUPLICATE_PERSON (ID_DUPLICATE always runs).
    """
    # Building tens of thousands of small dicts and lists makes the cyclic garbage collector
    # rescan everything again and again without finding any garbage; pause it for the batch.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _screen(rows, screening_date, registry_ids, children, detect_duplicates)
    finally:
        if gc_was_enabled:
            gc.enable()


def screen_columns(
    columns: Mapping[str, Sequence[object]],
    screening_date: dt.date,
    *,
    registry_ids: Mapping[str, object] | None = None,
    children: bool = True,
    detect_duplicates: bool = True,
) -> ScreeningResult:
    """:func:`screen_rows` for rows given column by column, as a spreadsheet reader has them.

    ``columns`` maps field names (and optionally ``_owner``) to equally long sequences, one value
    per row; a field without a column is missing from every row. The result is the same as
    ``screen_rows`` on the rows those columns make, without building a mapping per row.
    """
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError("every column must have one value per row")
    n = lengths.pop() if lengths else 0
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            return _screen_columns(
                columns, n, screening_date, registry_ids, children, detect_duplicates
            )
        except _Unhashable:
            names = list(columns)
            rows = [
                dict(zip(names, values, strict=True))
                for values in zip(*columns.values(), strict=True)
            ]
            return _screen_unhashable(
                rows, screening_date, registry_ids, children, detect_duplicates
            )
    finally:
        if gc_was_enabled:
            gc.enable()


# The fields whose outcome is computed once per distinct cell value (so must be hashable).
_CACHED_FIELDS = (
    "full_name",
    "dob",
    "sex",
    "ethnicity",
    "father_name",
    "mother_name",
    "guardian_name",
    "hamlet",
)


def _column(rows: list[Mapping[str, object]], field: str) -> list[object]:
    """One field of every row (None where a row lacks it)."""
    try:
        return list(map(itemgetter(field), rows))
    except KeyError:  # some rows lack the column
        return [row.get(field) for row in rows]


def _repeats(keys: list[object]) -> dict[object, list[int]]:
    """Indices of every key (not None) that occurs more than once, in input order."""
    n = len(keys)
    first = dict(zip(reversed(keys), range(n - 1, -1, -1), strict=True))  # key -> first index
    if len(first) == n:
        return {}
    groups: dict[object, list[int]] = {}
    # Every later occurrence: where the first index of the key is not the index itself.
    for i in compress(range(n), map(ne, map(first.__getitem__, keys), count())):
        k = keys[i]
        if k is not None:
            groups.setdefault(k, [first[k]]).append(i)
    return groups


def _screen(
    rows: Iterable[Mapping[str, object]],
    today: dt.date,
    registry_ids: Mapping[str, object] | None,
    children: bool,
    detect_duplicates: bool,
) -> ScreeningResult:
    rows = rows if rows.__class__ is list else list(rows)  # type: ignore[assignment]
    column = {f: _column(rows, f) for f in FIELDS}  # type: ignore[arg-type]
    if any(map(contains, rows, repeat("_owner"))):  # the registry, one person's two records
        column["_owner"] = [row.get("_owner") for row in rows]
    for extra in ("_kind", *bene.BENEFICIARY_FIELDS):  # a beneficiary's kind and own facts
        if any(map(contains, rows, repeat(extra))):
            column[extra] = [row.get(extra) for row in rows]
    try:
        return _screen_columns(column, len(rows), today, registry_ids, children, detect_duplicates)
    except _Unhashable:  # an unhashable value (not from a spreadsheet)
        return _screen_unhashable(rows, today, registry_ids, children, detect_duplicates)


class _Unhashable(Exception):  # an internal signal, not an error users see
    """A cell value cannot be a dictionary key (only from callers other than a spreadsheet)."""


def _screen_columns(
    column: Mapping[str, Sequence[object]],
    n: int,
    today: dt.date,
    registry_ids: Mapping[str, object] | None,
    children: bool,
    detect_duplicates: bool,
) -> ScreeningResult:
    missing: list[object] = [None] * n
    kinds = column.get("_kind")  # a person's kind per row (rows without it: ``children``)
    extras = [f for f in bene.BENEFICIARY_FIELDS if f in column]
    extra_columns = {f: column[f] for f in extras}
    column = {f: column.get(f, missing) for f in (*FIELDS, "_owner")}
    # Column by column, each distinct cell value is normalised once (a province has far fewer
    # distinct names, dates and spellings than rows); the row loop below only assembles.
    try:
        names = outcomes(column["full_name"], full_name_outcome)
        dobs = outcomes(column["dob"], dob_outcome(today, children))
        if kinds is not None and bene.BENEFICIARY in kinds:
            # No under-16 scope for a beneficiary (AGE_OUT_OF_SCOPE is the children's rule).
            adult_dobs = outcomes(column["dob"], dob_outcome(today, False))
            pick = zip(adult_dobs, dobs, kinds, strict=True)
            dobs = [a if k == bene.BENEFICIARY else c for a, c, k in pick]
        sexes = outcomes(column["sex"], sex_outcome)
        ethnicities = outcomes(column["ethnicity"], ethnicity_outcome)
        fathers = outcomes(column["father_name"], parent_outcome("father_name"))
        mothers = outcomes(column["mother_name"], parent_outcome("mother_name"))
        guardians = outcomes(column["guardian_name"], parent_outcome("guardian_name"))
        hamlets = outcomes(column["hamlet"], hamlet_outcome)
    except TypeError as exc:
        raise _Unhashable from exc
    nat_keys = national_keys(column["national_key"])

    prefixes = IdPrefixes()
    str_ = str
    normalized = Rule.NAME_NORMALIZED
    guardian_missing = _GUARDIAN_MISSING
    records: list[ScreenedRecord] = []
    append = records.append
    ids: list[str | None] = []  # the 12-digit number of every row, None when there is none
    add_id = ids.append
    first_block: dict[object, int] = {}
    block_groups: dict[object, list[int]] = {}
    raw_names, raw_fathers, raw_mothers = (
        column["full_name"],
        column["father_name"],
        column["mother_name"],
    )
    raw_guardians, raw_hamlets = column["guardian_name"], column["hamlet"]
    for index, (full_name, key, name_findings, name_changed, given), (
        dob,
        precision,
        dob_findings,
    ), (sex, sex_findings), (ethnicity, eth_findings), raw_id, (father, father_findings), (
        mother,
        mother_findings,
    ), (guardian, guardian_findings), (hamlet, hamlet_fix), nk in zip(
        count(),
        names,
        dobs,
        sexes,
        ethnicities,
        column["id_number"],
        fathers,
        mothers,
        guardians,
        hamlets,
        nat_keys,
    ):
        if name_findings or dob_findings or sex_findings or eth_findings:
            findings = [*name_findings, *dob_findings, *sex_findings, *eth_findings]
        else:
            findings = []
        fixes: list[Fix] = []
        if name_changed:
            fixes.append(Fix("full_name", raw_names[index], full_name, normalized))

        if raw_id.__class__ is str_ and len(raw_id) == 12 and raw_id.isdigit() and raw_id.isascii():
            id_number = raw_id
        else:
            cleaned = clean_id(raw_id)
            id_number = cleaned.value
            findings.extend(cleaned.findings)
            if cleaned.changed:
                # Separators removed only: a format repair without a finding.
                rule = Rule.ID_LEADING_ZERO_RESTORED if cleaned.findings else Rule.ID_FORMAT
                fixes.append(Fix("id_number", raw_id, id_number, rule))
            if not cleaned.ok:
                add_id(None)
                id_number = None
        if id_number is not None:
            add_id(id_number)
            # Province, sex digit and birth year from a per-prefix cache; a mismatch of the
            # year read from digits 4-6 is a century and/or a year-digit mismatch.
            known, female, year = prefixes[id_number[:6]]
            if (
                not known
                or (sex is not None and female != (sex == "F"))
                or (dob is not None and dob.year != year)
            ):
                findings.extend(check_id(id_number, sex, dob.year if dob is not None else None))
        else:
            id_number = cleaned.value

        if father_findings:
            findings.extend(father_findings)
            if father is not None:
                fixes.append(Fix("father_name", raw_fathers[index], father, normalized))
        if mother_findings:
            findings.extend(mother_findings)
            if mother is not None:
                fixes.append(Fix("mother_name", raw_mothers[index], mother, normalized))
        if guardian_findings:
            findings.extend(guardian_findings)
            if guardian is not None:
                fixes.append(Fix("guardian_name", raw_guardians[index], guardian, normalized))
        if (
            father is None
            and mother is None
            and guardian is None
            and (kinds is None or bene.needs_guardian(kinds[index], dob, precision, today))
        ):
            findings.append(guardian_missing)
        if hamlet_fix:
            fixes.append(Fix("hamlet", raw_hamlets[index], hamlet, normalized))

        append(
            ScreenedRecord(
                index,
                {
                    "national_key": nk,
                    "full_name": full_name,
                    "name_key": key,
                    "dob": dob,
                    "dob_precision": precision,
                    "sex": sex,
                    "ethnicity": ethnicity,
                    "id_number": id_number,
                    "father_name": father,
                    "mother_name": mother,
                    "guardian_name": guardian,
                    "hamlet": hamlet,
                },
                fixes,
                findings,
            )
        )
        if detect_duplicates and given is not None and dob is not None:
            block = (dob, precision, given)
            j = first_block.setdefault(block, index)
            if j != index:
                block_groups.setdefault(block, [j]).append(index)

    if extras or kinds is not None:
        _beneficiary_facts(records, extra_columns, kinds)
    owners = column["_owner"]
    _flag_duplicate_ids(
        records, ids, owners if owners is not missing else None, nat_keys, registry_ids
    )
    if detect_duplicates:
        facts = [r.facts for r in records]
        seen: set[int] = set()
        for i, j, reason in duplicate_pairs(facts, _repeats(nat_keys), block_groups):
            if owners is not missing and owners[i] is not None and owners[i] == owners[j]:
                continue  # one person's two records (a beneficiary linked to its child record)
            for a, b in ((i, j), (j, i)):
                if a not in seen:
                    seen.add(a)
                    records[a].findings.append(
                        finding(Rule.DUPLICATE_PERSON, "person", _DUPLICATE_TEXT[reason], related=b)
                    )
    return ScreeningResult(records)


def _screen_unhashable(
    rows: list[Mapping[str, object]],
    today: dt.date,
    registry_ids: Mapping[str, object] | None,
    children: bool,
    detect_duplicates: bool,
) -> ScreeningResult:
    """Screen rows some of which hold an unhashable value (not from a spreadsheet).

    Such a row is screened on its own with its values as text, and takes no part in the
    comparisons between rows (ID_DUPLICATE, DUPLICATE_PERSON).
    """
    odd = []
    for i, row in enumerate(rows):
        try:
            hash(tuple(row.get(f) for f in _CACHED_FIELDS))
        except TypeError:
            odd.append(i)
    if not odd:
        raise TypeError("screening failed on hashable values")  # not an unhashable cell
    rest = rows.copy()
    for i in odd:
        rest[i] = {}
    result = _screen(rest, today, registry_ids, children, detect_duplicates)
    for i in odd:
        record = _screen([_hashable_row(rows[i])], today, None, children, False).records[0]
        record.index = i
        result.records[i] = record
    return result


def _flag_duplicate_ids(
    records: list[ScreenedRecord],
    ids: list[str | None],
    owner_column: Sequence[object] | None,
    nat_keys: list[object],
    registry_ids: Mapping[str, object] | None,
) -> None:
    """ID_DUPLICATE: numbers held twice within the rows, then numbers held in the registry."""
    related: dict[int, int] = {}
    for idx in _repeats(ids).values():  # type: ignore[arg-type]
        if owner_column is not None and owner_column[idx[0]] is not None:
            if len({owner_column[i] for i in idx}) == 1:
                continue  # one person's records (a beneficiary and its linked child record)
        first = idx[0]
        for i in idx[1:]:
            related[i] = first
        related[first] = idx[1]
    for i, j in sorted(related.items()):
        records[i].findings.append(
            finding(
                Rule.ID_DUPLICATE,
                "id_number",
                "Số định danh trùng với một hồ sơ khác trong danh sách.",
                related=j,
            )
        )
    if not registry_ids:
        return
    held = registry_ids.keys() & set(ids)
    held.discard(None)  # type: ignore[arg-type]
    if not held:
        return
    registry_get = registry_ids.get
    hits = [
        (i, other)
        for i in compress(range(len(ids)), map(held.__contains__, ids))
        if (other := registry_get(ids[i])) is not None
    ]  # type: ignore[arg-type]
    if not hits:
        return
    # The registry's holder of the number is someone else, and not a person of this set (whose
    # own row would already be compared above). A row's owner is its ``_owner``, else its
    # national key.
    if owner_column is not None:
        owners = [k if o is None else o for o, k in zip(owner_column, nat_keys, strict=True)]
    else:
        owners = nat_keys
    others_here = {other for _i, other in hits}.intersection(owners)
    for i, other in hits:
        if i not in related and other != owners[i] and other not in others_here:
            records[i].findings.append(
                finding(
                    Rule.ID_DUPLICATE,
                    "id_number",
                    "Số định danh đã có trên một người khác trong sổ theo dõi.",
                )
            )


def _beneficiary_facts(
    records: list[ScreenedRecord],
    columns: Mapping[str, Sequence[object]],
    kinds: Sequence[object] | None,
) -> None:
    """A beneficiary's own facts (allowance category and amount, carer, residences) and
    ALLOWANCE_CATEGORY_UNKNOWN; rows of children get none of them."""
    none: list[object] = [None] * len(records)
    categories = outcomes(columns.get("allowance_category", none), bene.category_outcome)
    carers = outcomes(columns.get("carer_name", none), bene.carer_outcome)
    amounts = outcomes(columns.get("allowance_amount", none), bene.amount_value)
    current = outcomes(columns.get("current_residence", none), bene.text_value)
    permanent = outcomes(columns.get("permanent_residence", none), bene.text_value)
    raw_carers = columns.get("carer_name", none)
    for i, record in enumerate(records):
        if kinds is not None and kinds[i] != bene.BENEFICIARY:
            continue
        category, category_findings = categories[i]
        carer, carer_fixed = carers[i]
        record.facts.update(
            allowance_category=category,
            allowance_amount=amounts[i],
            carer_name=carer,
            current_residence=current[i],
            permanent_residence=permanent[i],
        )
        record.findings.extend(category_findings)
        if carer_fixed:
            record.fixes.append(Fix("carer_name", raw_carers[i], carer, Rule.NAME_NORMALIZED))


def screen_one(
    row: Mapping[str, object], screening_date: dt.date, **options: object
) -> ScreenedRecord:
    """Screen a single row (same options as :func:`screen_rows`; no DUPLICATE_PERSON)."""
    options.setdefault("detect_duplicates", False)
    return screen_rows([row], screening_date, **options).records[0]  # type: ignore[arg-type]


def clear_caches() -> None:
    """Forget every cached normalisation (benchmarks measure cold runs with this)."""
    clear_all()
