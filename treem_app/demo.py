"""`treem seed-demo`: a demo province (real unit names and codes), one account per role and
several hundred synthetic children per commune, screened like a real import.

The demo is the shape in force since 1 July 2025: Tỉnh Gia Lai (52) holding its communes
directly (the seven formed from the former Tuy Phước and Vân Canh districts). `shape="2024"`
loads the same area as it was before: Tỉnh Bình Định with two districts and 20 communes.

Only synthetic people: names are drawn from common Vietnamese name parts, ID numbers are built
with random serials.
"""

from __future__ import annotations

import secrets
import string
from datetime import date, timedelta
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import clock
from .domain import software_sync as sync
from .domain.screening import screen_rows
from .models import Person, Unit, User, VolunteerHamlet
from .services.accounts import create_user
from .services.persons import create_screened_person, refresh_sync
from .services.roster_sync import software_texts
from .services.units import import_units, parse_units_csv
from .synthetic import generate_children

DEMO_ACCOUNTS_FILE = "demo-accounts.txt"
# ID-number birth-registration code of the children's birthplace (province_codes.csv): the
# former Bình Định (its code 52 is also the merged Gia Lai's GSO code; numbers keep "052").
PROVINCE_ID_CODE = "052"

HAMLETS = {
    "default": [
        "Thôn An Hòa",
        "Thôn Phú Mỹ",
        "Thôn Vinh Thạnh",
        "Thôn Hưng Nghĩa",
        "Thôn Trung Lý",
    ],
}

# One account per role (user name, role, unit code, full name), per shape. The first officer,
# the volunteer and the police work in the same commune.
SHAPES = {
    "2025": {
        "units": "demo_units_gia_lai.csv",
        "children_per_commune": 850,
        "users": [
            ("admin", "admin", "52", "Quản trị Hệ thống"),
            ("tinh.gialai", "reporter", "52", "Trần Thị Mỹ Hạnh"),
            ("canbo.tuyphuocbac", "officer", "21964", "Nguyễn Thị Thu Hà"),
            ("ctv.tuyphuocbac", "volunteer", "21964", "Phạm Minh Khôi"),
            ("congan.tuyphuocbac", "police", "21964", "Võ Đức Thịnh"),
            ("canbo.vancanh", "officer", "21994", "Đinh Thị Lan"),
        ],
    },
    "2024": {
        "units": "demo_units_binh_dinh.csv",
        "children_per_commune": 300,
        "users": [
            ("admin", "admin", "52", "Quản trị Hệ thống"),
            ("tinh.binhdinh", "reporter", "52", "Trần Thị Mỹ Hạnh"),
            ("huyen.tuyphuoc", "reporter", "550", "Lê Văn Quang"),
            ("canbo.phuochung", "officer", "21961", "Nguyễn Thị Thu Hà"),
            ("ctv.phuochung", "volunteer", "21961", "Phạm Minh Khôi"),
            ("congan.phuochung", "police", "21961", "Võ Đức Thịnh"),
        ],
    },
}
DEFAULT_SHAPE = "2025"


def demo_password() -> str:
    """A random password that passes the strength rule: letters and digits, 4 groups of 4."""
    alphabet = string.ascii_lowercase.replace("l", "") + "23456789"
    while True:
        raw = "".join(secrets.choice(alphabet) for _ in range(16))
        if any(c.isdigit() for c in raw) and any(c.isalpha() for c in raw):
            return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def seed(
    session: Session,
    *,
    children_per_commune: int | None = None,
    seed: int = 2026,
    screening_date: date | None = None,
    shape: str = DEFAULT_SHAPE,
) -> list[dict]:
    """Load the demo units, users and children; returns the accounts with their passwords."""
    plan = SHAPES[shape]
    if children_per_commune is None:
        children_per_commune = plan["children_per_commune"]
    text = resources.files("treem_app.data").joinpath(plan["units"]).read_text("utf-8")
    import_units(session, parse_units_csv(text))
    units = {u.code: u for u in session.scalars(select(Unit))}
    accounts = []
    for username, role, unit_code, full_name in plan["users"]:
        password = demo_password()
        create_user(
            session, username, password, role=role, unit=units[unit_code], full_name=full_name
        )
        accounts.append(
            {
                "username": username,
                "password": password,
                "role": role,
                "unit": units[unit_code].name,
            }
        )
    volunteer = next(u for u in session.scalars(select(User)) if u.role == "volunteer")
    session.add_all(VolunteerHamlet(user_id=volunteer.id, hamlet=h) for h in HAMLETS["default"][:2])
    day = screening_date or clock.today()
    communes = sorted((u for u in units.values() if u.level == "commune"), key=lambda u: u.code)
    for n, commune in enumerate(communes):
        rows = generate_children(
            children_per_commune,
            commune_code=commune.code,
            province_id_code=PROVINCE_ID_CODE,
            hamlets=HAMLETS["default"],
            seed=seed + n,
            screening_date=day,
        )
        result = screen_rows(rows, day)
        for record in result.records:
            person = create_screened_person(
                session, commune, record, source="export", note="Dữ liệu mẫu (trẻ em giả lập)"
            )
            # As if it came with the commune's last export: the national software holds the
            # row as written (what screening repaired is still to be typed in, step 4).
            person.software_facts = sync.dump(software_texts(record, _no_column, 0))
            refresh_sync(person)
        session.flush()
    _seed_reported_totals(session, communes, day, seed)
    _seed_campaign(session, communes, day, seed)
    return accounts


# The Cao Đức plan (seeds/003): children 04/06–18/06/2026, beneficiaries 19/06–31/07/2026.
PLAN_START = date(2026, 6, 4)
PLAN_PHASES = (("child", 0, 14), ("beneficiary", 15, 57))  # (kind, first, last day from start)
CAMPAIGN_NAME = "Chiến dịch chuẩn hóa và làm sạch dữ liệu trẻ em, đối tượng bảo trợ xã hội"
# A commune with a plan of its own (Xã Vân Canh, 2025 shape): four more weeks for children.
OWN_PLAN = ("21994", 28, "Kế hoạch làm sạch dữ liệu của xã (gia hạn 4 tuần)")


def campaign_dates(day: date, longer: int = 0) -> list[tuple[str, date, date]]:
    """The plan's phases moved by whole weeks (the weekdays kept: it starts on a Thursday) so
    that `day` falls in the second week of the children's phase (1 to 7 days left); `longer`
    days more for the children (the phases after them move as well)."""
    weeks = ((day - timedelta(days=7)) - PLAN_START).days // 7
    start = PLAN_START + timedelta(weeks=weeks)
    return [
        (k, start + timedelta(days=a + (longer if a else 0)), start + timedelta(days=b + longer))
        for k, a, b in PLAN_PHASES
    ]


def _seed_campaign(session: Session, communes: list[Unit], day: date, seed: int) -> None:
    """The province's campaign (the plan's dates moved around `day`), and the last four weeks'
    frozen figures of each commune, as the scheduled job would have stored them, so that the
    dashboard's pace has a history: most communes cleaned a steady share of what they had
    left each week, the last one nothing in the last three weeks (a stalled commune). Xã Vân
    Canh has a plan of its own, four weeks longer for children."""
    import random

    from .models import Campaign, CampaignPhase, WeekSnapshot
    from .models._common import utcnow
    from .services.batches import province_of
    from .services.campaign_pace import past_weeks
    from .services.reports import cutoff_settings, live_figures, reported_totals

    root = province_of(session, communes[0])
    campaign = Campaign(unit_id=root.id, name=CAMPAIGN_NAME)
    campaign.phases = [
        CampaignPhase(kind=k, starts_on=a, ends_on=b) for k, a, b in campaign_dates(day)
    ]
    session.add(campaign)
    code, longer, name = OWN_PLAN
    own = next((c for c in communes if c.code == code), None)
    if own is not None:
        plan = Campaign(unit_id=own.id, name=name)
        plan.phases = [CampaignPhase(kind=k, starts_on=a, ends_on=b)
                       for k, a, b in campaign_dates(day, longer)]  # fmt: skip
        session.add(plan)
    weekday, hour = cutoff_settings(session, root)
    now = utcnow()
    weeks = past_weeks(now, weekday, hour, clock.zone_name())
    ids = [c.id for c in communes]
    live = live_figures(session, ids)
    totals = reported_totals(session, ids, day, now)
    rng = random.Random(seed)
    for n, commune in enumerate(communes):
        in_software, cleaned = live[commune.id]
        stalled = n == len(communes) - 1
        counts = []
        for back in range(len(weeks)):  # the latest week first
            gain = 0 if stalled and back < 3 else max(1, int(cleaned * rng.uniform(0.04, 0.09)))
            cleaned = max(0, cleaned - gain)
            counts.append(cleaned)
        for (week, _day), count in zip(weeks, reversed(counts), strict=True):
            entry = totals.get(commune.id)
            session.add(
                WeekSnapshot(
                    unit_id=commune.id,
                    week=week,
                    reported=entry.total if entry else None,
                    reported_total_id=entry.id if entry else None,
                    in_software=in_software,
                    cleaned=count,
                    frozen_at=now,
                )
            )
    session.flush()


def _no_column(_field: str) -> None:
    return None


def _seed_reported_totals(session: Session, communes: list[Unit], day: date, seed: int) -> None:
    """Each commune's own count of its children for this month (column (3) of the reports),
    entered by the province's reporter; the last commune has not reported yet, as happens."""
    import random

    from .services.reports import ReportError, enter_total

    reporters = list(session.scalars(select(User).where(User.role == "reporter")))
    if not reporters:
        return
    reporter = min(reporters, key=lambda u: len(u.unit.path))  # the widest scope
    rng = random.Random(seed)
    for commune in communes[:-1]:
        held = session.scalar(
            select(func.count()).select_from(Person).where(Person.unit_id == commune.id)
        )
        total = held + rng.randint(held // 25, held // 10)  # children the software lacks
        try:
            enter_total(
                session, commune, f"{day.year}-{day.month:02d}", total, reporter,
                "Số liệu mẫu (giả lập)",
            )  # fmt: skip
        except ReportError:
            continue  # a commune outside the reporter's scope (another district)
    session.flush()


# Columns of the sample export, shaped like the national software's "Danh sách trẻ em" export:
# (top header, sub-header, field); a top header spanning several columns is merged above them.
EXPORT_COLUMNS = [
    ("STT", None, None),
    ("Mã trẻ em", None, "national_key"),
    ("Họ và tên trẻ", None, "full_name"),
    ("Ngày, tháng, năm sinh", None, "dob"),
    ("Giới tính", None, "sex"),
    ("Dân tộc", None, "ethnicity"),
    ("Số định danh cá nhân", None, "id_number"),
    ("Họ tên cha, mẹ, người giám hộ", "Cha", "father_name"),
    ("Họ tên cha, mẹ, người giám hộ", "Mẹ", "mother_name"),
    ("Họ tên cha, mẹ, người giám hộ", "Người giám hộ", "guardian_name"),
    ("Thôn/Xóm", None, "hamlet"),
    ("Ghi chú", None, None),
]


def sample_export_rows(
    session: Session,
    unit: Unit,
    *,
    children: int | None = None,
    new_children: int = 30,
    seed: int = 2026,
    screening_date: date | None = None,
) -> list[dict]:
    """The synthetic rows of a commune's sample export: the demo's children (same seed as
    `seed-demo`, so a re-import merges) followed by `new_children` the registry does not know.
    `children` defaults to the commune's demo children (the persons it holds): a sample with
    fewer would report the rest as no longer in the export; an empty commune gets 300."""
    if children is None:
        held = select(func.count()).select_from(Person).where(Person.unit_id == unit.id)
        children = session.scalar(held) or 300
    communes = sorted(
        session.scalars(select(Unit).where(Unit.level == "commune")), key=lambda u: u.code
    )
    index = next((n for n, u in enumerate(communes) if u.id == unit.id), 0)
    return generate_children(
        children + new_children,
        commune_code=unit.code,
        province_id_code=PROVINCE_ID_CODE,
        hamlets=HAMLETS["default"],
        seed=seed + index,
        screening_date=screening_date or clock.today(),
    )


def write_sample_export(unit: Unit, rows: list[dict], target, *, exported_on: date) -> None:
    """Write `rows` as an .xlsx like the national software's export (title rows, a merged
    two-row header, a numbering row, raw values of every kind) to a path or a binary stream."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from .files.xlsx_write import safe_text

    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách trẻ em"
    last = len(EXPORT_COLUMNS)
    bold = Font(bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.cell(1, 1, f"UBND {unit.name.upper()}").font = bold
    ws.cell(2, 1, "DANH SÁCH TRẺ EM TRÊN ĐỊA BÀN").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last)
    ws.cell(2, 1).alignment = center
    ws.cell(
        3, 1, f"(Xuất từ Hệ thống quản lý thông tin trẻ em ngày {exported_on:%d/%m/%Y})"
    ).alignment = center
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=last)
    top, sub = 5, 6
    c = 1
    while c <= last:
        head, subhead, _ = EXPORT_COLUMNS[c - 1]
        span = 1
        while c + span <= last and EXPORT_COLUMNS[c + span - 1][0] == head:
            span += 1
        ws.cell(top, c, head).font = bold
        ws.cell(top, c).alignment = center
        if span > 1:
            ws.merge_cells(start_row=top, start_column=c, end_row=top, end_column=c + span - 1)
            for k in range(span):
                ws.cell(sub, c + k, EXPORT_COLUMNS[c + k - 1][1]).font = bold
                ws.cell(sub, c + k).alignment = center
        else:
            ws.merge_cells(start_row=top, start_column=c, end_row=sub, end_column=c)
        c += span
    for c in range(1, last + 1):
        ws.cell(7, c, f"({c})").alignment = center
    dob_column = next(c for c, col in enumerate(EXPORT_COLUMNS, start=1) if col[2] == "dob")
    for n, row in enumerate(rows, start=1):
        values = [n] + [safe_text(row.get(f)) if f else None for _, _, f in EXPORT_COLUMNS[1:]]
        ws.append(values)
        if isinstance(row.get("dob"), date):
            ws.cell(7 + n, dob_column).number_format = "DD/MM/YYYY"
    widths = (5, 15, 26, 14, 9, 11, 16, 24, 24, 24, 16, 12)
    for letter, width in zip("ABCDEFGHIJKL", widths, strict=True):
        ws.column_dimensions[letter].width = width
    info = wb.create_sheet("Hướng dẫn")
    info.append(["Tệp mẫu do treem tạo: trẻ em giả lập, không phải người thật."])
    info.append(["Tải tệp này lên trang Nhập dữ liệu để thử toàn bộ bước 1."])
    wb.save(target)
