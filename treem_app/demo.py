"""`treem seed-demo`: a demo province (Bình Định, real unit names and codes), one account per
role and several hundred synthetic children per commune, screened like a real import.

Only synthetic people: names are drawn from common Vietnamese name parts, ID numbers are built
with random serials.
"""

from __future__ import annotations

import secrets
import string
from datetime import date
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from .domain.screening import screen_rows
from .models import Unit
from .services.accounts import create_user
from .services.persons import create_screened_person
from .services.units import import_units, parse_units_csv
from .synthetic import generate_children

DEMO_ACCOUNTS_FILE = "demo-accounts.txt"
PROVINCE_ID_CODE = "052"  # ID-number birth-registration code of Bình Định (province_codes.csv)

HAMLETS = {
    "default": [
        "Thôn An Hòa",
        "Thôn Phú Mỹ",
        "Thôn Vinh Thạnh",
        "Thôn Hưng Nghĩa",
        "Thôn Trung Lý",
    ],
}

# One account per role; the officer, volunteer and police work in Xã Phước Hưng.
DEMO_USERS = [
    ("admin", "admin", "52", "Quản trị Hệ thống"),
    ("tinh.binhdinh", "reporter", "52", "Trần Thị Mỹ Hạnh"),
    ("huyen.tuyphuoc", "reporter", "550", "Lê Văn Quang"),
    ("canbo.phuochung", "officer", "21961", "Nguyễn Thị Thu Hà"),
    ("ctv.phuochung", "volunteer", "21961", "Phạm Minh Khôi"),
    ("congan.phuochung", "police", "21961", "Võ Đức Thịnh"),
]


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
    children_per_commune: int = 300,
    seed: int = 2026,
    screening_date: date | None = None,
) -> list[dict]:
    """Load the demo units, users and children; returns the accounts with their passwords."""
    text = resources.files("treem_app.data").joinpath("demo_units_binh_dinh.csv").read_text("utf-8")
    import_units(session, parse_units_csv(text))
    units = {u.code: u for u in session.scalars(select(Unit))}
    accounts = []
    for username, role, unit_code, full_name in DEMO_USERS:
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
    day = screening_date or date.today()
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
            create_screened_person(
                session, commune, record, source="export", note="Dữ liệu mẫu (trẻ em giả lập)"
            )
        session.flush()
    return accounts
