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
import gc
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter

from treem_app.domain import dates as dates_mod
from treem_app.domain.ethnicity import normalize_ethnicity
from treem_app.domain.findings import Finding, Rule, Severity, finding
from treem_app.domain.idnumber import _province_set, check_id, clean_id
from treem_app.domain.matching import duplicate_pairs
from treem_app.domain.names import (
    analyse_name,
    canonical_keys,
    is_canonical_name,
    normalize_name,
    normalize_text,
)
from treem_app.domain.sex import SEX_LABELS, normalize_sex

__all__ = ["SEX_LABELS", "Fix", "ScreenedRecord", "ScreeningResult", "screen_one", "screen_rows"]

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
        out.append(finding(Rule.NAME_NORMALIZED, fld,
                           f"{_FIELD_NAMES[fld]} đã được sửa tự động: {_reasons_text(reasons)}."))
    if fld == "full_name" and problem is not None:
        out.append(finding(Rule.NAME_INVALID, fld, _NAME_PROBLEMS[problem]))
    return value, key, tuple(out), changed, (key or "").rpartition(" ")[2] or None


def _parent_outcome(raw: object, fld: str) -> tuple[str | None, tuple[Finding, ...]]:
    """(value, findings) for a father/mother/guardian cell: only NAME_NORMALIZED applies.

    A non-empty findings tuple means the value was repaired (the caller records the fix).
    """
    if raw.__class__ is str and is_canonical_name(raw):  # type: ignore[arg-type]
        return raw, ()  # type: ignore[return-value]
    value, changed, reasons = normalize_name(raw)
    if value is None or not changed:
        return value, ()
    return value, (finding(Rule.NAME_NORMALIZED, fld,
                           f"{_FIELD_NAMES[fld]} đã được sửa tự động: {_reasons_text(reasons)}."),)


def _sex_outcome(raw: object) -> tuple[str | None, tuple[Finding, ...]]:
    value, problem = normalize_sex(raw)
    if problem == "missing":
        return None, (finding(Rule.SEX_MISSING, "sex", "Chưa có giới tính."),)
    if problem == "invalid":
        return None, (finding(Rule.SEX_INVALID, "sex",
                              f"Giới tính '{raw}' không nhận ra là Nam hay Nữ."),)
    return value, ()


def _ethnicity_outcome(raw: object) -> tuple[str | None, tuple[Finding, ...]]:
    code, problem = normalize_ethnicity(raw)
    if problem == "missing":
        return None, (finding(Rule.ETHNICITY_MISSING, "ethnicity", "Chưa có dân tộc."),)
    if problem == "unknown":
        return None, (finding(Rule.ETHNICITY_UNKNOWN, "ethnicity",
                              f"Dân tộc '{raw}' không thuộc danh mục 54 dân tộc."),)
    return code, ()


def _national_key(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw).strip()
    return text or None


def _dob_outcome(raw: object, today: dt.date, children: bool,
                 cutoff: dt.date) -> tuple[dt.date | None, str | None, tuple[Finding, ...]]:
    """(date, precision, findings) for a date-of-birth cell on a screening date.

    ``cutoff`` is the latest full date of birth that makes a person 16 on ``today``.
    """
    cls = raw.__class__
    if cls is dt.date or cls is dt.datetime:  # the common cell: a plain, plausible date
        value = raw.date() if cls is dt.datetime else raw  # type: ignore[union-attr]
        if (value <= today and (not children or value > cutoff)  # type: ignore[operator]
                and value.year >= dates_mod.MIN_YEAR):  # type: ignore[union-attr]
            return value, dates_mod.DAY, ()  # type: ignore[return-value]
    value, precision, problem = dates_mod.parse_date(raw, today=today)
    if problem == "missing":
        return None, None, _DOB_MISSING
    if value is None:
        return None, None, (finding(Rule.DOB_INVALID, "dob",
                                    f"Ngày sinh '{_show(raw)}' không phải ngày có thật."),)
    future = value > today
    partial = precision != dates_mod.DAY
    old = children and (value <= cutoff if not partial
                        else dates_mod.out_of_scope(value, precision, today))
    if not (future or partial or old):
        return value, precision, ()
    out: list[Finding] = []
    shown = dates_mod.format_date(value, precision)
    screening_day = dates_mod.format_date(today)
    if future:
        out.append(finding(Rule.DOB_FUTURE, "dob",
                           f"Ngày sinh {shown} sau ngày rà soát {screening_day}."))
    if partial:
        what = "năm" if precision == dates_mod.YEAR else "tháng và năm"
        out.append(finding(Rule.DOB_PARTIAL, "dob",
                           f"Ngày sinh chỉ có {what} ({shown}); cần bổ sung ngày, tháng."))
    if old:
        age = dates_mod.min_age_on(value, precision, today)
        out.append(finding(Rule.AGE_OUT_OF_SCOPE, "dob",
                           f"Đã {age} tuổi vào ngày rà soát {screening_day} "
                           "(từ đủ 16 tuổi trở lên)."))
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
_GUARDIAN_MISSING = finding(Rule.GUARDIAN_MISSING, "guardians",
                            "Chưa có họ tên cha, mẹ hoặc người giám hộ.")
_DUPLICATE_TEXT = {
    "same_name_dob_parent": "Có thể trùng người: cùng họ tên, ngày sinh và cha/mẹ/người giám hộ "
                            "với một hồ sơ khác.",
    "similar_name_dob_parent": "Có thể trùng người: họ tên gần giống, cùng ngày sinh và "
                               "cha/mẹ/người giám hộ với một hồ sơ khác.",
    "same_national_key": "Có thể trùng người: cùng mã trên phần mềm với một hồ sơ khác.",
}


class _Cache(dict):
    """Outcome per distinct raw cell value, computed on first use by ``compute(raw, *args)``."""

    __slots__ = ("args", "compute")

    def __init__(self, compute, *args: object) -> None:  # noqa: ANN001 - any function
        super().__init__()
        self.compute = compute
        self.args = args

    def __missing__(self, raw: object) -> object:
        out = self[raw] = self.compute(raw, *self.args)
        return out


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


_ROW_FIELDS = ("full_name", "dob", "sex", "ethnicity", "id_number", "father_name", "mother_name",
               "guardian_name", "hamlet", "national_key")
_get_fields = itemgetter(*_ROW_FIELDS)


def _id_prefix(prefix: str, provinces: frozenset[str]) -> tuple[bool, bool, int]:  # noqa: FBT001
    """(known province?, female?, year of birth) read from the first 6 digits of a number."""
    d4 = ord(prefix[3]) - 48
    return prefix[:3] in provinces, bool(d4 & 1), 1900 + 100 * (d4 >> 1) + int(prefix[4:6])


def _screen(rows: Iterable[Mapping[str, object]], today: dt.date,
            registry_ids: Mapping[str, object] | None, children: bool,
            detect_duplicates: bool) -> ScreeningResult:
    full_names = _Cache(_name_outcome, "full_name")
    fathers = _Cache(_parent_outcome, "father_name")
    mothers = _Cache(_parent_outcome, "mother_name")
    guardians = _Cache(_parent_outcome, "guardian_name")
    dobs = _Cache(_dob_outcome, today, children, _sixteenth_birthday_cutoff(today))
    sexes = _Cache(_sex_outcome)
    ethnicities = _Cache(_ethnicity_outcome)
    hamlets = _Cache(normalize_text)
    provinces = _province_set()
    prefixes = _Cache(_id_prefix, provinces)
    full_get, dob_get, sex_get, eth_get = full_names.get, dobs.get, sexes.get, ethnicities.get
    father_get, mother_get, guardian_get = fathers.get, mothers.get, guardians.get
    registry_get = registry_ids.get if registry_ids else None
    registry_hits: list[tuple[int, object]] = []
    str_ = str
    normalized = Rule.NAME_NORMALIZED
    get_fields = _get_fields

    records: list[ScreenedRecord] = []
    append = records.append
    owners: list[object] = []
    first_id: dict[str, int] = {}
    id_related: dict[int, int] = {}
    first_key: dict[object, int] = {}
    first_block: dict[object, int] = {}
    key_groups: dict[object, list[int]] = {}
    block_groups: dict[object, list[int]] = {}
    for index, row in enumerate(rows):
        try:
            (raw_name, raw_dob, raw_sex, raw_eth, raw_id, raw_father, raw_mother, raw_guardian,
             raw_hamlet, nk) = get_fields(row)
        except KeyError:  # a row without some columns
            (raw_name, raw_dob, raw_sex, raw_eth, raw_id, raw_father, raw_mother, raw_guardian,
             raw_hamlet, nk) = [row.get(f) for f in _ROW_FIELDS]
        try:
            # dict.get plus an inline miss is cheaper than __missing__ on the hot path
            out = full_get(raw_name) or full_names[raw_name]
            full_name, key, name_findings, name_changed, given = out
            out = dob_get(raw_dob) or dobs[raw_dob]
            dob, precision, dob_findings = out
            sex, sex_findings = sex_get(raw_sex) or sexes[raw_sex]
            ethnicity, eth_findings = eth_get(raw_eth) or ethnicities[raw_eth]
            father, father_findings = father_get(raw_father) or fathers[raw_father]
            mother, mother_findings = mother_get(raw_mother) or mothers[raw_mother]
            guardian, guardian_findings = guardian_get(raw_guardian) or guardians[raw_guardian]
            hamlet = hamlets[raw_hamlet]
        except TypeError:  # an unhashable value (not from a spreadsheet): screen its text
            records.extend(_screen([_hashable_row(row)], today, None, children, False).records)
            records[-1].index = index
            continue

        if name_findings or dob_findings or sex_findings or eth_findings:
            findings = [*name_findings, *dob_findings, *sex_findings, *eth_findings]
        else:
            findings = []
        fixes: list[Fix] = []
        if name_changed:
            fixes.append(Fix("full_name", raw_name, full_name, normalized))

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
                id_number = None
        if id_number is not None:
            # Province, sex digit and birth year from a per-prefix cache; a mismatch of the
            # year read from digits 4-6 is a century and/or a year-digit mismatch.
            known, female, year = prefixes[id_number[:6]]
            if (not known or (sex is not None and female != (sex == "F"))
                    or (dob is not None and dob.year != year)):
                findings.extend(check_id(id_number, sex, dob.year if dob is not None else None))
            j = first_id.setdefault(id_number, index)
            if j != index:
                id_related[index] = j
                id_related.setdefault(j, index)
            if registry_get is not None:
                other = registry_get(id_number)
                if other is not None:
                    registry_hits.append((index, other))
        else:
            id_number = cleaned.value

        if father_findings:
            findings.extend(father_findings)
            if father is not None:
                fixes.append(Fix("father_name", raw_father, father, normalized))
        if mother_findings:
            findings.extend(mother_findings)
            if mother is not None:
                fixes.append(Fix("mother_name", raw_mother, mother, normalized))
        if guardian_findings:
            findings.extend(guardian_findings)
            if guardian is not None:
                fixes.append(Fix("guardian_name", raw_guardian, guardian, normalized))
        if father is None and mother is None and guardian is None:
            findings.append(_GUARDIAN_MISSING)
        if (hamlet is not None and hamlet != raw_hamlet and raw_hamlet.__class__ is str_
                and hamlet != " ".join(raw_hamlet.split())):  # type: ignore[union-attr]
            fixes.append(Fix("hamlet", raw_hamlet, hamlet, normalized))

        if nk is not None:
            nk = (nk.strip() or None) if nk.__class__ is str_ else _national_key(nk)  # type: ignore[union-attr]
        append(ScreenedRecord(index, {
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
        }, fixes, findings))
        if detect_duplicates:
            if nk is not None:
                j = first_key.setdefault(nk, index)
                if j != index:
                    key_groups.setdefault(nk, [j]).append(index)
            if given is not None and dob is not None:
                block = (dob, precision, given)
                j = first_block.setdefault(block, index)
                if j != index:
                    block_groups.setdefault(block, [j]).append(index)
        if registry_get is not None:
            owner = row.get("_owner")
            owners.append(owner if owner is not None else nk)

    _flag_duplicate_ids(records, id_related, owners, registry_hits)
    if detect_duplicates:
        facts = [r.facts for r in records]
        seen: set[int] = set()
        for i, j, reason in duplicate_pairs(facts, key_groups, block_groups):
            for a, b in ((i, j), (j, i)):
                if a not in seen:
                    seen.add(a)
                    records[a].findings.append(finding(
                        Rule.DUPLICATE_PERSON, "person", _DUPLICATE_TEXT[reason], related=b))
    return ScreeningResult(records)


def _flag_duplicate_ids(records: list[ScreenedRecord], related: dict[int, int],
                        owners: list[object], registry_hits: list[tuple[int, object]]) -> None:
    for i, j in sorted(related.items()):
        records[i].findings.append(finding(
            Rule.ID_DUPLICATE, "id_number",
            "Số định danh trùng với một hồ sơ khác trong danh sách.", related=j))
    if not registry_hits:
        return
    # The registry's holder of the number is someone else, and not a person of this set (whose
    # own row would already be compared above).
    owners_here = set(owners)
    for i, other in registry_hits:
        if i not in related and other != owners[i] and other not in owners_here:
            records[i].findings.append(finding(
                Rule.ID_DUPLICATE, "id_number",
                "Số định danh đã có trên một người khác trong sổ theo dõi."))


def screen_one(
    row: Mapping[str, object], screening_date: dt.date, **options: object
) -> ScreenedRecord:
    """Screen a single row (same options as :func:`screen_rows`; no DUPLICATE_PERSON)."""
    options.setdefault("detect_duplicates", False)
    return screen_rows([row], screening_date, **options).records[0]  # type: ignore[arg-type]


def clear_caches() -> None:
    """Forget every cached normalisation (benchmarks measure cold runs with this)."""
    from treem_app.domain import ethnicity, names, sex

    for fn in (names._tone_word, names._classify, names._repair, names._word_problem,
               names._word_key, names._word_fast,
               ethnicity._lookup, sex._lookup):
        fn.cache_clear()
    names._CANONICAL.clear()
