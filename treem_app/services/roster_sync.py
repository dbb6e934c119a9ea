"""Step 4 within an import: what each row shows the national software holds, and the records
ticked as typed into it reconciled with it (confirmed, not taken, or changed to a third value).
See :mod:`treem_app.domain.software_sync`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, select

from ..domain import software_sync as sync
from ..domain.vocabulary import INACTIVE_STATUSES
from ..models import Person, PersonEvent
from .persons import PERSON_COLUMNS, sync_texts

CHUNK = 900
# Facts whose unreadable export value screening reports (and stores as empty).
READ_CHECKED = ("dob", "sex", "ethnicity")


def _cell(column, n: int) -> object:
    value = column[n] if column is not None else ""
    return "" if value is None else value


def show_cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def software_texts(record, column_of, n: int) -> dict:
    """The facts as the national software holds them, from an export's row: treem's reading,
    except where screening repaired a value or could not read it (then the cell as written)."""
    texts = sync_texts(record.facts)
    for fix in record.fixes:
        if fix.field in texts:
            texts[fix.field] = show_cell(fix.old)
    for f in READ_CHECKED:
        if record.facts.get(f) is None and (raw := _cell(column_of(f), n)) != "":
            texts[f] = show_cell(raw)
    return texts


def sync_software(merge, records, columns, objects, now, note) -> list[Person]:
    """Step 4: what this export shows the software holds, for every matched person; the
    records ticked as entered are confirmed, found not taken, or changed to a third value.
    Returns the persons whose standing finding (SOFTWARE_NOT_UPDATED) opens or closes."""
    session = merge.session
    counts = merge.software
    user_id = merge.user.id if merge.user else None
    writes: list[dict] = []
    rescreen_ids: list[int] = []
    for n, row in enumerate(merge.matched):
        if row is None:
            continue
        person = objects.get(row.id)
        if row.status in INACTIVE_STATUSES:
            continue
        # What the record was before this import (a changed person's object already
        # carries its new facts; its state is decided here, against the new export).
        get = row._mapping.get
        current = sync_texts(
            {k: getattr(person, k) for k in PERSON_COLUMNS}
            if person is not None
            else dict(row._mapping)
        )
        after = software_texts(records[n], columns.get, n)
        before = sync.load(get("software_facts"))
        was = get("sync_state")
        digest = get("entered_digest")
        missed = get("sync_missed")
        state = sync.state_of(after, current, digest)
        event = None
        if was == sync.ENTERED:
            outcome = sync.reconcile(before, after, current)
            if state == sync.SYNCED:
                counts["confirmed"] += 1
                event = sync.CONFIRMED_TEXT
            else:
                state, digest = sync.PENDING, None
                not_taken = [f for f, o in outcome.items() if o == sync.NOT_TAKEN]
                if not_taken:
                    counts["not_taken"] += 1
                    missed = ",".join(not_taken)[:200]
                    event = sync.NOT_TAKEN_TEXT
                else:
                    counts["changed"] += 1
        elif state == sync.SYNCED and was == sync.PENDING and before is not None:
            counts["confirmed"] += 1  # typed in without a tick: the export shows it
            event = sync.CONFIRMED_TEXT
        if state == sync.SYNCED:
            missed, digest = None, None
        facts_text = sync.dump(after)
        values = {
            "software_facts": facts_text,
            "sync_state": state,
            "entered_digest": digest,
            "sync_missed": missed,
        }
        if person is None and all(get(k) == v for k, v in values.items()):
            continue  # most rows of a weekly re-import: nothing to write
        if (missed or None) != (get("sync_missed") or None):
            rescreen_ids.append(row.id)
        if digest is None and get("entered_digest") is not None:
            values.update(entered_at=None, entered_by_id=None)
        if person is not None:
            for k, v in values.items():
                setattr(person, k, v)
        else:
            writes.append({"pid": row.id, **{f"b_{k}": v for k, v in values.items()}})
        if event:
            session.add(
                PersonEvent(
                    person_id=row.id,
                    user_id=user_id,
                    at=now,
                    field=sync.SOFTWARE_FIELD,
                    old_value=sync.ENTERED_TEXT if was == sync.ENTERED else None,
                    new_value=event,
                    source="export",
                    note=note,
                )
            )
    table = Person.__table__
    for keys in {tuple(sorted(w)) for w in writes}:
        batch = [w for w in writes if tuple(sorted(w)) == keys]
        session.execute(
            table.update()
            .where(table.c.id == bindparam("pid"))
            .values({k[2:]: bindparam(k) for k in keys if k != "pid"}),
            batch,
        )
    loaded = [objects[i] for i in rescreen_ids if i in objects]
    ids = [i for i in rescreen_ids if i not in objects]
    for i in range(0, len(ids), CHUNK):  # as just written (some may be in the session)
        query = select(Person).where(Person.id.in_(ids[i : i + CHUNK]))
        loaded += session.scalars(query.execution_options(populate_existing=True))
    return loaded
