from datetime import date

from treem_app.extensions import db
from treem_app.models import JobRun
from treem_app.services import findings
from treem_app.services.dashboard import child_counts, unit_counts

TODAY = date(2026, 11, 22)


def test_counts_roll_up_along_the_tree(make):
    tree = make.tree()
    people = [
        make.person(tree["a"], id_number=None),  # ID_MISSING: an open error
        make.person(
            tree["a"],
            full_name="Lê Thị Hoa",
            name_key="le thi hoa",
            sex="F",
            id_number="052315000123",
            id_source="export",
        ),
        make.person(tree["b"], id_number=None, father_name=None),  # two open errors
        make.person(tree["c"], id_number=None),
        make.person(tree["a"], id_number=None, status="moved"),  # marked: not counted
    ]
    for p in people[:4]:
        findings.rescreen(db.session, [p], TODAY)
    db.session.add(JobRun(kind="rebuild_findings", unit=tree["b"], status="running"))
    db.session.commit()

    district = unit_counts(db.session, tree["district"])
    assert (district.persons, district.with_errors, district.open_findings) == (3, 2, 3)
    assert district.jobs_running == 1 and district.without_errors == 1

    rows = {c.unit.code: c for c in child_counts(db.session, tree["province"])}
    assert set(rows) == {"D01", "D02"}
    assert (rows["D01"].persons, rows["D01"].with_errors, rows["D01"].open_findings) == (3, 2, 3)
    assert (rows["D02"].persons, rows["D02"].with_errors, rows["D02"].jobs_running) == (1, 1, 0)
    communes = {c.unit.code: c for c in child_counts(db.session, tree["district"])}
    assert (communes["C0001"].persons, communes["C0001"].with_errors) == (2, 1)
    assert (communes["C0002"].open_findings, communes["C0002"].jobs_running) == (2, 1)
