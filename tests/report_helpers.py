"""Report figures in bulk for tests (synthetic records, no names): `give_figures` adds records
the software holds, some of them clean and synced, in the states step 4 leaves them in. For a
few records, go through the real paths instead (an import, corrections: test_reports.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from treem_app.domain.software_sync import PENDING, SYNCED
from treem_app.extensions import db
from treem_app.models import Person
from treem_app.models._common import utcnow


def give_figures(
    unit, in_software: int, cleaned: int, not_in_software: int = 0, kind: str = "child"
) -> None:
    """`in_software` records held by the software, `cleaned` of them clean and synced, and
    `not_in_software` children added in treem (pending, in neither column); `kind`:
    beneficiaries instead (adults born in 1950)."""
    now = utcnow()
    rows = []
    for i in range(in_software + not_in_software):
        held = i < in_software
        clean = i < cleaned
        rows.append(
            {
                "kind": kind,
                "unit_id": unit.id,
                "full_name": f"Trẻ Thử {i}" if kind == "child" else f"Người Thử {i}",
                "name_key": f"tre thu {i}" if kind == "child" else f"nguoi thu {i}",
                "dob": date(2015, 1, 1) if kind == "child" else date(1950, 1, 1),
                "dob_precision": "day",
                "status": "clean" if clean else "in_review",
                "open_rank": 2,
                "software_facts": "{}" if held else None,
                "sync_state": SYNCED if clean else PENDING,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    if rows:
        db.session.execute(insert(Person), rows)
    db.session.commit()
