"""The menu each role sees."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: str


HOME = MenuItem("main.home", "Trang chủ")
RECORDS = MenuItem("records.index", "Hồ sơ trẻ em")
JOBS = MenuItem("jobs.index", "Tiến trình xử lý")
IMPORTS = MenuItem("imports.index", "Nhập dữ liệu")
CONFLICTS = MenuItem("imports.conflicts", "Khác biệt khi nhập")
PROPOSALS = MenuItem("review.proposals", "Đề xuất chờ duyệt")
VOLUNTEERS = MenuItem("review.volunteers", "Cộng tác viên")
MY_PROPOSALS = MenuItem("review.my_proposals", "Đề xuất của tôi")
HAMLETS = MenuItem("hamlets.index", "Thôn, tổ dân phố")
UNITS = MenuItem("admin.units", "Đơn vị hành chính")
USERS = MenuItem("admin.users", "Tài khoản")
BATCHES = MenuItem("batches.index", "Bàn giao công an")
HANDOVER_SETTINGS = MenuItem("batches.settings", "Lịch bàn giao")
CHANGES = MenuItem("changes.index", "Cập nhật lên phần mềm")
DUPLICATES = MenuItem("review.duplicates", "Hồ sơ có thể trùng")
REPORTS = MenuItem("reports.index", "Báo cáo")
# Reports (issue 14): the progress of the units below, per unit.
DASHBOARD = MenuItem("dashboard.index", "Theo dõi tiến độ")
# Campaigns (issue 17): the phases, deadlines and cadence the unit follows.
CAMPAIGNS = MenuItem("campaigns.index", "Kế hoạch chiến dịch")
# The police see the lists handed to them and the children on them, nothing else.
POLICE_BATCHES = MenuItem("batches.index", "Danh sách cần xác thực")
POLICE_RECORDS = MenuItem("records.index", "Trẻ em trong danh sách")

MENUS = {
    "officer": [
        HOME,
        RECORDS,
        IMPORTS,
        CONFLICTS,
        PROPOSALS,
        DUPLICATES,
        VOLUNTEERS,
        HAMLETS,
        BATCHES,
        CHANGES,
        REPORTS,
        CAMPAIGNS,
        JOBS,
    ],
    "volunteer": [HOME, RECORDS, MY_PROPOSALS],
    "police": [HOME, POLICE_BATCHES, POLICE_RECORDS],
    "reporter": [HOME, DASHBOARD, RECORDS, REPORTS, CAMPAIGNS, JOBS],
    "admin": [HOME, DASHBOARD, UNITS, USERS, HANDOVER_SETTINGS, CAMPAIGNS, JOBS],
}


def menu_for(user) -> list[MenuItem]:
    return MENUS.get(user.role, [HOME])
