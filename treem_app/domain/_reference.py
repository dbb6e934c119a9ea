"""Read the reference CSV files bundled in ``treem_app/reference/``.

This is the only I/O the domain package does (STYLE.md section 2).
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources


@functools.cache
def read_csv(name: str) -> tuple[dict[str, str], ...]:
    """Return the rows of a bundled reference CSV (UTF-8, header row) as read-only dicts."""
    text = resources.files("treem_app").joinpath("reference", name).read_text(encoding="utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))
