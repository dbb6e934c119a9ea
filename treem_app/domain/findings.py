"""Screening findings: the stable rule codes of SPEC section 4, their severities and labels.

The codes are a public contract (exports, the CLI and tests use them): never rename one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Rule(StrEnum):
    """A screening rule code (SPEC section 4)."""

    ID_MISSING = "ID_MISSING"
    ID_FORMAT = "ID_FORMAT"
    ID_LEADING_ZERO_RESTORED = "ID_LEADING_ZERO_RESTORED"
    ID_PROVINCE = "ID_PROVINCE"
    ID_SEX_MISMATCH = "ID_SEX_MISMATCH"
    ID_CENTURY_MISMATCH = "ID_CENTURY_MISMATCH"
    ID_YEAR_MISMATCH = "ID_YEAR_MISMATCH"
    ID_DUPLICATE = "ID_DUPLICATE"
    NAME_MISSING = "NAME_MISSING"
    NAME_INVALID = "NAME_INVALID"
    NAME_NORMALIZED = "NAME_NORMALIZED"
    DOB_MISSING = "DOB_MISSING"
    DOB_INVALID = "DOB_INVALID"
    DOB_FUTURE = "DOB_FUTURE"
    DOB_PARTIAL = "DOB_PARTIAL"
    AGE_OUT_OF_SCOPE = "AGE_OUT_OF_SCOPE"
    SEX_MISSING = "SEX_MISSING"
    SEX_INVALID = "SEX_INVALID"
    ETHNICITY_MISSING = "ETHNICITY_MISSING"
    ETHNICITY_UNKNOWN = "ETHNICITY_UNKNOWN"
    GUARDIAN_MISSING = "GUARDIAN_MISSING"
    DUPLICATE_PERSON = "DUPLICATE_PERSON"
    POLICE_MISMATCH = "POLICE_MISMATCH"
    POLICE_NOT_FOUND = "POLICE_NOT_FOUND"
    POLICE_ID_INVALID = "POLICE_ID_INVALID"
    SOFTWARE_NOT_UPDATED = "SOFTWARE_NOT_UPDATED"
    ALLOWANCE_CATEGORY_UNKNOWN = "ALLOWANCE_CATEGORY_UNKNOWN"


class Severity(StrEnum):
    """How a finding weighs: an error blocks "clean", a warning needs a look, info records a fix."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY: dict[Rule, Severity] = {
    Rule.ID_MISSING: Severity.ERROR,
    Rule.ID_FORMAT: Severity.ERROR,
    Rule.ID_LEADING_ZERO_RESTORED: Severity.INFO,
    Rule.ID_PROVINCE: Severity.ERROR,
    Rule.ID_SEX_MISMATCH: Severity.ERROR,
    Rule.ID_CENTURY_MISMATCH: Severity.ERROR,
    Rule.ID_YEAR_MISMATCH: Severity.ERROR,
    Rule.ID_DUPLICATE: Severity.ERROR,
    Rule.NAME_MISSING: Severity.ERROR,
    Rule.NAME_INVALID: Severity.ERROR,
    Rule.NAME_NORMALIZED: Severity.INFO,
    Rule.DOB_MISSING: Severity.ERROR,
    Rule.DOB_INVALID: Severity.ERROR,
    Rule.DOB_FUTURE: Severity.ERROR,
    Rule.DOB_PARTIAL: Severity.WARNING,
    Rule.AGE_OUT_OF_SCOPE: Severity.WARNING,
    Rule.SEX_MISSING: Severity.ERROR,
    Rule.SEX_INVALID: Severity.ERROR,
    Rule.ETHNICITY_MISSING: Severity.ERROR,
    Rule.ETHNICITY_UNKNOWN: Severity.ERROR,
    Rule.GUARDIAN_MISSING: Severity.ERROR,
    Rule.DUPLICATE_PERSON: Severity.WARNING,
    Rule.POLICE_MISMATCH: Severity.ERROR,
    Rule.POLICE_NOT_FOUND: Severity.ERROR,
    Rule.POLICE_ID_INVALID: Severity.WARNING,
    Rule.SOFTWARE_NOT_UPDATED: Severity.WARNING,
    Rule.ALLOWANCE_CATEGORY_UNKNOWN: Severity.WARNING,
}

RULE_LABELS: dict[Rule, str] = {
    Rule.ID_MISSING: "Thiếu số định danh",
    Rule.ID_FORMAT: "Số định danh sai định dạng",
    Rule.ID_LEADING_ZERO_RESTORED: "Đã bổ sung số 0 đầu số định danh",
    Rule.ID_PROVINCE: "Mã tỉnh trong số định danh không hợp lệ",
    Rule.ID_SEX_MISMATCH: "Số định danh không khớp giới tính",
    Rule.ID_CENTURY_MISMATCH: "Số định danh không khớp thế kỷ sinh",
    Rule.ID_YEAR_MISMATCH: "Số định danh không khớp năm sinh",
    Rule.ID_DUPLICATE: "Số định danh bị trùng",
    Rule.NAME_MISSING: "Thiếu họ và tên",
    Rule.NAME_INVALID: "Họ và tên không hợp lệ",
    Rule.NAME_NORMALIZED: "Đã chuẩn hóa họ và tên",
    Rule.DOB_MISSING: "Thiếu ngày sinh",
    Rule.DOB_INVALID: "Ngày sinh không hợp lệ",
    Rule.DOB_FUTURE: "Ngày sinh sau ngày rà soát",
    Rule.DOB_PARTIAL: "Ngày sinh chưa đầy đủ",
    Rule.AGE_OUT_OF_SCOPE: "Từ đủ 16 tuổi trở lên",
    Rule.SEX_MISSING: "Thiếu giới tính",
    Rule.SEX_INVALID: "Giới tính không hợp lệ",
    Rule.ETHNICITY_MISSING: "Thiếu dân tộc",
    Rule.ETHNICITY_UNKNOWN: "Dân tộc không xác định",
    Rule.GUARDIAN_MISSING: "Thiếu thông tin cha, mẹ hoặc người giám hộ",
    Rule.DUPLICATE_PERSON: "Có thể trùng người",
    Rule.POLICE_MISMATCH: "Công an trả lời: không khớp thông tin",
    Rule.POLICE_NOT_FOUND: "Công an trả lời: không tìm thấy",
    Rule.POLICE_ID_INVALID: "Số công an ghi không dùng được",
    Rule.SOFTWARE_NOT_UPDATED: "Chưa được cập nhật trên phần mềm",
    Rule.ALLOWANCE_CATEGORY_UNKNOWN: "Diện hưởng trợ giúp không có trong danh mục",
}


def rule_label(code: object) -> str:
    """The Vietnamese label of a rule code; any other text is returned unchanged."""
    text = "" if code is None else str(code)
    try:
        return RULE_LABELS[Rule(text)]
    except ValueError:
        return text


# What an automatic fix did, said as a history note: the event of a fix stores its rule code as
# its note (`persons.create_screened_person`, `roster_merge`); a finding's label would misread
# there (ID_FORMAT on a repaired number is not an error, NAME_NORMALIZED also fixes hamlets).
FIX_NOTES: dict[Rule, str] = {
    Rule.NAME_NORMALIZED: "Tự động chuẩn hóa cách viết (chữ hoa, khoảng trắng, dấu, bảng mã)",
    Rule.ID_LEADING_ZERO_RESTORED: "Tự động bổ sung số 0 bị mất ở đầu số định danh",
    Rule.ID_FORMAT: "Tự động bỏ dấu cách, dấu chấm và ký tự thừa trong số định danh",
}


def event_note(note: object) -> str:
    """A history event's note as an officer reads it: an automatic fix's rule code in words,
    another rule code as its label, free text (typed by a person, or written in Vietnamese by
    the app) unchanged."""
    text = "" if note is None else str(note)
    try:
        rule = Rule(text)
    except ValueError:
        return text
    return FIX_NOTES.get(rule) or RULE_LABELS[rule]


# Canonical field names: raw-row keys, normalised fact keys and Person model columns.
FIELDS: tuple[str, ...] = (
    "national_key",
    "full_name",
    "dob",
    "sex",
    "ethnicity",
    "id_number",
    "father_name",
    "mother_name",
    "guardian_name",
    "hamlet",
)

FIELD_LABELS: dict[str, str] = {
    "national_key": "Mã trên phần mềm",
    "full_name": "Họ và tên",
    "dob": "Ngày sinh",
    "sex": "Giới tính",
    "ethnicity": "Dân tộc",
    "id_number": "Số định danh cá nhân",
    "father_name": "Họ tên cha",
    "mother_name": "Họ tên mẹ",
    "guardian_name": "Họ tên người giám hộ",
    "hamlet": "Thôn, tổ dân phố",
    # A social-protection beneficiary's own facts (domain/beneficiaries.py).
    "allowance_category": "Diện hưởng trợ giúp xã hội",
    "allowance_amount": "Mức trợ cấp hàng tháng",
    "carer_name": "Họ tên người chăm sóc",
    "current_residence": "Nơi ở hiện tại",
    "permanent_residence": "Nơi thường trú",
    "guardians": "Cha, mẹ, người giám hộ",
    "person": "Hồ sơ",
    "police_answer": "Kết quả xác thực của công an",
    "software": "Phần mềm quốc gia",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One screening result: which rule fired on which field, how serious, and why (Vietnamese)."""

    rule: Rule
    field: str
    severity: Severity
    message: str
    related: int | None = None

    def as_dict(self) -> dict[str, object]:
        """Return a JSON-friendly dict (the shape the CLI and exports use)."""
        out: dict[str, object] = {
            "rule": str(self.rule),
            "field": self.field,
            "severity": str(self.severity),
            "message": self.message,
        }
        if self.related is not None:
            out["related"] = self.related
        return out


def finding(rule: Rule, field: str, message: str, related: int | None = None) -> Finding:
    """Build a Finding with the severity SPEC section 4 gives its rule."""
    return Finding(rule, field, SEVERITY[rule], message, related)
