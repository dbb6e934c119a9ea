"""One place for scoping and for job records, read from the source (nothing is imported)."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "treem_app"

# What a subtree filter written by hand looks like: a unit path prefix, the subtree subquery,
# or a unit_id compared with a set of units.
HAND_SCOPING = re.compile(r"path\.startswith\(|subtree_ids\(|unit_id\.in_\(|unit_id not in ")


def test_no_view_filters_the_unit_subtree_by_hand():
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{n}: {line.strip()}"
        for path in sorted((PACKAGE / "web").rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if HAND_SCOPING.search(line)
    ]
    assert found == []


def test_no_service_reads_the_global_session_or_raises_http_errors():
    for path in sorted((PACKAGE / "services").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "db.session" not in text, path
        assert not re.search(r"^\s*(from|import) (flask|werkzeug)\b", text, re.M), path


def test_only_job_runs_record_creates_job_records():
    found = [
        str(path.relative_to(PACKAGE.parent))
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"(?<!class )\bJobRun\(", line)
    ]
    assert found == ["treem_app/services/job_runs.py"], found  # once, in record()
