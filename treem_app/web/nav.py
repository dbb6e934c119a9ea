"""The menu each role sees."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: str


HOME = MenuItem("main.home", "Trang chủ")
RECORDS = MenuItem("records.index", "Hồ sơ trẻ em")
JOBS = MenuItem("jobs.index", "Công việc nền")
IMPORTS = MenuItem("imports.index", "Nhập dữ liệu")
PROPOSALS = MenuItem("review.proposals", "Đề xuất chờ duyệt")
VOLUNTEERS = MenuItem("review.volunteers", "Cộng tác viên")
UNITS = MenuItem("admin.units", "Đơn vị hành chính")
USERS = MenuItem("admin.users", "Tài khoản")

MENUS = {
    "officer": [HOME, RECORDS, IMPORTS, PROPOSALS, VOLUNTEERS, JOBS],
    "volunteer": [HOME, RECORDS],
    "police": [HOME],
    "reporter": [HOME, RECORDS, JOBS],
    "admin": [HOME, UNITS, USERS, JOBS],
}


def menu_for(user) -> list[MenuItem]:
    return MENUS.get(user.role, [HOME])
