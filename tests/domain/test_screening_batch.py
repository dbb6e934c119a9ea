"""screen_rows on a whole set agrees with screening each row alone (the column-wise fast paths)."""

from __future__ import annotations

import datetime as dt

import pytest

from treem_app.domain.findings import FIELDS, Rule
from treem_app.domain.names import normalize_name
from treem_app.domain.screening import clear_caches, screen_columns, screen_one, screen_rows
from treem_app.synthetic import generate_children

TODAY = dt.date(2026, 6, 18)
ACROSS_ROWS = {Rule.ID_DUPLICATE, Rule.DUPLICATE_PERSON}
# Values equal to one another (3 and 3.0) share one outcome, as they always have: one of each.
ODD_CELLS = [
    None,
    "",
    " ",
    3,
    1.5,
    float("nan"),
    True,
    dt.datetime(2015, 3, 5, 10, 0),
    dt.date(2015, 3, 5),
    dt.date(1899, 12, 31),
    dt.date(2030, 1, 1),
    "  05/03/2015 ",
    "5-3-15",
    "2015-3-5",
    "2015-03-05",
    "ngày 5 tháng 3 năm 2015",
    "Ngày 05 Tháng 03 Năm 2015",
    "\u0665/\u0663/\u0662\u0660\u0661\u0665",
    "31/02/2015",
    "29/02/2016",
    "03/2015",
    "2015",
    42069,
    42069.5,
    60,
    61,
    20150305,
    "20150305",
    "năm 2015",
    "052315000123",
    " 052315000123",
    52315000123,
    "52315000123.0",
    "Nguyễn  văn an",
    "Nguyễn Văn An",
]


def rows_with_defects() -> list[dict]:
    rows = generate_children(
        600,
        commune_code="21550",
        province_id_code="052",
        hamlets=["Thôn 1", "Thôn Hòa Bình", " Th«n 2 "],
        seed=11,
        screening_date=TODAY,
        defect_rate=0.9,
    )
    for i, cell in enumerate(ODD_CELLS * 3):
        row = rows[i * 5]
        field = ("dob", "id_number", "full_name", "father_name", "sex")[i % 5]
        row[field] = cell
    return rows


def test_a_set_finds_what_each_row_alone_finds():
    rows = rows_with_defects()
    clear_caches()
    batch = screen_rows(rows, TODAY)
    for record, row in zip(batch.records, rows, strict=True):
        clear_caches()
        alone = screen_one(row, TODAY)
        assert record.facts == alone.facts
        assert record.fixes == alone.fixes
        assert [f for f in record.findings if f.rule not in ACROSS_ROWS] == alone.findings


def test_warm_and_cold_caches_agree():
    rows = rows_with_defects()
    clear_caches()
    cold = screen_rows(rows, TODAY, children=False)
    warm = screen_rows(rows, TODAY, children=False)
    assert cold == warm


def test_unhashable_cell_in_a_set_with_a_registry():
    rows = rows_with_defects()[:20]
    rows[3] = {**rows[3], "full_name": ["Nguyễn", "An"], "_owner": "P-3"}
    registry = {r["id_number"]: "SOMEONE" for r in rows if isinstance(r["id_number"], str)}
    result = screen_rows(rows, TODAY, registry_ids=registry)
    assert [r.index for r in result.records] == list(range(20))
    assert result.records[3].facts["full_name"] is not None
    assert Rule.ID_DUPLICATE not in result.records[3].rules()


def test_title_case_is_idempotent_for_letters_whose_capital_is_two_letters():
    once = normalize_name("ß0")[0]
    assert once is not None
    assert normalize_name(once)[0] == once


def _columns(rows: list[dict], fields: tuple[str, ...]) -> dict[str, list]:
    return {f: [row.get(f) for row in rows] for f in fields}


def test_columns_screen_exactly_as_rows():
    rows = rows_with_defects()
    # Two rows with one number, and a registry holding numbers of this set under other owners.
    rows[7]["id_number"] = rows[8]["id_number"] = "052315000123"
    for i, row in enumerate(rows):
        row["_owner"] = f"P-{i}" if i % 3 else None
    registry = {r["id_number"]: f"P-{i + 1}" for i, r in enumerate(rows[:200]) if r["id_number"]}
    by_rows = screen_rows(rows, TODAY, registry_ids=registry)
    by_columns = screen_columns(_columns(rows, (*FIELDS, "_owner")), TODAY, registry_ids=registry)
    assert by_columns == by_rows
    assert any(Rule.ID_DUPLICATE in r.rules() for r in by_rows.records)
    assert any(Rule.DUPLICATE_PERSON in r.rules() for r in by_rows.records)


def test_a_field_without_a_column_is_missing_in_every_row():
    rows = rows_with_defects()[:50]
    fields = tuple(f for f in FIELDS if f != "ethnicity")
    without = [{f: row.get(f) for f in fields} for row in rows]
    assert screen_columns(_columns(rows, fields), TODAY) == screen_rows(without, TODAY)


def test_columns_with_an_unhashable_cell_fall_back_to_rows():
    rows = rows_with_defects()[:20]
    rows[3] = {**rows[3], "full_name": ["Nguyễn", "An"]}
    result = screen_columns(_columns(rows, FIELDS), TODAY)
    assert result == screen_rows(rows, TODAY)
    assert result.records[3].facts["full_name"] is not None


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="one value per row"):
        screen_columns({"full_name": ["Lê An"], "dob": []}, TODAY)
    assert screen_columns({}, TODAY).records == []
