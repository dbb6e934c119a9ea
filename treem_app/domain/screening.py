"""Screening: raw exported rows -> normalised facts, automatic fixes and findings (SPEC section 4).

One entry point, :func:`screen_rows`, shared by the importer, the editor, the return-sheet
ingestion and the CLI. Raw rows are mappings with the canonical field names of
:data:`treem_app.domain.findings.FIELDS` (values: str, int, float, date/datetime or None), plus an
optional ``_owner`` (the registry key of the person the row belongs to, for ID_DUPLICATE against
``registry_ids``; defaults to ``national_key``).

Normalisation is done once per distinct raw value (a province has far fewer distinct names, dates
and spellings than rows), which is what keeps a 50,000-row screening cheaper than reading the
workbook (``bench/screen.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, count, repeat
from operator import contains, itemgetter, ne

from treem_app.domain import dates as dates_mod
from treem_app.domain._memo import clear_all
from treem_app.domain.ethnicity import normalize_ethnicity
from treem_app.domain.findings import FIELDS, Finding, Rule, Severity, finding
from treem_app.domain.idnumber import _province_set, check_id, clean_id
from treem_app.domain.matching import duplicate_pairs
from treem_app.domain.names import analyse_name, canonical_keys, normalize_name, normalize_text
from treem_app.domain.sex import SEX_LABELS, normalize_sex

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

_NAME_PROBLEMS = {
    "digits": "Họ và tên có chữ số.",
    "symbols": "Họ và tên có ký hiệu không phải chữ cái.",
    "garbled": "Họ và tên vẫn lỗi phông chữ sau khi chuyển mã; cần nhập lại.",
    "single_word": "Họ và tên chỉ có một từ; cần đủ họ và tên.",
}
_REASON_TEXT = {
    "unicode": "chuyển về Unicode dựng sẵn",
    "encoding:tcvn3": "chuyển từ phông TCVN3 (ABC) sang Unicode",
    "encoding:vni": "chuyển từ phông VNI sang Unicode",
    "encoding:utf8": "sửa lỗi mã hóa UTF-8",
    "spacing": "bỏ khoảng trắng thừa",
    "characters": "bỏ ký tự ẩn, thống nhất dấu nháy",
    "tone": "thống nhất vị trí dấu thanh",
    "case": "viết hoa chữ cái đầu mỗi từ",
}
_FIELD_NAMES = {
    "full_name": "Họ và tên",
    "father_name": "Họ tên cha",
    "mother_name": "Họ tên mẹ",
    "guardian_name": "Họ tên người giám hộ",
}


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


# --------------------------------------------------------------------------- per-value outcomes


def _reasons_text(reasons: tuple[str, ...]) -> str:
    parts = [_REASON_TEXT[r] for r in reasons if r in _REASON_TEXT]
    return ", ".join(parts) if parts else "chuẩn hóa cách viết"


@functools.lru_cache(maxsize=1024)
def _normalized_finding(fld: str, reasons: tuple[str, ...]) -> Finding:
    """NAME_NORMALIZED on a name field for these reasons (one shared, immutable finding)."""
    return finding(
        Rule.NAME_NORMALIZED,
        fld,
        f"{_FIELD_NAMES[fld]} đã được sửa tự động: {_reasons_text(reasons)}.",
    )


def _name_outcome(
    raw: object, fld: str
) -> tuple[str | None, str | None, tuple[Finding, ...], bool, str | None]:
    """(value, search key, findings, changed, given-name key) for a name cell."""
    if raw.__class__ is str:  # fast path: a name already in its final form
        keys = canonical_keys(raw)  # type: ignore[arg-type]
        if keys is not None and len(keys) > 1:
            return raw, " ".join(keys), (), False, keys[-1]  # type: ignore[return-value]
    value, key, changed, reasons, problem = analyse_name(raw)
    out: list[Finding] = []
    if value is None:
        if fld == "full_name":
            out.append(finding(Rule.NAME_MISSING, fld, "Chưa có họ và tên."))
        return None, None, tuple(out), False, None
    if changed:
        out.append(_normalized_finding(fld, reasons))
    if fld == "full_name" and problem is not None:
        out.append(finding(Rule.NAME_INVALID, fld, _NAME_PROBLEMS[problem]))
    return value, key, tuple(out), changed, (key or "").rpartition(" ")[2] or None


def _parent_outcome(raw: object, fld: str) -> tuple[str | None, tuple[Finding, ...]]:
    """(value, findings) for a father/mother/guardian cell: only NAME_NORMALIZED applies.

    A non-empty findings tuple means the value was repaired (the caller records the fix).
    """
    if raw.__class__ is str and canonical_keys(raw) is not None:  # type: ignore[arg-type]
        return raw, ()  # type: ignore[return-value]
    value, changed, reasons = normalize_name(raw)
    if value is None or not changed:
        return value, ()
    return value, (_normalized_finding(fld, reasons),)


def _sex_outcome(raw: object) -> tuple[str | None, tuple[Finding, ...]]:
    value, problem = normalize_sex(raw)
    if problem == "missing":
        return None, (finding(Rule.SEX_MISSING, "sex", "Chưa có giới tính."),)
    if problem == "invalid":
        return None, (
            finding(Rule.SEX_INVALID, "sex", f"Giới tính '{raw}' không nhận ra là Nam hay Nữ."),
        )
    return value, ()


def _ethnicity_outcome(raw: object) -> tuple[str | None, tuple[Finding, ...]]:
    code, problem = normalize_ethnicity(raw)
    if problem == "missing":
        return None, (finding(Rule.ETHNICITY_MISSING, "ethnicity", "Chưa có dân tộc."),)
    if problem == "unknown":
        return None, (
            finding(
                Rule.ETHNICITY_UNKNOWN,
                "ethnicity",
                f"Dân tộc '{raw}' không thuộc danh mục 54 dân tộc.",
            ),
        )
    return code, ()


def _national_key(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw).strip()
    return text or None


def _dob_outcome(
    raw: object, today: dt.date, children: bool, cutoff: dt.date
) -> tuple[dt.date | None, str | None, tuple[Finding, ...]]:
    """(date, precision, findings) for a date-of-birth cell on a screening date.

    ``cutoff`` is the latest full date of birth that makes a person 16 on ``today``.
    """
    cls = raw.__class__
    if cls is dt.date or cls is dt.datetime:  # the common cell: a plain, plausible date
        value = raw.date() if cls is dt.datetime else raw  # type: ignore[union-attr]
        if (
            value <= today
            and (not children or value > cutoff)  # type: ignore[operator]
            and value.year >= dates_mod.MIN_YEAR
        ):  # type: ignore[union-attr]
            return value, dates_mod.DAY, ()  # type: ignore[return-value]
    value, precision, problem = dates_mod.parse_date(raw, today=today)
    if problem == "missing":
        return None, None, _DOB_MISSING
    if value is None:
        return (
            None,
            None,
            (
                finding(
                    Rule.DOB_INVALID, "dob", f"Ngày sinh '{_show(raw)}' không phải ngày có thật."
                ),
            ),
        )
    future = value > today
    partial = precision != dates_mod.DAY
    old = children and (
        value <= cutoff if not partial else dates_mod.out_of_scope(value, precision, today)
    )
    if not (future or partial or old):
        return value, precision, ()
    out: list[Finding] = []
    shown = dates_mod.format_date(value, precision)
    screening_day = dates_mod.format_date(today)
    if future:
        out.append(
            finding(Rule.DOB_FUTURE, "dob", f"Ngày sinh {shown} sau ngày rà soát {screening_day}.")
        )
    if partial:
        what = "năm" if precision == dates_mod.YEAR else "tháng và năm"
        out.append(
            finding(
                Rule.DOB_PARTIAL,
                "dob",
                f"Ngày sinh chỉ có {what} ({shown}); cần bổ sung ngày, tháng.",
            )
        )
    if old:
        age = dates_mod.min_age_on(value, precision, today)
        out.append(
            finding(
                Rule.AGE_OUT_OF_SCOPE,
                "dob",
                f"Đã {age} tuổi vào ngày rà soát {screening_day} (từ đủ 16 tuổi trở lên).",
            )
        )
    return value, precision, tuple(out)


def _sixteenth_birthday_cutoff(today: dt.date) -> dt.date:
    try:
        return today.replace(year=today.year - 16)
    except ValueError:  # 29 February: born on 28 February 16 years ago is 16 today
        return today.replace(year=today.year - 16, day=28)


def _show(raw: object) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:37] + "..."


_DOB_MISSING = (finding(Rule.DOB_MISSING, "dob", "Chưa có ngày sinh."),)
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


def _outcomes(values: list[object], compute: Callable[..., object], *args: object) -> list:
    """``compute(value, *args)`` for every value, computed once per distinct value.

    Distinct values are computed in the order they first occur. Raises TypeError for an
    unhashable value.
    """
    distinct: dict[object, object] = dict.fromkeys(values)
    for raw in distinct:
        distinct[raw] = compute(raw, *args)
    return list(map(distinct.__getitem__, values))


def _name_outcomes(values: list[object]) -> list:
    """:func:`_name_outcome` of every full-name cell (once per distinct value)."""
    distinct: dict[object, object] = dict.fromkeys(values)
    str_ = str
    for raw in distinct:
        if raw.__class__ is str_:  # fast path: every word already in its final form
            keys = canonical_keys(raw)  # type: ignore[arg-type]
            if keys is not None and len(keys) > 1:
                distinct[raw] = (raw, " ".join(keys), (), False, keys[-1])  # type: ignore[arg-type]
                continue
        distinct[raw] = _name_outcome(raw, "full_name")
    return list(map(distinct.__getitem__, values))


def _parent_outcomes(values: list[object], fld: str) -> list:
    """:func:`_parent_outcome` of every father/mother/guardian cell (once per distinct value)."""
    distinct: dict[object, object] = dict.fromkeys(values)
    str_ = str
    none: tuple[None, tuple[()]] = (None, ())
    for raw in distinct:
        if raw is None:
            distinct[raw] = none
        elif raw.__class__ is str_ and canonical_keys(raw) is not None:  # type: ignore[arg-type]
            distinct[raw] = (raw, ())  # already in its final form
        else:
            distinct[raw] = _parent_outcome(raw, fld)
    return list(map(distinct.__getitem__, values))


# Fast paths for the common date-of-birth cells (ASCII digits only; anything else, and any
# date that needs a finding, goes through dates.parse_date and _dob_outcome).
_DMY_FAST = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_YMD_FAST = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_WORDS_FAST = re.compile("ng\u00e0y ([0-9]{1,2}) th\u00e1ng ([0-9]{1,2}) n\u0103m ([0-9]{4})")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_ONE_DAY = dt.timedelta(days=1)


def _dob_outcomes(values: list[object], today: dt.date, children: bool) -> list:  # noqa: C901, FBT001
    """:func:`_dob_outcome` of every date-of-birth cell (once per distinct value).

    A plain, plausible full date (a date cell, dd/mm/yyyy, yyyy-mm-dd, "ngày d tháng m năm
    yyyy" or an Excel serial number) is answered here; everything else by ``_dob_outcome``.
    """
    cutoff = _sixteenth_birthday_cutoff(today)
    # A full date is clean when lowest < value <= today (and its year is within range).
    lowest = cutoff if children else dt.date(dates_mod.MIN_YEAR, 1, 1) - _ONE_DAY
    min_year, max_year = dates_mod.MIN_YEAR, dates_mod.MAX_YEAR
    day = dates_mod.DAY
    date_, datetime_, int_, str_ = dt.date, dt.datetime, int, str
    dmy, ymd, words = _DMY_FAST.fullmatch, _YMD_FAST.fullmatch, _WORDS_FAST.fullmatch
    epoch, timedelta = _EXCEL_EPOCH, dt.timedelta
    no_findings: tuple[Finding, ...] = ()
    distinct: dict[object, object] = dict.fromkeys(values)
    for raw in distinct:
        cls = raw.__class__
        value = None
        if cls is date_:
            if lowest < raw <= today and raw.year >= min_year:  # type: ignore[operator]
                value = raw
        elif cls is str_:
            m = dmy(raw) or words(raw)  # type: ignore[arg-type]
            if m is not None:
                d, mo, y = m.groups()
            else:
                m = ymd(raw)  # type: ignore[arg-type]
                if m is not None:
                    y, mo, d = m.groups()
            if m is not None:
                year = int(y)
                if min_year <= year <= max_year:
                    try:
                        value = date_(year, int(mo), int(d))
                    except ValueError:  # 31/02: a finding, below
                        value = None
                    else:
                        if not lowest < value <= today:
                            value = None
        elif cls is datetime_:
            value = raw.date()  # type: ignore[attr-defined]
            if not (lowest < value <= today and value.year >= min_year):
                value = None
        elif (
            cls is int_
            and 61 <= raw <= 2958465
            and not (  # type: ignore[operator]
                min_year <= raw <= max_year or 10_000_000 <= raw <= 99_999_999
            )
        ):  # type: ignore[operator]
            value = epoch + timedelta(days=raw)  # type: ignore[arg-type]  # an Excel serial
            if not (lowest < value <= today and min_year <= value.year <= max_year):
                value = None
        if value is not None:
            distinct[raw] = (value, day, no_findings)
        else:
            distinct[raw] = _dob_outcome(raw, today, children, cutoff)
    return list(map(distinct.__getitem__, values))


def _hamlet_outcome(raw: object) -> tuple[str | None, bool]:
    """(normalised hamlet, whether the change is worth a Fix: more than spacing)."""
    hamlet = normalize_text(raw)
    fix = (
        hamlet is not None
        and hamlet != raw
        and raw.__class__ is str
        and hamlet != " ".join(raw.split())
    )  # type: ignore[attr-defined]
    return hamlet, fix


def _national_keys(values: list[object]) -> list[object]:
    """The national key of every row: stripped text, None when empty."""
    try:
        keys: list[object] = list(map(str.strip, values))  # type: ignore[arg-type]
    except TypeError:  # not all text
        return [_national_key(v) for v in values]
    if "" in keys:
        keys = [k or None for k in keys]
    return keys


def _id_prefix(prefix: str, provinces: frozenset[str]) -> tuple[bool, bool, int]:  # noqa: FBT001
    """(known province?, female?, year of birth) read from the first 6 digits of a number."""
    d4 = ord(prefix[3]) - 48
    return prefix[:3] in provinces, bool(d4 & 1), 1900 + 100 * (d4 >> 1) + int(prefix[4:6])


class _Prefixes(dict):
    """:func:`_id_prefix` per distinct 6-digit prefix, computed on first use."""

    __slots__ = ("provinces",)

    def __init__(self, provinces: frozenset[str]) -> None:
        super().__init__()
        self.provinces = provinces

    def __missing__(self, prefix: str) -> tuple[bool, bool, int]:
        out = self[prefix] = _id_prefix(prefix, self.provinces)
        return out


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
    if registry_ids and any(map(contains, rows, repeat("_owner"))):  # only the registry asks
        column["_owner"] = [row.get("_owner") for row in rows]
    try:
        return _screen_columns(column, len(rows), today, registry_ids, children, detect_duplicates)
    except _Unhashable:  # an unhashable value (not from a spreadsheet)
        return _screen_unhashable(rows, today, registry_ids, children, detect_duplicates)


class _Unhashable(Exception):  # noqa: N818 - an internal signal, not an error users see
    """A cell value cannot be a dictionary key (only from callers other than a spreadsheet)."""


def _screen_columns(  # noqa: C901, PLR0912, PLR0915
    column: Mapping[str, Sequence[object]],
    n: int,
    today: dt.date,
    registry_ids: Mapping[str, object] | None,
    children: bool,
    detect_duplicates: bool,
) -> ScreeningResult:
    missing: list[object] = [None] * n
    column = {f: column.get(f, missing) for f in (*FIELDS, "_owner")}
    # Column by column, each distinct cell value is normalised once (a province has far fewer
    # distinct names, dates and spellings than rows); the row loop below only assembles.
    try:
        names = _name_outcomes(column["full_name"])
        dobs = _dob_outcomes(column["dob"], today, children)
        sexes = _outcomes(column["sex"], _sex_outcome)
        ethnicities = _outcomes(column["ethnicity"], _ethnicity_outcome)
        fathers = _parent_outcomes(column["father_name"], "father_name")
        mothers = _parent_outcomes(column["mother_name"], "mother_name")
        guardians = _parent_outcomes(column["guardian_name"], "guardian_name")
        hamlets = _outcomes(column["hamlet"], _hamlet_outcome)
    except TypeError as exc:
        raise _Unhashable from exc
    national_keys = _national_keys(column["national_key"])

    prefixes = _Prefixes(_province_set())
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
        national_keys,
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
        if father is None and mother is None and guardian is None:
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

    owners = column["_owner"]
    _flag_duplicate_ids(
        records, ids, owners if owners is not missing else None, national_keys, registry_ids
    )
    if detect_duplicates:
        facts = [r.facts for r in records]
        seen: set[int] = set()
        for i, j, reason in duplicate_pairs(facts, _repeats(national_keys), block_groups):
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
    national_keys: list[object],
    registry_ids: Mapping[str, object] | None,
) -> None:
    """ID_DUPLICATE: numbers held twice within the rows, then numbers held in the registry."""
    related: dict[int, int] = {}
    for idx in _repeats(ids).values():  # type: ignore[arg-type]
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
        owners = [k if o is None else o for o, k in zip(owner_column, national_keys, strict=True)]
    else:
        owners = national_keys
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


def screen_one(
    row: Mapping[str, object], screening_date: dt.date, **options: object
) -> ScreenedRecord:
    """Screen a single row (same options as :func:`screen_rows`; no DUPLICATE_PERSON)."""
    options.setdefault("detect_duplicates", False)
    return screen_rows([row], screening_date, **options).records[0]  # type: ignore[arg-type]


def clear_caches() -> None:
    """Forget every cached normalisation (benchmarks measure cold runs with this)."""
    clear_all()
    _normalized_finding.cache_clear()
