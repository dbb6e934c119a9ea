"""Synthetic rows: deterministic, shaped like an export, with screenable defects."""

from __future__ import annotations

import datetime as dt

from treem_app.domain.findings import FIELDS, Severity
from treem_app.domain.screening import screen_rows
from treem_app.synthetic import generate_children

TODAY = dt.date(2026, 6, 18)


def make(n: int, **kw: object) -> list[dict]:
    options = {
        "commune_code": "21550",
        "province_id_code": "052",
        "hamlets": ["Thôn 1", "Thôn 2"],
        "seed": 3,
        "screening_date": TODAY,
    }
    options.update(kw)
    return generate_children(n, **options)  # type: ignore[arg-type]


def test_deterministic_by_seed():
    assert make(300) == make(300)
    assert make(300) != make(300, seed=4)


def test_rows_use_the_canonical_fields():
    for row in make(50):
        assert set(row) == set(FIELDS)
        assert str(row["national_key"]).startswith("TE")


def test_clean_rows_screen_without_errors():
    result = screen_rows(make(3000, defect_rate=0.0), TODAY)
    errors = [
        (r.index, f.rule)
        for r in result.records
        for f in r.findings
        if f.severity is Severity.ERROR
    ]
    assert errors == []
    ages = [(TODAY - r.facts["dob"]).days / 365.25 for r in result.records]
    assert 0 <= min(ages) and max(ages) < 16


def test_defects_cover_every_rule_family():
    by_rule = screen_rows(make(6000, defect_rate=0.5), TODAY).by_rule()
    for rule in (
        "ID_MISSING",
        "ID_FORMAT",
        "ID_LEADING_ZERO_RESTORED",
        "ID_SEX_MISMATCH",
        "ID_YEAR_MISMATCH",
        "ID_DUPLICATE",
        "NAME_NORMALIZED",
        "DOB_MISSING",
        "DOB_INVALID",
        "DOB_PARTIAL",
        "AGE_OUT_OF_SCOPE",
        "SEX_MISSING",
        "ETHNICITY_UNKNOWN",
        "GUARDIAN_MISSING",
        "DUPLICATE_PERSON",
    ):
        assert by_rule.get(rule, 0) > 0, rule


def test_defect_rate_is_roughly_respected():
    rows = make(4000, defect_rate=0.25)
    result = screen_rows(rows, TODAY)
    flagged = sum(1 for r in result.records if r.findings)
    assert 0.15 < flagged / len(rows) < 0.40
