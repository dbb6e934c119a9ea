"""Synthetic children's records shaped like a national-software export (pure Python, seeded).

Only synthetic people: names are drawn from common name parts, ID numbers are built with
:func:`treem_app.domain.idnumber.make_id` from random serials, so no real person's name is ever
paired with a real number. ``defect_rate`` of the rows carry one realistic defect each (missing or
malformed ID, legacy-encoded name, partial or impossible date, duplicates, ...), which is what
the demo, the tests and ``bench/screen.py`` screen. :func:`batch_document` is a handover list
(``files.batch_pdf``) of synthetic children, for ``bench/pdf.py`` and the PDF tests.
"""

from __future__ import annotations

import datetime as dt
import random

from treem_app.domain.idnumber import make_id
from treem_app.domain.legacy_text import to_tcvn3, to_vni

FAMILY_NAMES = (
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Huỳnh", 4),
    ("Hoàng", 3),
    ("Phan", 4),
    ("Võ", 3),
    ("Vũ", 2),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 1.5),
    ("Hồ", 1.5),
    ("Ngô", 1.3),
    ("Dương", 1),
    ("Lý", 0.5),
    ("Đinh", 0.8),
    ("Trương", 0.8),
    ("Mai", 0.5),
)
MIDDLE_MALE = (
    "Văn",
    "Văn",
    "Minh",
    "Quốc",
    "Gia",
    "Hoàng",
    "Đức",
    "Thanh",
    "Hữu",
    "Bảo",
    "Anh",
    "Tuấn",
    "Nhật",
    "Công",
)
MIDDLE_FEMALE = (
    "Thị",
    "Thị",
    "Ngọc",
    "Thu",
    "Bảo",
    "Gia",
    "Thanh",
    "Minh",
    "Khánh",
    "Phương",
    "Mai",
    "Kim",
    "Thùy",
    "Hoài",
)
GIVEN_MALE = (
    "An",
    "Bình",
    "Khang",
    "Khôi",
    "Phúc",
    "Huy",
    "Nam",
    "Minh",
    "Long",
    "Đạt",
    "Dũng",
    "Hùng",
    "Tuấn",
    "Quân",
    "Bảo",
    "Kiên",
    "Thịnh",
    "Trí",
    "Vinh",
    "Duy",
    "Hải",
    "Hiếu",
    "Lộc",
    "Nhân",
    "Phát",
    "Sơn",
    "Thắng",
    "Toàn",
    "Việt",
    "Khoa",
    "Quý",
    "Thuận",
)
GIVEN_FEMALE = (
    "An",
    "Anh",
    "Chi",
    "Hà",
    "Hân",
    "Hoa",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "My",
    "Ngân",
    "Ngọc",
    "Nhi",
    "Nhung",
    "Oanh",
    "Phương",
    "Quyên",
    "Thảo",
    "Thủy",
    "Thúy",
    "Trang",
    "Trâm",
    "Uyên",
    "Vy",
    "Yến",
    "Hòa",
    "Diệp",
    "Khuê",
    "Tiên",
    "Xuân",
)
KINH_SPELLINGS = ("Kinh", "Kinh", "Kinh", "Kinh", "kinh", "KINH", "Việt", "Kinh (Việt)")
MINORITY_SPELLINGS = (
    "Ba Na",
    "Bana",
    "Chăm",
    "Chàm",
    "Hrê",
    "Gia Rai",
    "Gia-rai",
    "Ê Đê",
    "Ê-đê",
    "Tày",
    "Thái",
    "Mường",
    "Nùng",
    "H'Mông",
    "Mông",
    "Dao",
    "Khmer",
    "Khơ-me",
    "Hoa",
    "Xơ Đăng",
    "Co",
    "Cơ-ho",
)
UNKNOWN_ETHNICITY = ("Không rõ", "Khác", "DT khác", "Kinh Hoa", "Ba", "?")
SEX_MALE = ("Nam", "Nam", "Nam", "Nam", "nam", "NAM", "M", "Trai")
SEX_FEMALE = ("Nữ", "Nữ", "Nữ", "Nữ", "nữ", "NỮ", "Nu", "F", "Gái")

DEFECTS = (
    "missing_id",
    "cmnd9",
    "id_scientific",
    "id_number_cell",
    "id_float_cell",
    "wrong_year_digits",
    "wrong_sex_digit",
    "name_tcvn3",
    "name_vni",
    "name_tcvn3_word",
    "name_vni_word",
    "name_case_spacing",
    "missing_dob",
    "impossible_date",
    "dob_partial",
    "no_guardians",
    "unknown_ethnicity",
    "missing_sex",
    "duplicate_child",
    "over_16",
    "duplicate_id",
)


def _weighted_family(rng: random.Random) -> str:
    names, weights = zip(*FAMILY_NAMES, strict=True)
    return rng.choices(names, weights)[0]


def _excel_serial(d: dt.date) -> int:
    return (d - dt.date(1899, 12, 30)).days


def _raw_date(rng: random.Random, d: dt.date) -> object:
    form = rng.random()
    if form < 0.40:
        return d
    if form < 0.50:
        return dt.datetime(d.year, d.month, d.day)
    if form < 0.72:
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if form < 0.78:
        return f"{d.day}/{d.month}/{d.year}"
    if form < 0.88:
        return _excel_serial(d)
    if form < 0.92:
        return float(_excel_serial(d))
    if form < 0.96:
        return d.isoformat()
    return f"ngày {d.day} tháng {d.month} năm {d.year}"


def _person_name(rng: random.Random, family: str, sex: str) -> str:
    middle = rng.choice(MIDDLE_MALE if sex == "M" else MIDDLE_FEMALE)
    given = rng.choice(GIVEN_MALE if sex == "M" else GIVEN_FEMALE)
    if rng.random() < 0.12:  # some names carry two middle names
        extra = rng.choice(MIDDLE_MALE[2:] if sex == "M" else MIDDLE_FEMALE[2:])
        if extra != middle:
            return f"{family} {middle} {extra} {given}"
    return f"{family} {middle} {given}"


def _legacy_one_word(name: str, encode) -> str:
    words = name.split()
    pick = max(range(len(words)), key=lambda i: encode(words[i]) != words[i])
    words[pick] = encode(words[pick])
    return " ".join(words)


def generate_children(
    n: int,
    *,
    commune_code: str,
    province_id_code: str,
    hamlets: list[str],
    seed: int,
    screening_date: dt.date,
    defect_rate: float = 0.25,
) -> list[dict]:
    """Generate ``n`` raw rows of synthetic children aged 0-15 on ``screening_date``.

    Rows use the canonical field names; ``defect_rate`` of them carry one defect each.
    """
    rng = random.Random(f"{seed}:{commune_code}")
    used_ids: set[str] = set()
    rows: list[dict] = []
    youngest = screening_date
    oldest = dt.date(screening_date.year - 16, screening_date.month, 1) + dt.timedelta(days=31)
    span = (youngest - oldest).days
    key_base = int("".join(c for c in commune_code if c.isdigit()) or "0") * 1_000_000

    def new_id(sex: str, year: int) -> str:
        while True:
            idn = make_id(province_id_code, sex, year, rng.randrange(1_000_000))
            if idn not in used_ids:
                used_ids.add(idn)
                return idn

    for i in range(n):
        sex = "M" if rng.random() < 0.51 else "F"
        dob = oldest + dt.timedelta(days=rng.randrange(span))
        family = _weighted_family(rng)
        father = _person_name(rng, family, "M")
        mother = _person_name(rng, _weighted_family(rng), "F")
        guardian = None
        parents = rng.random()
        if parents < 0.05:
            father = None
        elif parents < 0.07:
            father = mother = None
            guardian = _person_name(rng, _weighted_family(rng), rng.choice("MF"))
        minority = rng.random() < 0.12
        row: dict[str, object] = {
            "national_key": f"TE{key_base + i:010d}",
            "full_name": _person_name(rng, family, sex),
            "dob": _raw_date(rng, dob),
            "sex": rng.choice(SEX_MALE if sex == "M" else SEX_FEMALE),
            "ethnicity": rng.choice(MINORITY_SPELLINGS if minority else KINH_SPELLINGS),
            "id_number": new_id(sex, dob.year),
            "father_name": father,
            "mother_name": mother,
            "guardian_name": guardian,
            "hamlet": rng.choice(hamlets) if hamlets else None,
        }
        if rng.random() < defect_rate:
            _apply_defect(rng, row, rows, sex, dob, screening_date, new_id)
        rows.append(row)
    return rows


def _apply_defect(
    rng: random.Random, row: dict, rows: list[dict], sex: str, dob: dt.date, today: dt.date, new_id
) -> None:
    defect = rng.choice(DEFECTS)
    idn = str(row["id_number"])
    name = str(row["full_name"])
    if defect == "missing_id":
        row["id_number"] = rng.choice((None, "", " "))
    elif defect == "cmnd9":
        row["id_number"] = f"{rng.randrange(10**8, 4 * 10**8):09d}"
    elif defect == "id_scientific":
        row["id_number"] = rng.choice((f"{int(idn):.1E}", float(f"{int(idn):.2e}")))
    elif defect == "id_number_cell":
        row["id_number"] = int(idn)
    elif defect == "id_float_cell":
        row["id_number"] = float(int(idn))
    elif defect == "wrong_year_digits":
        wrong = (dob.year + rng.choice((-2, -1, 1, 2))) % 100
        row["id_number"] = f"{idn[:4]}{wrong:02d}{idn[6:]}"
    elif defect == "wrong_sex_digit":
        row["id_number"] = f"{idn[:3]}{int(idn[3]) ^ 1}{idn[4:]}"
    elif defect == "name_tcvn3":
        row["full_name"] = to_tcvn3(name)
    elif defect == "name_vni":
        row["full_name"] = to_vni(name)
    elif defect == "name_tcvn3_word":
        row["full_name"] = _legacy_one_word(name, to_tcvn3)
    elif defect == "name_vni_word":
        row["full_name"] = _legacy_one_word(name, to_vni)
    elif defect == "name_case_spacing":
        row["full_name"] = rng.choice((name.lower(), name.upper(), "  " + name.replace(" ", "  ")))
    elif defect == "missing_dob":
        row["dob"] = rng.choice((None, ""))
    elif defect == "impossible_date":
        row["dob"] = f"{rng.choice((30, 31))}/02/{dob.year}"
    elif defect == "dob_partial":
        row["dob"] = rng.choice((f"năm {dob.year}", f"{dob.month:02d}/{dob.year}", dob.year))
    elif defect == "no_guardians":
        row["father_name"] = row["mother_name"] = row["guardian_name"] = None
    elif defect == "unknown_ethnicity":
        row["ethnicity"] = rng.choice(UNKNOWN_ETHNICITY)
    elif defect == "missing_sex":
        row["sex"] = rng.choice((None, ""))
    elif defect == "duplicate_child" and rows:
        other = rng.choice(rows[-50:])
        for f in (
            "full_name",
            "dob",
            "sex",
            "ethnicity",
            "father_name",
            "mother_name",
            "guardian_name",
            "hamlet",
        ):
            row[f] = other[f]
        if isinstance(other["full_name"], str) and rng.random() < 0.5:
            row["full_name"] = other["full_name"].replace(" ", "  ", 1)
        row["id_number"] = None
    elif defect == "over_16":
        old = dt.date(today.year - rng.randrange(16, 18), dob.month, min(dob.day, 28))
        row["dob"] = old
        row["id_number"] = new_id(sex, old.year)
    elif defect == "duplicate_id" and rows:
        row["id_number"] = rng.choice(rows[-50:])["id_number"]


# --------------------------------------------------------------------------- a handover list

# Name parts of the handover lists (tests/batch_helpers.py too), rare diacritics included.
LIST_FAMILIES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
LIST_MIDDLES = ["Văn", "Thị", "Ngọc", "Minh", "Quốc", "Thanh", "Hoàng", "Thùy", "Bảo", "Gia"]
LIST_GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Mỹ", "Nhật", "Phúc"]
LIST_GIVEN += ["Quỳnh", "Sơn", "Tâm", "Uyên", "Vy", "Yến", "Ánh", "Đức", "Hưng", "Ửng", "Ỷ Lan"]


def batch_document(n: int, seed: int = 2026):
    """A locked handover list (``files.batch_pdf.BatchDocument``) of `n` synthetic children, as
    the documents job builds it from a batch's rows (seeded)."""
    from .files.batch_pdf import BatchDocument, DocRow

    rng = random.Random(seed)

    def name() -> str:
        given = rng.sample(LIST_GIVEN, rng.choice([1, 1, 2]))
        return " ".join([rng.choice(LIST_FAMILIES), rng.choice(LIST_MIDDLES), *given])

    rows = []
    for i in range(n):
        if rng.random() < 0.9:
            guardians = f"Cha: {name()}; Mẹ: {name()}"
        else:
            guardians = f"Người giám hộ: {name()}"
        rows.append(
            DocRow(
                position=i + 1,
                row_key="".join(rng.choice("ABCDEFGHJKMNPQRSTUVWXYZ23456789") for _ in range(5)),
                full_name=name(),
                dob=f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2011, 2025)}",
                sex=rng.choice(["Nam", "Nữ"]),
                ethnicity=rng.choice(["Kinh", "Kinh", "Kinh", "Ba Na", "Chăm", "Hrê"]),
                guardians=guardians,
                hamlet=rng.choice(["Thôn Hưng Nghĩa", "Thôn Phổ Đồng", "Tổ dân phố 3"]),
                id_number=rng.choice(["Chưa có", "05221500012", "052215000123"]),
                corrected=rng.choice(["", "", "Họ và tên", "Ngày sinh, Dân tộc", "Họ tên cha"]),
            )
        )
    return BatchDocument(
        number="03/DS-UBND",
        unit_name="Xã Phước Hưng",
        agency="ỦY BAN NHÂN DÂN XÃ PHƯỚC HƯNG",
        governing_agency="UBND HUYỆN TUY PHƯỚC",
        place_date="Phước Hưng, ngày 19 tháng 11 năm 2026",
        police_name="Công an xã Phước Hưng",
        preparer="Trần Thị Cán Bộ",
        verify_url="http://127.0.0.1:8000/v/bench-token-0123456789abcdefghijk",
        content_hash="0f" * 32,
        rows=rows,
    )
