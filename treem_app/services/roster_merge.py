"""Step 1, merge: match screened rows to the unit's persons, plan and write the changes.

Merging a newer export (SPEC section 5): each row is matched to a person of the unit by national
key, then ID number, then name + date of birth + a parent. A matched person takes the export's
value for a field unless that field was corrected in treem (its latest event came from a source
other than the export or the automatic normalisation); then the correction is kept and a
:class:`Conflict` ("value") records the export's value for an officer's decision. A person who
came with an earlier export and is missing from this one gets a Conflict ("absent"): flagged,
never deleted.

History of a new person: one "person" event ("created from the export", with the file and its
Excel row) plus one event per automatic fix (the raw value kept as the old value) and one per
value the export had but screening could not read, rather than one event per fact: a 50,000-row
export then writes about 55,000 history rows instead of 500,000. The initial facts are the
person's row as created (and the stored file, row by row); every later change records its old
value, so the history stays complete.
"""

from __future__ import annotations

from operator import itemgetter
from types import SimpleNamespace

from sqlalchemy import select

from ..domain import software_sync as sync
from ..domain.beneficiaries import BENEFICIARY, BENEFICIARY_FIELDS, beneficiary_weak_keys
from ..domain.findings import Rule, finding
from ..domain.formatting import vn_number
from ..domain.matching import first_unclaimed, reimport_weak_keys, strong_merge_keys
from ..domain.vocabulary import EXPORT_SOURCES, INACTIVE_STATUSES
from ..models import Conflict, Finding, Person, PersonEvent
from ..models._common import utcnow
from ..models.person import FACT_FIELDS
from .beneficiaries import child_links, relink
from .bulk_sql import (
    EVENT_INSERT,
    FINDING_INSERT,
    PERSON_INSERT,
    allocate_ids,
    bulk_insert,
    bulk_load,
    creation_events,
    db_datetime,
    rows_where_in,
)
from .findings import (
    MANAGED_SEVERITIES,
    dismissed_in_unit,
    kept_findings,
    rescreen,
    sync_findings,
)
from .persons import (
    PERSON_COLUMNS,
    fact_text,
    open_rank_of,
    released_numbers,
    set_fact,
    sync_texts,
    workflow_status,
)
from .roster_sync import show_cell, software_texts, sync_software
from .roster_upload import ImportError_

# Facts whose unreadable export value screening reports (and stores as empty).
READ_CHECKED = ("dob", "sex", "ethnicity")
CHUNK = 900  # ids per IN (...) query: under SQLite's host-parameter limit


# What matching and planning read of the unit's persons: plain rows, not ORM objects (a weekly
# re-import matches every person of the commune; only those that change are loaded as objects).
_STORED = (
    Person.id,
    Person.status,
    Person.id_source,
    Person.open_rank,
    Person.version,
    Person.software_facts,
    Person.sync_state,
    Person.entered_digest,
    Person.sync_missed,
    Person.police_answer,
    Person.linked_person_id,
    *(getattr(Person, c) for c in PERSON_COLUMNS + BENEFICIARY_FIELDS),
)


class RosterMerge:
    """Matching screened rows to the unit's persons, planning and writing the changes."""

    def __init__(self, session, run, user, screening_date, apply):
        self.session = session
        self.run = run
        self.unit_id = run.unit_id
        self.user = user
        self.apply = apply
        self.screening_date = screening_date
        self.created = self.updated = self.unchanged = self.conflicts = 0
        self.disappeared = self.reappeared = 0
        self.software = {"confirmed": 0, "not_taken": 0, "changed": 0}
        self.matched: list = []  # per record: the stored person's row, or None (a new person)
        self.new_ids: list[int] = []  # of the new persons, in row order (once persisted)
        self.read_versions: dict[int, int] = {}
        self.other_holders: set[int] = set()  # persons outside the file holding its ID numbers
        self.persons: list = []
        # A beneficiary's own facts are compared too; matching stays within the file's kind.
        self.kind = run.person_kind
        self.fields = FACT_FIELDS + (BENEFICIARY_FIELDS if self.kind == BENEFICIARY else ())
        self.links: list[int | None] = []  # per record: the same person's child record

    # -- matching

    def match(self, records) -> None:
        """Match by national key, then ID number, then name + date of birth + a parent.

        The weak keys (which need the parents' search keys) are indexed only when a record is
        not found by its strong keys.
        """
        persons = self.session.execute(
            select(*_STORED)
            .where(Person.unit_id == self.unit_id, Person.kind == self.kind)
            .order_by(Person.id)
        ).all()
        self.persons = persons
        strong: dict[tuple, list] = {}
        for p in persons:
            for key in strong_merge_keys(p._mapping):
                strong.setdefault(key, []).append(p)
        weak: dict[tuple, list] | None = None
        weak_keys = beneficiary_weak_keys if self.kind == BENEFICIARY else reimport_weak_keys
        claimed: set[int] = set()
        matched: list = []
        for record in records:
            hit = None
            if persons:
                hit = first_unclaimed(strong, strong_merge_keys(record.facts), claimed)
                if hit is None:
                    if weak is None:
                        weak = {}
                        for p in persons:
                            for key in weak_keys(p._mapping):
                                weak.setdefault(key, []).append(p)
                    hit = first_unclaimed(weak, weak_keys(record.facts), claimed)
            if hit is not None:
                claimed.add(hit.id)
            matched.append(hit)
        self.matched = matched
        # The version each matched person had when read: the plan is made from these rows.
        self.read_versions = {p.id: p.version for p in matched if p is not None}
        if self.kind == BENEFICIARY:
            self.links = child_links(self.session, self.unit_id, [r.facts for r in records])

    def flag_registry_duplicates(self, records) -> None:
        """ID_DUPLICATE against persons who are not the row's own person (SPEC section 4)."""
        ids = sorted(
            {
                r.facts["id_number"]
                for r in records
                if isinstance(r.facts.get("id_number"), str) and len(r.facts["id_number"]) == 12
            }
        )
        holders: dict[str, set[int]] = {}
        same: dict[int, int] = {}  # a linked beneficiary -> its child record (one person)
        for pid, number, linked in rows_where_in(
            self.session.connection(),
            "SELECT id, id_number, linked_person_id FROM persons "
            "WHERE status NOT IN ({}) AND id_number IN ({})",
            INACTIVE_STATUSES,
            ids,
        ):
            holders.setdefault(number, set()).add(pid)
            if linked is not None:
                same[pid] = linked
        if not holders:
            return
        own = {p.id for p in self.matched if p is not None}
        links = self.links or [None] * len(records)
        for record, person, link in zip(records, self.matched, links, strict=True):
            number = record.facts.get("id_number")
            others = holders.get(number) if isinstance(number, str) else None
            if not others:
                continue
            me = {person.id, person.linked_person_id} if person is not None else set()
            me = {x for x in (*me, link) if x is not None}  # the row's person, both records
            others = {o for o in others - own - me if same.get(o) not in me}
            # The other side of the pair gains the finding too, once this import is written.
            self.other_holders |= others
            if others and not any(str(f.rule) == "ID_DUPLICATE" for f in record.findings):
                record.findings.append(
                    finding(
                        Rule.ID_DUPLICATE,
                        "id_number",
                        "Số định danh đã có trên một người khác trong sổ theo dõi.",
                    )
                )

    # -- planning updates of matched persons

    def plan_updates(self, records, columns, rows) -> None:
        # Facts that differ from the row, per matched person (most rows of a weekly re-import
        # differ in nothing, and need neither their history nor an update).
        differing: list[tuple[int, object, list[str]]] = []
        for n, (record, person) in enumerate(zip(records, self.matched, strict=True)):
            if person is None:
                continue
            facts = record.facts
            fields = [
                f
                for f in self.fields
                if facts.get(f) != getattr(person, f)
                or (f == "dob" and facts.get("dob_precision") != person.dob_precision)
            ]
            differing.append((n, person, fields))
        # The latest source of each differing fact: corrected in treem, or from an export.
        latest: dict[tuple[int, str], str] = {}
        ids = [person.id for _n, person, fields in differing if fields]
        for i in range(0, len(ids), CHUNK):
            for pid, fld, source in self.session.execute(
                select(PersonEvent.person_id, PersonEvent.field, PersonEvent.source)
                .where(PersonEvent.person_id.in_(ids[i : i + CHUNK]))
                .order_by(PersonEvent.id)
            ):
                latest[(pid, fld)] = source
        open_conflicts: dict[tuple[int, str], Conflict] = {}
        if differing or self.persons:
            for c in self.session.scalars(
                select(Conflict).where(Conflict.unit_id == self.unit_id, Conflict.status == "open")
            ):
                open_conflicts[(c.person_id, c.field if c.kind == "value" else "#absent")] = c
        self.latest = latest
        self.open_conflicts = open_conflicts
        self.changes: list[tuple[object, list, list, int, int, bool]] = []
        for n, person, fields in differing:
            excel_row = rows[n][0]
            facts = records[n].facts
            changed: list[tuple[str, object, object]] = []
            disputes: list[tuple[str, str | None, str | None]] = []
            waiting = False  # a correction kept while the software still shows the old value
            before = sync.load(person.software_facts)
            after = software_texts(records[n], columns.get, n) if before is not None else None
            for f in fields:
                new = facts.get(f)
                old = getattr(person, f)
                unreadable = new is None and f in READ_CHECKED and _raw(columns, f, n) != ""
                if new is None and f == "national_key":
                    continue  # an export without the key column never erases a known key
                corrected = latest.get((person.id, f), "export") not in EXPORT_SOURCES
                if (
                    corrected
                    and after is not None
                    and f in after
                    and sync.canonical(after[f]) == sync.canonical(before.get(f))
                ):
                    # The software still says what it said: treem's correction waits on the
                    # change list (step 4) to be typed in; nothing for the officer to decide.
                    waiting = True
                    continue
                if unreadable:
                    if old is not None:
                        disputes.append((f, str(_raw(columns, f, n)), fact_text(person, f)))
                    continue
                if corrected:
                    disputes.append((f, fact_text(facts, f), fact_text(person, f)))
                    continue
                changed.append((f, old, new))
            self.changes.append((person, changed, disputes, excel_row, n, waiting))
            if changed:
                self.updated += 1
            else:
                self.unchanged += 1
            self.conflicts += len(disputes)
        self.created = sum(1 for p in self.matched if p is None)
        # Who disappeared (only a real import decides; a dry run just counts).
        seen = {p.id for p in self.matched if p is not None}
        from_export = set()
        ids = [p.id for p in self.persons if p.id not in seen and p.status not in INACTIVE_STATUSES]
        for i in range(0, len(ids), CHUNK):
            from_export.update(
                self.session.scalars(
                    select(PersonEvent.person_id)
                    .where(
                        PersonEvent.person_id.in_(ids[i : i + CHUNK]),
                        PersonEvent.source == "export",
                    )
                    .distinct()
                )
            )
        self.absent = [p for p in self.persons if p.id in from_export]
        self.disappeared = len(self.absent)
        self.reappeared = sum(1 for pid in seen if (pid, "#absent") in open_conflicts)

    # -- writing

    def persist(self, records, columns, rows, report, total) -> None:
        session = self.session
        now = utcnow()
        user_id = self.user.id if self.user else None
        run = self.run
        note = f"Nhập từ tệp «{run.original_name}» (lần nhập #{run.id})"
        # Write the run row first: on SQLite this takes the write lock that allocate_ids needs.
        run.applied_at = now
        session.flush()
        # Matched persons: apply changes, record events and conflicts. Only the persons with
        # a change or a dispute are loaded as objects (their version is checked and bumped).
        touched = [c[0].id for c in self.changes if c[1] or c[2]]
        objects = self._load(touched)
        changed_persons: list[Person] = []
        events: list = []
        direct: list[tuple[object, list]] = []
        standing: list[int] = []
        for row, changed, disputes, excel_row, n, waiting in self.changes:
            absent = self.open_conflicts.get((row.id, "#absent"))
            if absent is not None:  # back in the export
                absent.status = "resolved"
                absent.decision = "reappeared"
                absent.resolved_at = now
            if not (changed or disputes):
                if row.police_answer or row.sync_missed or waiting:
                    # Findings the row alone does not give (the police's answer, a missed
                    # update), or facts that are not the row's (a correction kept): re-screened.
                    standing.append(row.id)
                else:
                    direct.append((row, records[n].findings))
                continue
            person = objects[row.id]
            for f, _old, _new in changed:
                events.append(
                    set_fact(
                        session,
                        person,
                        f,
                        records[n].facts,
                        source="export",
                        user_id=user_id,
                        at=now,
                        note=f"{note}, dòng {excel_row}",
                    )
                )
            for f, export_value, current in disputes:
                key = (person.id, f)
                existing = self.open_conflicts.get(key)
                if existing is not None and existing.export_value == export_value:
                    continue
                if existing is not None:  # the export now says something else again
                    existing.status = "resolved"
                    existing.decision = "superseded"
                    existing.resolved_at = now
                session.add(
                    Conflict(
                        unit_id=self.unit_id,
                        person_id=person.id,
                        import_run_id=run.id,
                        kind="value",
                        field=f,
                        export_value=export_value,
                        current_value=current,
                        row=excel_row,
                    )
                )
            changed_persons.append(person)
        for person in self.absent:
            if (person.id, "#absent") in self.open_conflicts:
                continue
            session.add(
                Conflict(
                    unit_id=self.unit_id,
                    person_id=person.id,
                    import_run_id=run.id,
                    kind="absent",
                    field="person",
                    current_value=person.full_name,
                )
            )
        session.flush()
        # Matched persons whose facts are the row's take the row's findings (less the pairs an
        # officer dismissed); only those whose open findings, rank or status would change are
        # loaded and written.
        dismissed = dismissed_in_unit(session, self.unit_id)
        matched = self.matched

        def row_person(i: int) -> int | None:
            return matched[i].id if matched[i] is not None else None

        direct = [
            (row, kept_findings(row.id, found, row_person, dismissed)) for row, found in direct
        ]
        stale = self._stale_findings(direct)
        stale_objects = self._load([row.id for row, _found in direct if row.id in stale])
        resync = [(stale_objects[row.id], found) for row, found in direct if row.id in stale]
        if resync:
            existing: dict[int, list[Finding]] = {p.id: [] for p, _ in resync}
            ids = list(existing)
            for i in range(0, len(ids), CHUNK):
                for f in session.scalars(
                    select(Finding).where(Finding.person_id.in_(ids[i : i + CHUNK]))
                ):
                    existing[f.person_id].append(f)
            for person, found in resync:
                open_now = sync_findings(session, person, found, existing[person.id])[2]
                status = workflow_status(person, open_now)
                if person.status != status:
                    person.status = status
        report(total // 2, total, "Đang lưu hồ sơ mới")
        self._insert_new(records, columns, rows, now, user_id, note)
        session.flush()
        # Persons whose facts in treem differ from the row (changed, or a correction kept): the
        # one re-screen, once the new persons are in, so a pair with a new child is seen from
        # both sides.
        changed_persons += self._load_others(standing)
        changed_persons += sync_software(self, records, columns, objects, now, note)
        if self.links:  # beneficiaries found in the children's registry since the last export
            changed_persons += relink(session, self.matched, self.links, user_id, now, note)
        if self.other_holders:
            changed_persons += self._load_others(sorted(self.other_holders))
        if changed_persons:
            rescreen(
                session,
                changed_persons,
                self.screening_date,
                released=released_numbers(events),
            )

    def person_ids(self) -> list[int]:
        """The person each row became (matched, or created by :meth:`persist`), by row."""
        new_ids = iter(self.new_ids)
        return [p.id if p is not None else next(new_ids) for p in self.matched]

    def _load(self, ids: list[int]) -> dict[int, Person]:
        """The persons with these ids as ORM objects, by id, as they were when matched.

        The plan was made from the rows read when matching; a person saved since (an officer's
        edit while the import ran) would be planned on old facts: the import stops instead,
        writing nothing, and can simply be run again.
        """
        out: dict[int, Person] = {}
        for i in range(0, len(ids), CHUNK):
            query = (
                select(Person)
                .where(Person.id.in_(ids[i : i + CHUNK]))
                .execution_options(populate_existing=True)  # as stored now, not as cached
            )
            for p in self.session.scalars(query):
                out[p.id] = p
        changed = [p for pid, p in out.items() if p.version != self.read_versions[pid]]
        if changed:
            names = ", ".join(p.full_name or f"#{p.id}" for p in changed[:3])
            raise ImportError_(
                f"Có {vn_number(len(changed))} hồ sơ vừa được sửa trong lúc nhập ({names}); "
                "chưa có gì thay đổi. Hãy chạy lại lần nhập này."
            )
        return out

    def _load_others(self, ids: list[int]) -> list[Person]:
        """Persons outside the file (their version is not checked: only findings change)."""
        out: list[Person] = []
        for i in range(0, len(ids), CHUNK):
            out.extend(
                self.session.scalars(select(Person).where(Person.id.in_(ids[i : i + CHUNK])))
            )
        return out

    def _stale_findings(self, direct: list[tuple[object, list]]) -> set[int]:
        """Ids of the persons (stored rows) whose open errors and warnings, queue rank or status
        differ from what their row's findings give; the others need no write at all."""
        current: dict[int, dict[tuple[str, str], tuple[str, str]]] = {}
        ids = [row.id for row, _found in direct]
        for i in range(0, len(ids), CHUNK):
            for pid, rule, fld, severity, message in self.session.execute(
                select(
                    Finding.person_id,
                    Finding.rule,
                    Finding.field,
                    Finding.severity,
                    Finding.message,
                ).where(
                    Finding.person_id.in_(ids[i : i + CHUNK]),
                    Finding.status == "open",
                    Finding.severity.in_(MANAGED_SEVERITIES),
                )
            ):
                current.setdefault(pid, {})[(rule, fld)] = (severity, message)
        stale: set[int] = set()
        for row, found in direct:
            wanted = {
                (str(f.rule), f.field): (str(f.severity), f.message)
                for f in found
                if str(f.severity) in MANAGED_SEVERITIES
            }
            if (
                wanted != current.get(row.id, {})
                or open_rank_of(found) != row.open_rank
                or workflow_status(row, found) != row.status
            ):
                stale.add(row.id)
        return stale

    def _insert_new(self, records, columns, rows, now, user_id, note) -> None:
        """Insert the new persons, their creation history and findings as plain rows.

        No ORM objects: one tuple per row, written with the driver's executemany inside the
        caller's transaction (ids reserved first, so events and findings can point at them).
        """
        new = [n for n, p in enumerate(self.matched) if p is None]
        if not new:
            return
        conn = self.session.connection()
        sqlite = conn.dialect.name == "sqlite"
        ids = allocate_ids(conn, "persons", len(new))
        self.new_ids = ids
        ts = db_datetime(now, sqlite)
        created = "Hồ sơ mới từ tệp xuất"
        unit_id = self.unit_id
        kind = self.kind
        links = self.links or [None] * len(records)
        person_rows = []
        event_rows = []
        finding_rows = []
        add_person = person_rows.append
        add_event = event_rows.append
        add_finding = finding_rows.append
        excel_rows: list[int] = []  # of each new person, for its "person" (creation) event
        for pid, n in zip(ids, new, strict=True):
            record = records[n]
            facts = record.facts
            try:
                values = _PERSON_FACTS(facts)
            except KeyError:  # a record without some fact
                values = tuple(map(facts.get, _PERSON_FACT_NAMES))
            (hamlet, full_name, name_key, dob, dob_precision, sex, ethnicity, id_number,
             father, mother, guardian, national_key) = values  # fmt: skip
            found = record.findings
            id_source = "export" if id_number else None
            if found:
                status = workflow_status(
                    SimpleNamespace(status="new", id_number=id_number, id_source=id_source), found
                )
            else:  # what workflow_status gives a new person without findings
                status = "clean" if id_number else "ready"
            rank = open_rank_of(found) if found else 2
            # As the software holds it: equal to treem's facts unless screening repaired one.
            shown = software_texts(record, columns.get, n)
            software = sync.dump(shown)
            sync_state = sync.state_of(shown, sync_texts(facts), None)
            if sqlite and dob is not None:
                dob = dob.isoformat()
            add_person(
                (
                    pid, kind, unit_id, hamlet, full_name, name_key, dob, dob_precision, sex,
                    ethnicity, id_number, id_source, father, mother, guardian, national_key,
                    status, rank, 1, ts, ts, software, sync_state,
                    *map(facts.get, BENEFICIARY_FIELDS), links[n],
                )
            )  # fmt: skip
            excel_row = rows[n][0]
            excel_rows.append(excel_row)
            for fix in record.fixes:
                shown = fact_text(facts, fix.field)
                add_event((pid, user_id, ts, fix.field, show_cell(fix.old), shown, "normalisation",
                           str(fix.rule)))  # fmt: skip
            # READ_CHECKED are the date of birth, the sex and the ethnicity.
            for f in READ_CHECKED if dob is None or sex is None or ethnicity is None else ():
                if facts.get(f) is None and (raw := _raw(columns, f, n)) != "":
                    add_event((pid, user_id, ts, f, None, None, "export",
                               f"Giá trị trên tệp không đọc được: «{show_cell(raw)}» "
                               f"(dòng {excel_row})"))  # fmt: skip
            for f in found:
                add_finding((pid, str(f.rule), f.field, str(f.severity), f.message, "open", ts))
        with bulk_load(conn):
            bulk_insert(conn, "persons", PERSON_INSERT, person_rows)
            # Creation events first (each person's fixes come after its creation, as before).
            creation_events(conn, ids, excel_rows, user_id, ts, created, f"{note}, dòng ")
            bulk_insert(conn, "person_events", EVENT_INSERT, event_rows)
            bulk_insert(conn, "findings", FINDING_INSERT, finding_rows)


_PERSON_FACT_NAMES = (
    "hamlet", "full_name", "name_key", "dob", "dob_precision", "sex", "ethnicity", "id_number",
    "father_name", "mother_name", "guardian_name", "national_key",
)  # fmt: skip
_PERSON_FACTS = itemgetter(*_PERSON_FACT_NAMES)


def _raw(columns: dict[str, list], field: str, n: int) -> object:
    """The cell of ``field`` on row ``n`` as read ("" when empty or not mapped)."""
    column = columns.get(field)
    value = column[n] if column is not None else ""
    return "" if value is None else value
