"""Open conflicts made the real way: two exports, the second missing some children and
disagreeing with corrections made in treem (synthetic names, no real people)."""

from __future__ import annotations

from sqlalchemy import select

from treem_app.extensions import db
from treem_app.models import Conflict, Person
from treem_app.services import review
from treem_app.services.roster_import import run_import
from treem_app.services.roster_upload import store_upload

from .exports import DAY, HEADER, row, simple_xlsx

GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Mỹ", "Nhật", "Phúc"]
GIVEN += ["Quỳnh", "Sơn", "Tâm", "Uyên", "Vy", "Yến", "Ánh", "Đức", "Hưng", "Lan", "Minh"]
FAMILIES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ"]


def _import(app, unit, rows, name):
    run = store_upload(
        db.session,
        unit,
        None,
        name,
        simple_xlsx(HEADER, rows),
        files_dir=app.config["TREEM_FILES_DIR"],
        max_bytes=25 * 1024 * 1024,
        max_rows=1000,
    )
    run_import(db.session, run, screening_date=DAY, apply=True)
    db.session.commit()
    return run


def make_conflicts(app, unit, officer, *, absent: int, values: int, kept: int = 1):
    """Returns (absent persons, value persons, open conflicts): `absent` children gone from the
    second export, `values` children whose date of birth the officer corrected and the second
    export still gives the old way, `kept` children unchanged."""
    n = absent + values + kept
    names = [f"{FAMILIES[i % 6]} Văn {GIVEN[i % 22]} {GIVEN[(i // 22) % 22]}" for i in range(n)]
    rows = [row(i + 1, name, f"{1 + i % 28:02d}/03/2015") for i, name in enumerate(names)]
    _import(app, unit, rows, "lan-1.xlsx")
    persons = {p.full_name: p for p in db.session.scalars(select(Person))}
    gone = [persons[name] for name in names[:absent]]
    corrected = [persons[name] for name in names[absent : absent + values]]
    for p in corrected:
        review.update_fact(db.session, p, "dob", "15/04/2015", user=officer,
                           source="household_visit", note=None, expected_version=None,
                           today=DAY)  # fmt: skip
    db.session.commit()
    # The second export gives those dates a third way (neither the first export's nor the
    # officer's): the software changed them, a conflict to decide. (An export that still gives
    # the old date is no conflict: the correction waits on step 4's change list.)
    second = [
        row(i + 1, name, f"{1 + i % 28:02d}/06/2015") if absent <= i < absent + values else r
        for i, (name, r) in enumerate(zip(names, rows, strict=True))
    ]
    _import(app, unit, second[absent:], "lan-2.xlsx")
    conflicts = db.session.scalars(
        select(Conflict).where(Conflict.status == "open").order_by(Conflict.id)
    ).all()
    assert len(conflicts) == absent + values
    return gone, corrected, conflicts
