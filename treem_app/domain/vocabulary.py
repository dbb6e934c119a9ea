"""The words the app uses for a person's state, the sources of a change and the severity of a
finding: stored keys and the Vietnamese labels users read (SPEC sections 3-5). One definition,
used by models, services, files and templates alike."""

from __future__ import annotations

from .sex import SEX_LABELS

__all__ = [
    "CORRECTION_SOURCES",
    "EDIT_SOURCES",
    "EVENT_SOURCES",
    "EXPORT_SOURCES",
    "INACTIVE_STATUSES",
    "KEPT_STATUSES",
    "MARKS",
    "PERSON_KINDS",
    "PERSON_KIND_NOUNS",
    "PERSON_STATUSES",
    "SEVERITY_LABELS",
    "SEX_LABELS",
    "VERIFIED_ID_SOURCES",
]

# Where a change came from (SPEC section 3); the keys are stored, the labels shown.
EVENT_SOURCES = {
    "export": "Dữ liệu xuất từ phần mềm quốc gia",
    "normalisation": "Chuẩn hóa tự động",
    "household_visit": "Xác minh tại hộ gia đình",
    "civil_registry": "Sổ hộ tịch",
    "birth_certificate": "Giấy khai sinh",
    "parent_statement": "Cha mẹ cung cấp",
    "police": "Công an xác thực",
    "officer": "Cán bộ cập nhật",
}
# What an officer (or a volunteer) may name as the source of a correction; police verification
# arrives with a returned sheet, never typed.
EDIT_SOURCES = {
    k: EVENT_SOURCES[k]
    for k in (
        "household_visit",
        "civil_registry",
        "birth_certificate",
        "parent_statement",
        "officer",
    )
}
# Corrections made in treem (what a handover list shows as corrected).
CORRECTION_SOURCES = tuple(EDIT_SOURCES)
# Values that came with the national software's export: a later export may change them.
EXPORT_SOURCES = ("export", "normalisation")
# Sources under which an ID number counts as verified (SPEC section 4, "clean").
VERIFIED_ID_SOURCES = ("export", "police")

# Workflow status of a record.
PERSON_STATUSES = {
    "new": "Mới nhập",
    "in_review": "Cần rà soát",
    "ready": "Sẵn sàng chuyển công an",
    "in_batch": "Đang chờ công an xác thực",
    "verified": "Đã xác thực",
    "clean": "Đã làm sạch",
    "moved": "Đã chuyển đi",
    "deceased": "Đã mất",
    "out_of_scope": "Ngoài độ tuổi",
    "duplicate": "Trùng hồ sơ",
}
# What an officer marks a record with (never a deletion), in the words of the mark form.
MARKS = {
    "moved": "Đã chuyển đi",
    "deceased": "Đã mất",
    "out_of_scope": "Ngoài độ tuổi (16 tuổi trở lên)",
    "duplicate": "Trùng với hồ sơ khác",
}
# Records no longer screened or counted: marked, never deleted.
INACTIVE_STATUSES = tuple(MARKS)
# Statuses the screening does not decide: set by a person (marks) or by the handover step.
KEPT_STATUSES = (*INACTIVE_STATUSES, "in_batch")

PERSON_KINDS = {"child": "Trẻ em", "beneficiary": "Đối tượng bảo trợ xã hội"}
# The same within a sentence ("tổng số trẻ em", "báo cáo tiến độ đối tượng bảo trợ xã hội").
PERSON_KIND_NOUNS = {kind: label.lower() for kind, label in PERSON_KINDS.items()}

# A finding's severity as users read it (info: an automatic fix made at import).
SEVERITY_LABELS = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Đã tự động sửa"}
