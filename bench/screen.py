"""Benchmark: screen 50,000 synthetic rows vs. reading the same rows from .xlsx with calamine.

Run with ``make bench`` or ``python bench/screen.py [ROWS]``. Untimed: generating the rows and
writing them to an .xlsx (openpyxl, in a temporary directory). Timed, best of three: reading the
workbook with python-calamine (``to_python()``: every cell as a Python value), and screening the
rows with every rule (ID_DUPLICATE against a registry too, DUPLICATE_PERSON) starting from cold
normalisation caches each time. The last line on stdout is one JSON object (SPEC section 7).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from treem_app.domain.findings import FIELDS
from treem_app.domain.screening import clear_caches, screen_rows
from treem_app.synthetic import generate_children

SCREENING_DATE = dt.date(2026, 6, 18)
HAMLETS = ["Thôn An Định", "Thôn Hòa Bình", "Thôn 1", "Thôn 2", "Tổ dân phố 3", "Làng Kon Klor"]
REPEAT = 3


def make_rows(n: int) -> tuple[list[dict], dict[str, object]]:
    """The rows to screen and a registry of ID numbers held by persons of another commune."""
    rows = generate_children(
        n,
        commune_code="21550",
        province_id_code="052",
        hamlets=HAMLETS,
        seed=20260618,
        screening_date=SCREENING_DATE,
    )
    others = generate_children(
        n,
        commune_code="21553",
        province_id_code="052",
        hamlets=HAMLETS,
        seed=7,
        screening_date=SCREENING_DATE,
        defect_rate=0.0,
    )
    registry: dict[str, object] = {str(r["id_number"]): r["national_key"] for r in others}
    for r in rows[::997]:  # a few numbers also held by someone else in the registry
        if isinstance(r["id_number"], str):
            registry[r["id_number"]] = "TE-OTHER"
    return rows, registry


def write_xlsx(rows: list[dict], path: Path) -> None:
    """Write the rows as an export-like sheet: a header row, then one row per child."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Danh sach")
    ws.append(list(FIELDS))
    for r in rows:
        ws.append([r.get(f) for f in FIELDS])
    wb.save(path)


def time_calamine(path: Path) -> float:
    """Best-of-three seconds to read every cell of the workbook with python-calamine."""
    best = float("inf")
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        data = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        best = min(best, time.perf_counter() - t0)
        assert len(data) > 1
        del data
    return best


def time_screening(rows: list[dict], registry: dict[str, object]) -> tuple[float, dict]:
    """Best-of-three seconds to screen the rows from cold caches, and the findings by rule."""
    screen_rows(rows[:200], SCREENING_DATE)  # load the reference tables once
    best = float("inf")
    by_rule: dict[str, int] = {}
    for _ in range(REPEAT):
        clear_caches()
        gc.collect()
        t0 = time.perf_counter()
        result = screen_rows(rows, SCREENING_DATE, registry_ids=registry)
        best = min(best, time.perf_counter() - t0)
        by_rule = result.by_rule()
        del result
    return best, by_rule


def main(argv: list[str]) -> int:
    """Run the benchmark and print the summary JSON as the last line."""
    n = int(argv[1]) if len(argv) > 1 else 50_000
    rows, registry = make_rows(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.xlsx"
        write_xlsx(rows, path)
        calamine_seconds = time_calamine(path)
    seconds, by_rule = time_screening(rows, registry)
    ratio = seconds / calamine_seconds
    print(f"rows: {n}")
    print(f"findings by rule: {json.dumps(by_rule)}")
    print(f"screening: {seconds:.3f} s ({n / seconds:,.0f} rows/s)")
    print(f"calamine read: {calamine_seconds:.3f} s ({n / calamine_seconds:,.0f} rows/s)")
    print(f"ratio screening/read: {ratio:.2f} (target < 1.0)")
    print(
        json.dumps(
            {
                "bench": "screen",
                "rows": n,
                "seconds": round(seconds, 4),
                "rows_per_s": round(n / seconds),
                "calamine_seconds": round(calamine_seconds, 4),
                "ratio": round(ratio, 3),
                "target": "ratio < 1.0",
                "ok": ratio < 1.0,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
