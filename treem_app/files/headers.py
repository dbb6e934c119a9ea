"""Recognising the columns of a national-software export from their Vietnamese headers.

Pure Python (no Flask, no I/O): the reader hands over the first rows of a sheet and its merged
ranges, and gets back where the header is, where the data starts and which column holds which
canonical field (the names of :data:`treem_app.domain.findings.FIELDS`).

Headers come in many spellings ("Họ và tên", "Họ tên trẻ", "Ho va ten", "HỌ VÀ TÊN TRẺ EM";
"Ngày, tháng, năm sinh"; "Số ĐDCN/CCCD", "Mã định danh"...), often as a two-row header whose top
row is a merged group ("Họ tên cha, mẹ, người giám hộ" over "Cha" | "Mẹ" | "Người giám hộ").
Matching works on a folded form: lower case, no diacritics (đ -> d), punctuation as spaces.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..domain.beneficiaries import BENEFICIARY, BENEFICIARY_FIELDS
from ..domain.findings import FIELD_LABELS as DOMAIN_FIELD_LABELS

# FIELDS: the canonical fields, in the order the mapping form lists them.
from ..domain.findings import FIELDS as FIELDS
from ..domain.names import fold

# The domain's labels, but as an export's columns are known to officers.
FIELD_LABELS = {f: DOMAIN_FIELD_LABELS[f] for f in (*FIELDS, *BENEFICIARY_FIELDS)} | {
    "national_key": "Mã trẻ em (mã hồ sơ)",
    "hamlet": "Thôn/Tổ dân phố",
}


def fields_for(kind: str) -> tuple[str, ...]:
    """The fields an export of persons of ``kind`` maps its columns to (the form's order)."""
    return (*FIELDS, *BENEFICIARY_FIELDS) if kind == BENEFICIARY else FIELDS


def field_labels_for(kind: str) -> dict[str, str]:
    """The mapping form's labels for ``kind`` (a beneficiary's record key is "mã đối tượng")."""
    labels = {f: FIELD_LABELS[f] for f in fields_for(kind)}
    if kind == BENEFICIARY:
        labels["national_key"] = "Mã đối tượng (mã hồ sơ)"
    return labels


# Without these a file cannot be screened at all.
REQUIRED = ("full_name", "dob")
# A header row needs at least this many recognised fields (full name among them).
MIN_FIELDS = 3
# How far down a sheet the header is looked for (title rows, blank rows, notes).
SCAN_ROWS = 40


# Whole-header aliases (folded) for the short sub-headers of two-row headers.
_EXACT = {
    "cha": "father_name",
    "bo": "father_name",
    "ho ten cha": "father_name",
    "me": "mother_name",
    "ho ten me": "mother_name",
    "nguoi giam ho": "guardian_name",
    "giam ho": "guardian_name",
    "nguoi nuoi duong": "guardian_name",
    "ten": "full_name",
    "ho ten": "full_name",
    "ho va ten": "full_name",
    "ns": "dob",
    "gt": "sex",
    "phai": "sex",
    "nam nu": "sex",
    "dt": "ethnicity",
    "ma": "national_key",
    "id": "national_key",
    "thon": "hamlet",
    "xom": "hamlet",
    "ap": "hamlet",
    "ban": "hamlet",
    "buon": "hamlet",
    "lang": "hamlet",
    "to": "hamlet",
    "khu pho": "hamlet",
    "to dan pho": "hamlet",
    # The social-assistance export (beneficiaries); kept only for an import of beneficiaries.
    "dien": "allowance_category",
    "doi tuong": "allowance_category",
    "muc": "allowance_amount",
    "so tien": "allowance_amount",
    "tien huong": "allowance_amount",
    "hktt": "permanent_residence",
    "noht": "current_residence",
}
_IGNORED = {"stt", "tt", "so tt", "so thu tu", "ghi chu"}


def _words(folded: str) -> set[str]:
    return set(folded.split())


def match_header(text: object) -> str | None:
    """The canonical field a header text names, or None (STT, notes, unknown columns).

    >>> match_header("Ngày, tháng, năm sinh")
    'dob'
    """
    f = fold(text)
    if not f or f in _IGNORED:
        return None
    if f in _EXACT:
        return _EXACT[f]
    w = _words(f)
    padded = f" {f} "
    beneficiary = _beneficiary_field(f, w, padded)
    if beneficiary is not None:
        return beneficiary
    # Parents first: "Họ tên mẹ" also contains "họ tên".
    parents = [
        name
        for name, hit in (
            ("father_name", bool(w & {"cha", "bo"})),
            ("mother_name", "me" in w),
            ("guardian_name", "giam ho" in f or "nuoi duong" in f),
        )
        if hit
    ]
    if len(parents) == 1:
        return parents[0]
    if len(parents) > 1:
        return None  # a group header over several parent columns
    if any(k in padded for k in (" ma tre ", " ma ho so ", " ma so tre ", " ma doi tuong ")):
        return "national_key"
    if any(k in padded for k in (" dinh danh ", " cccd ", " ddcn ", " cmnd ", " can cuoc ")):
        return "id_number"
    if f.startswith("so ") and ("ca nhan" in f or "id" in w):
        return "id_number"
    if "ngay sinh" in f or "nam sinh" in f or "sinh ngay" in f or "thang nam sinh" in f:
        return "dob"
    if "gioi tinh" in f or f.startswith("gioi "):
        return "sex"
    if "dan toc" in f:
        return "ethnicity"
    if "ho va ten" in f or "ho ten" in f or "ten tre" in f:
        return "full_name"
    if (
        w & {"thon", "xom", "ap", "buon", "ban", "lang", "khom"}
        or "to dan pho" in f
        or "khu pho" in f
    ):
        return "hamlet"
    return None


def _beneficiary_field(f: str, w: set[str], padded: str) -> str | None:
    """The field of a header of the social-assistance export (the web form's fields: allowance
    category and amount ``TienHuong``, carer, residences ``NOHT_*``/``HKTT_*``), or None.

    Checked before the children's fields: "Họ tên người chăm sóc, nuôi dưỡng" is the carer, not
    a guardian; "Mã đối tượng" stays the record key (checked below).
    """
    if "cham soc" in f and (w & {"nguoi", "ho", "ten"}) and "ho tro" not in f:
        return "carer_name"
    if w & {"thon", "xom", "ap", "buon", "ban", "lang", "khom"} or "to dan pho" in f:
        return None  # a hamlet column, however it is worded
    if "thuong tru" in f or "ho khau" in f or "hktt" in w:
        return "permanent_residence"
    if (
        "noi o" in f
        or "cho o" in f
        or "noht" in w
        or (("hien tai" in f or "hien nay" in f) and ("dia chi" in f or "cu tru" in f))
    ):
        return "current_residence"
    if (
        "so tien" in f
        or "tien huong" in f
        or "muc huong" in f
        or (" muc " in padded and ("tro cap" in f or "ho tro" in f))
        or "kinh phi" in f
    ):
        return "allowance_amount"
    if " ma " in padded:
        return None  # "Mã đối tượng": the record key
    if (
        ("dien" in w and w & {"huong", "doi", "tro", "chinh"})
        or "tro cap" in f
        or "che do" in f
        or ("doi tuong" in f and (w & {"loai", "nhom", "huong"}))
    ):
        return "allowance_category"
    return None


@dataclass
class Column:
    """One column of the detected header: its position, its text as shown, the field it maps to."""

    index: int
    text: str
    field: str | None


@dataclass
class HeaderGuess:
    """Where the header is (0-based row indexes) and the proposed column mapping."""

    header_row: int
    data_start: int
    columns: list[Column] = field(default_factory=list)

    @property
    def mapping(self) -> dict[int, str]:
        return {c.index: c.field for c in self.columns if c.field}

    @property
    def score(self) -> int:
        return len(self.mapping)

    @property
    def headers(self) -> list[str]:
        return [c.text for c in self.columns]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _fill_merged(
    rows: list[list[str]], merged: Sequence[tuple[tuple[int, int], tuple[int, int]]]
) -> None:
    """Copy each merged range's top-left text into the cells it covers (header rows only)."""
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows):
            continue
        top = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, c1 + 1):
                if c < len(row) and not row[c]:
                    row[c] = top


def _is_numbering_row(row: list[str]) -> bool:
    """A row like "1 2 3 4..." or "(1) (2) (3)..." printed under many headers."""
    cells = [c for c in row if c]
    if len(cells) < 3:
        return False
    return all(re.fullmatch(r"\(?\d{1,2}\)?(\s*=.*)?", c) for c in cells)


def _columns_for(top: list[str], sub: list[str] | None) -> list[Column]:
    width = max(len(top), len(sub or []))
    cols: list[Column] = []
    used: set[str] = set()
    for i in range(width):
        t = top[i] if i < len(top) else ""
        s = sub[i] if sub and i < len(sub) else ""
        if s and s != t:
            text = f"{t} / {s}" if t else s
            found = match_header(s) or match_header(f"{t} {s}") or match_header(t)
        else:
            text = t
            found = match_header(t)
        if found in used:
            found = None
        if found:
            used.add(found)
        cols.append(Column(i, text, found))
    while cols and not cols[-1].text:
        cols.pop()
    return cols


def detect_header(
    preview: Sequence[Sequence[object]],
    merged: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (),
) -> HeaderGuess | None:
    """Find the header among the first rows of a sheet; None when no row looks like one.

    ``preview`` holds the first rows (0-based, as read, empty cells as "" or None); ``merged``
    the sheet's merged ranges ((row, col), (row, col)), 0-based and inclusive. A header is the row
    with the most recognised fields (at least :data:`MIN_FIELDS`, the full name among them),
    combined with the next row when that row is a sub-header (merged group above it, or more
    fields recognised). A numbering row ("(1) (2) (3)") after the header is skipped.
    """
    rows = [[_cell_text(v) for v in r] for r in preview[:SCAN_ROWS]]
    _fill_merged(rows, [m for m in merged if m[0][0] < SCAN_ROWS])
    best: HeaderGuess | None = None
    for r, row in enumerate(rows):
        if sum(1 for c in row if c) < 2:
            continue
        single = HeaderGuess(r, r + 1, _columns_for(row, None))
        guess = single
        if r + 1 < len(rows):
            double = HeaderGuess(r, r + 2, _columns_for(row, rows[r + 1]))
            if double.score > single.score:
                guess = double
        if "full_name" not in guess.mapping.values() or guess.score < MIN_FIELDS:
            continue
        if best is None or guess.score > best.score:
            best = guess
    if best is None:
        return None
    while best.data_start < len(rows) and _is_numbering_row(rows[best.data_start]):
        best.data_start += 1
    return best


def mapping_differences(
    remembered: Sequence[str],
    current: Sequence[str],
    remembered_mapping: dict[int, str] | None = None,
    current_mapping: dict[int, str] | None = None,
) -> list[str]:
    """Vietnamese warnings about columns renamed, moved, added or gone since the remembered export.

    Columns are compared by their header text, not their position: a column inserted before
    others moves them without renaming them. A header gone and a header new count as one column
    renamed when both are mapped to the same field (or, without mappings, sit at the same
    position). Column letters are the current file's; a gone column names where it was.
    """
    old = {fold(h): i for i, h in reversed(list(enumerate(remembered))) if fold(h)}
    new = {fold(h): j for j, h in reversed(list(enumerate(current))) if fold(h)}
    gone = [i for key, i in old.items() if key not in new]
    added = [j for key, j in new.items() if key not in old]
    old_fields = remembered_mapping or {}
    new_fields = current_mapping or {}
    renamed: list[tuple[int, int]] = []
    for i in sorted(gone):
        partner = next(
            (j for j in added if old_fields.get(i) and old_fields.get(i) == new_fields.get(j)),
            None,
        )
        if partner is None and not (old_fields and new_fields) and i in added:
            partner = i  # same position, no mappings to tell: a renamed column
        if partner is not None:
            renamed.append((i, partner))
            added.remove(partner)
    paired = {i for i, _ in renamed}
    notes: list[tuple[int, str]] = []
    for i, j in renamed:
        notes.append(
            (j, f"Cột {column_letter(j)}: tên cột đổi từ «{remembered[i]}» thành «{current[j]}».")
        )
    for key, j in new.items():
        i = old.get(key)
        if i is not None and i != j:
            notes.append(
                (
                    j,
                    f"Cột {column_letter(j)}: «{current[j]}» đã đổi vị trí "
                    f"(trước đây ở cột {column_letter(i)}).",
                )
            )
    for j in added:
        notes.append((j, f"Cột {column_letter(j)}: cột mới «{current[j]}»."))
    for i in sorted(set(gone) - paired):
        notes.append(
            (
                len(current) + i,
                f"«{remembered[i]}» không còn trong tệp (trước đây ở cột {column_letter(i)}).",
            )
        )
    return [text for _pos, text in sorted(notes)]


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA" (Excel column names)."""
    s = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s
