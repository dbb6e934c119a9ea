"""The dashboard's kept counts (issue 14): columns (4) and (6) per commune, counted again for a
commune whose records changed, or when they are too old; always equal to a fresh count."""

from treem_app.domain.software_sync import PENDING, SYNCED
from treem_app.extensions import db
from treem_app.services import progress_board
from treem_app.services.progress_board import LiveCache
from treem_app.services.reports import live_figures


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_counts_again_only_what_changed(make, monkeypatch):
    p = make.unit("Tỉnh Thử", level="province")
    a = make.unit("Xã A", parent=p)
    b = make.unit("Xã B", parent=p)
    empty = make.unit("Xã Trống", parent=p)  # no records: (0, 0)
    one = make.person(a, software_facts="{}", sync_state=SYNCED, status="clean")
    make.person(a, software_facts="{}", sync_state=PENDING, status="in_review")
    make.person(b, software_facts="{}", sync_state=SYNCED, status="clean")
    db.session.commit()
    ids = [a.id, b.id, empty.id]
    counted: list[list[int]] = []

    def counting(session, unit_ids):
        counted.append(sorted(unit_ids))
        return live_figures(session, unit_ids)

    monkeypatch.setattr(progress_board, "live_figures", counting)
    clock = Clock()
    cache = LiveCache(120, clock=clock)
    first = cache.figures(db.session, ids)
    assert first == live_figures(db.session, ids)
    assert (first[a.id], first[b.id], first[empty.id]) == ((2, 1), (1, 1), (0, 0))
    assert counted == [sorted(ids)]

    assert cache.figures(db.session, ids) == first  # nothing changed: nothing counted
    assert len(counted) == 1

    one.status = "duplicate"  # an ORM change bumps persons.updated_at
    db.session.commit()
    after = cache.figures(db.session, ids)
    assert counted[-1] == [a.id]  # only the commune that changed
    assert after == live_figures(db.session, ids) and after[a.id] == (1, 0)

    clock.now += 121  # too old: everything is counted again
    cache.figures(db.session, ids)
    assert counted[-1] == sorted(ids)
