"""Step 3: what the police answered for one row of a handover list, judged (plain Python).

A returned row holds the number the police wrote (a text cell, or a number that lost its leading
zeros when the sheet was re-saved, with spaces or dots), their result ("Đã xác thực", "Không khớp
thông tin", "Không tìm thấy") and a note. :func:`judge` turns it into one outcome:

- ``verified``: a well-formed number that agrees with the record (province code, sex and century,
  year of birth), held by nobody else and written once in the sheet;
- ``rejected``: the police's own negative answer (POLICE_MISMATCH, POLICE_NOT_FOUND) or a number
  the screening core refuses (ID_FORMAT, ID_PROVINCE, ID_SEX_MISMATCH, ID_CENTURY_MISMATCH,
  ID_YEAR_MISMATCH, ID_DUPLICATE within the sheet);
- ``conflict``: never applied silently, the officer decides: the number belongs to another person
  (ID_HELD_BY_OTHER), the record already holds a different verified number (ID_ALREADY_VERIFIED),
  or the record changed after the list was issued (RECORD_CHANGED);
- ``empty``: nothing written yet (the row stays open).
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from .findings import RULE_LABELS, Rule, Severity, finding
from .idnumber import check_id, clean_id

VERIFIED, REJECTED, CONFLICT, EMPTY = "verified", "rejected", "conflict", "empty"

OUTCOME_LABELS = {
    VERIFIED: "Đã xác thực",
    REJECTED: "Bị trả lại",
    CONFLICT: "Cần cán bộ quyết định",
    EMPTY: "Chưa có kết quả",
}

# The police's result column, read leniently (case, accents typed or not, spacing).
RESULT_VERIFIED, RESULT_MISMATCH, RESULT_NOT_FOUND = "verified", "mismatch", "not_found"
POLICE_RESULT_TEXTS = {
    RESULT_VERIFIED: "Đã xác thực",
    RESULT_MISMATCH: "Không khớp thông tin",
    RESULT_NOT_FOUND: "Không tìm thấy",
}
ANSWER_RULES = {RESULT_MISMATCH: Rule.POLICE_MISMATCH, RESULT_NOT_FOUND: Rule.POLICE_NOT_FOUND}

# Conflicts are not screening rules (nothing about the record is wrong): their own codes.
ID_HELD_BY_OTHER = "ID_HELD_BY_OTHER"
ID_ALREADY_VERIFIED = "ID_ALREADY_VERIFIED"
RECORD_CHANGED = "RECORD_CHANGED"
ANSWER_CHANGED = "ANSWER_CHANGED"
RESULT_UNKNOWN = "RESULT_UNKNOWN"
REASON_LABELS: dict[str, str] = {
    **{str(rule): label for rule, label in RULE_LABELS.items()},
    ID_HELD_BY_OTHER: "Số định danh đang thuộc hồ sơ khác",
    ID_ALREADY_VERIFIED: "Hồ sơ đã có số định danh khác được xác thực",
    RECORD_CHANGED: "Hồ sơ đã được sửa sau khi chuyển công an",
    ANSWER_CHANGED: "Khác với kết quả đã nhận trước đó",
    RESULT_UNKNOWN: "Kết quả công an ghi không rõ",
}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


_RESULTS = {_plain(text): key for key, text in POLICE_RESULT_TEXTS.items()} | {
    "da xac thuc": RESULT_VERIFIED,
    "xac thuc": RESULT_VERIFIED,
    "dung": RESULT_VERIFIED,
    "khop": RESULT_VERIFIED,
    "khong khop": RESULT_MISMATCH,
    "sai thong tin": RESULT_MISMATCH,
    "khong tim thay": RESULT_NOT_FOUND,
    "khong co": RESULT_NOT_FOUND,
}


def read_result(value: object) -> str | None:
    """The police's result cell as verified / mismatch / not_found; None when empty, "unknown"
    for text that is none of these."""
    if value is None or str(value).strip() == "":
        return None
    return _RESULTS.get(_plain(str(value)), "unknown")


def text_of(value: object) -> str | None:
    """A note or result cell as stripped text (None when empty)."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


@dataclass(frozen=True, slots=True)
class Answer:
    """One row as the police returned it."""

    number: object  # the raw cell: text, int or float
    result: object = None
    note: object = None


@dataclass(frozen=True, slots=True)
class RecordNow:
    """What the row is judged against: the record as it is now."""

    person_id: int
    sex: str | None  # "M" / "F"
    birth_year: int | None
    id_number: str | None
    id_verified: bool  # the record's number came from the export or the police
    changed_fields: tuple[str, ...] = ()  # facts changed since the list was issued


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # verified / rejected / conflict / empty
    reason: str | None  # a rule or conflict code (REASON_LABELS), None when verified/empty
    number: str | None  # the cleaned 12-digit number when there is one
    message: str  # Vietnamese, for the results page and the annotated copy

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.status]


def clean_number(raw: object) -> tuple[str | None, bool]:
    """(12 digits or the cleaned text, whether it is a well-formed number); (None, False) when
    the cell is empty. Numbers that lost their leading zeros get them back."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, False
    cleaned = clean_id(raw)
    if cleaned.value is None:  # placeholders such as "không", "x"
        return None, False
    return cleaned.value, cleaned.ok


def judge(
    answer: Answer,
    record: RecordNow,
    *,
    holder: int | None = None,
    sheet_rows: tuple[int, ...] = (),
    within: str = "trong tệp (cả dòng {rows})",
) -> Outcome:
    """One row's outcome. ``holder``: another person who holds the number in the registry;
    ``sheet_rows``: the other rows of the sheet (Excel row numbers) with the same number;
    ``within`` names where they are (a keyed entry says "trong bảng nhập (cả STT …)")."""
    number, well_formed = clean_number(answer.number)
    result = read_result(answer.result)
    note = text_of(answer.note)
    said = f" Ghi chú của công an: {note}" if note else ""
    if result in ANSWER_RULES:
        rule = ANSWER_RULES[result]
        return Outcome(REJECTED, str(rule), number, f"{RULE_LABELS[rule]}.{said}")
    if number is None:
        if result == "unknown":
            return Outcome(
                REJECTED, RESULT_UNKNOWN, None, f"Không đọc được kết quả «{answer.result}».{said}"
            )
        if result == RESULT_VERIFIED:
            return Outcome(
                REJECTED,
                str(Rule.ID_MISSING),
                None,
                "Công an ghi “Đã xác thực” nhưng không ghi số định danh.",
            )
        return Outcome(EMPTY, None, None, "Công an chưa ghi kết quả.")
    if not well_formed:
        return Outcome(
            REJECTED,
            str(Rule.ID_FORMAT),
            number,
            f"Số «{number}» không phải 12 chữ số.{said}",
        )
    problems = [
        f for f in check_id(number, record.sex, record.birth_year) if f.severity == Severity.ERROR
    ]
    if problems:
        return Outcome(REJECTED, str(problems[0].rule), number, problems[0].message)
    if sheet_rows:
        rows = ", ".join(str(r) for r in sheet_rows)
        return Outcome(
            REJECTED,
            str(Rule.ID_DUPLICATE),
            number,
            f"Số {number} được ghi cho nhiều trẻ {within.format(rows=rows)}.",
        )
    if holder is not None and holder != record.person_id:
        return Outcome(
            CONFLICT, ID_HELD_BY_OTHER, number, f"Số {number} đang thuộc một hồ sơ khác."
        )
    if record.id_verified and record.id_number and record.id_number != number:
        return Outcome(
            CONFLICT,
            ID_ALREADY_VERIFIED,
            number,
            f"Hồ sơ đã có số {record.id_number} được xác thực; công an ghi {number}.",
        )
    if record.changed_fields:
        fields = ", ".join(record.changed_fields)
        return Outcome(
            CONFLICT,
            RECORD_CHANGED,
            number,
            f"Hồ sơ đã được sửa ({fields}) sau khi chuyển công an: công an xác thực thông tin cũ.",
        )
    return Outcome(VERIFIED, None, number, f"Đã xác thực số {number}.")


# ------------------------------------------------------------ a negative answer on the record


def facts_digest(facts: dict) -> str:
    """A short digest of the facts the police checked (a negative answer holds while they stay
    the same: once the officer corrects them, the record can go to the police again)."""
    keys = ("full_name", "dob", "sex", "ethnicity", "father_name", "mother_name", "guardian_name")
    text = "\x1f".join(str(facts.get(k) or "") for k in keys)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# What a negative answer leaves on the record. The police's "mismatch" and "not found" are
# errors (the officer checks the facts with the family; the record is in review until they
# change); a number the police wrote that could not be used is a warning (the record goes to
# the police again with the next list).
STANDING_RULES = {**ANSWER_RULES, "invalid": Rule.POLICE_ID_INVALID}
ADVICE = {
    Rule.POLICE_MISMATCH: " Kiểm tra lại thông tin với gia đình rồi sửa hồ sơ.",
    Rule.POLICE_NOT_FOUND: " Kiểm tra lại thông tin với gia đình (đã đăng ký khai sinh chưa).",
    Rule.POLICE_ID_INVALID: " Hồ sơ sẽ được chuyển công an lại trong danh sách sau.",
}


def answer_findings(answer: str | None, note: str | None, answered: str | None, now: str):
    """The finding a negative police answer leaves on the record while the facts the police
    checked are unchanged (``answered`` and ``now`` are :func:`facts_digest` values); ``note``
    is the outcome's message."""
    rule = STANDING_RULES.get(answer or "")
    if rule is None or answered != now:
        return []
    return [finding(rule, "id_number", (note or f"{RULE_LABELS[rule]}.") + ADVICE[rule])]
