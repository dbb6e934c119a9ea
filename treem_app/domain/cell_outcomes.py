"""What one cell screens to: its normalised value and the findings of its own field (SPEC 4).

One function per field answers for one raw value, the common (clean) value first through a fast
path, everything else through the full normalisation of ``names``, ``dates``, ``sex`` and
``ethnicity``. :func:`outcomes` applies such a function to a whole column once per distinct
value (a province has far fewer distinct names, dates and spellings than rows), and the words,
spellings and lookups behind them are memoised across cells. Rules that need more than one cell
(ID numbers against sex and year of birth, guardians, duplicates) are ``screening``'s.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable

from treem_app.domain import dates as dates_mod
from treem_app.domain._memo import on_clear
from treem_app.domain.ethnicity import normalize_ethnicity
from treem_app.domain.findings import Finding, Rule, finding
from treem_app.domain.hamlets import normalize_hamlet
from treem_app.domain.names import (
    analyse_name,
    canonical_keys,
    is_canonical_name,
    normalize_name,
)
from treem_app.domain.sex import normalize_sex

#: A date-of-birth outcome: (date, precision, findings).
DobOutcome = tuple[dt.date | None, str | None, tuple[Finding, ...]]
#: A full-name outcome: (value, search key, findings, changed, given-name key).
NameOutcome = tuple[str | None, str | None, tuple[Finding, ...], bool, str | None]

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
    "characters": "bỏ ký tự ẩn, thống nhất dấu nháy và chữ Đ viết nhầm",
    "tone": "thống nhất vị trí dấu thanh",
    "case": "viết hoa chữ cái đầu mỗi từ",
}
_FIELD_NAMES = {
    "full_name": "Họ và tên",
    "father_name": "Họ tên cha",
    "mother_name": "Họ tên mẹ",
    "guardian_name": "Họ tên người giám hộ",
}


def outcomes(values: list[object], outcome: Callable[[object], object]) -> list:
    """``outcome(value)`` for every value, computed once per distinct value.

    Distinct values are computed in the order they first occur. Raises TypeError for an
    unhashable value.
    """
    distinct: dict[object, object] = dict.fromkeys(values)
    for raw in distinct:
        distinct[raw] = outcome(raw)
    return list(map(distinct.__getitem__, values))


# --------------------------------------------------------------------------- names


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


on_clear(_normalized_finding.cache_clear)


def full_name_outcome(raw: object) -> NameOutcome:
    """(value, search key, findings, changed, given-name key) for a full-name cell."""
    if raw.__class__ is str:  # fast path: a name already in its final form
        keys = canonical_keys(raw)  # type: ignore[arg-type]
        if keys is not None and len(keys) > 1:
            return raw, " ".join(keys), (), False, keys[-1]  # type: ignore[return-value]
    value, key, changed, reasons, problem = analyse_name(raw)
    if value is None:
        return None, None, _NAME_MISSING, False, None
    out: list[Finding] = []
    if changed:
        out.append(_normalized_finding("full_name", reasons))
    if problem is not None:
        out.append(finding(Rule.NAME_INVALID, "full_name", _NAME_PROBLEMS[problem]))
    return value, key, tuple(out), changed, (key or "").rpartition(" ")[2] or None


_NAME_MISSING = (finding(Rule.NAME_MISSING, "full_name", "Chưa có họ và tên."),)
_NO_NAME: tuple[None, tuple[()]] = (None, ())


def parent_outcome(fld: str) -> Callable[[object], tuple[str | None, tuple[Finding, ...]]]:
    """The function giving (value, findings) of a father/mother/guardian cell of field ``fld``.

    Only NAME_NORMALIZED applies; a non-empty findings tuple means the value was repaired (the
    caller records the fix).
    """

    def outcome(raw: object) -> tuple[str | None, tuple[Finding, ...]]:
        if raw is None:
            return _NO_NAME
        if raw.__class__ is str and is_canonical_name(raw):  # type: ignore[arg-type]
            return raw, ()  # type: ignore[return-value]  # already in its final form
        value, changed, reasons = normalize_name(raw)
        if value is None or not changed:
            return value, ()
        return value, (_normalized_finding(fld, reasons),)

    return outcome


# --------------------------------------------------------------------------- other fields


def sex_outcome(raw: object) -> tuple[str | None, tuple[Finding, ...]]:
    """("M"/"F" or None, findings) for a sex cell."""
    value, problem = normalize_sex(raw)
    if problem == "missing":
        return None, (finding(Rule.SEX_MISSING, "sex", "Chưa có giới tính."),)
    if problem == "invalid":
        return None, (
            finding(Rule.SEX_INVALID, "sex", f"Giới tính '{raw}' không nhận ra là Nam hay Nữ."),
        )
    return value, ()


def ethnicity_outcome(raw: object) -> tuple[str | None, tuple[Finding, ...]]:
    """(ethnic group code or None, findings) for an ethnicity cell."""
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


def hamlet_outcome(raw: object) -> tuple[str | None, bool]:
    """(normalised hamlet, whether the change is worth a Fix: more than spacing).

    The hamlet's written form (:func:`treem_app.domain.hamlets.normalize_hamlet`): case, tone
    placement and the abbreviations of "Thôn", "Tổ dân phố"... are recorded fixes."""
    hamlet = normalize_hamlet(raw)
    fix = (
        hamlet is not None
        and hamlet != raw
        and raw.__class__ is str
        and hamlet != " ".join(raw.split())  # type: ignore[attr-defined]
    )
    return hamlet, fix


def national_key(raw: object) -> str | None:
    """The national-software key of one cell: stripped text, None when empty."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    text = str(raw).strip()
    return text or None


def national_keys(values: list[object]) -> list[object]:
    """:func:`national_key` of every cell of a column (all text: one pass of ``str.strip``)."""
    try:
        keys: list[object] = list(map(str.strip, values))  # type: ignore[arg-type]
    except TypeError:  # not all text
        return [national_key(v) for v in values]
    if "" in keys:
        keys = [k or None for k in keys]
    return keys


# --------------------------------------------------------------------------- date of birth

# The fast path for the common date-of-birth cells (ASCII digits only; anything else, and any
# date that needs a finding, goes through dates.parse_date in _dob_findings).
_DMY_FAST = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_YMD_FAST = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_WORDS_FAST = re.compile("ng\u00e0y ([0-9]{1,2}) th\u00e1ng ([0-9]{1,2}) n\u0103m ([0-9]{4})")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_ONE_DAY = dt.timedelta(days=1)
_DOB_MISSING = (finding(Rule.DOB_MISSING, "dob", "Chưa có ngày sinh."),)


def dob_outcome(today: dt.date, children: bool) -> Callable[[object], DobOutcome]:
    """The function giving (date, precision, findings) of a date-of-birth cell on ``today``.

    ``children`` applies AGE_OUT_OF_SCOPE. A plain, plausible full date (a date cell,
    dd/mm/yyyy, yyyy-mm-dd, "ngày d tháng m năm yyyy" or an Excel serial number) is answered by
    the fast path; everything else by ``dates.parse_date`` and the DOB rules.
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

    def outcome(raw: object) -> DobOutcome:
        cls = raw.__class__
        value = None
        if cls is date_:
            if lowest < raw <= today and raw.year >= min_year:  # type: ignore[operator,attr-defined]
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
            and 61 <= raw <= 2958465  # type: ignore[operator]
            and not (min_year <= raw <= max_year or 10_000_000 <= raw <= 99_999_999)  # type: ignore[operator]
        ):
            value = epoch + timedelta(days=raw)  # type: ignore[arg-type]  # an Excel serial
            if not (lowest < value <= today and min_year <= value.year <= max_year):
                value = None
        if value is not None:
            return value, day, no_findings  # type: ignore[return-value]
        return _dob_findings(raw, today, children, cutoff)

    return outcome


def _dob_findings(raw: object, today: dt.date, children: bool, cutoff: dt.date) -> DobOutcome:
    """(date, precision, findings) of a cell the fast path did not answer.

    ``cutoff`` is the latest full date of birth that makes a person 16 on ``today``.
    """
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
        if precision == dates_mod.YEAR:
            what, missing = "năm", "ngày, tháng"
        else:  # month and year: only the day is missing
            what, missing = "tháng và năm", "ngày"
        out.append(
            finding(
                Rule.DOB_PARTIAL,
                "dob",
                f"Ngày sinh chỉ có {what} ({shown}); cần bổ sung {missing}.",
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
    """The latest full date of birth that makes a person 16 on ``today``."""
    try:
        return today.replace(year=today.year - 16)
    except ValueError:  # 29 February: born on 28 February 16 years ago is 16 today
        return today.replace(year=today.year - 16, day=28)


def _show(raw: object) -> str:
    text = str(raw)
    return text if len(text) <= 40 else text[:37] + "..."
