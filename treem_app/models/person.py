from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, event, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.findings import FIELD_LABELS as DOMAIN_FIELD_LABELS
from ..domain.findings import FIELDS
from ..domain.vocabulary import EVENT_SOURCES, PERSON_KINDS, PERSON_STATUSES
from ..extensions import db
from ._common import utcnow
from .unit import Unit
from .user import User

# The facts an event may name: the screening domain's canonical fields.
FACT_FIELDS = FIELDS

FIELD_LABELS = {
    **DOMAIN_FIELD_LABELS,
    "national_key": "Mã trên phần mềm quốc gia",
    "hamlet": "Thôn/Tổ dân phố",
    "status": "Trạng thái",
    "linked_person": "Liên kết với hồ sơ trẻ em",
}


# A name search matches the start of one of the name's first NAME_WORD_STARTS words on
# PostgreSQL (services.queue_search; the indexes of migration 0031).
NAME_WORD_STARTS = 5


def name_from(word: int, table: str = "") -> str:
    """The SQL of the folded name from its `word`-th word on (NULL when it has fewer): the
    expression of the index ix_persons_unit_name_w<word>, spelt the same in the queries
    (`table` qualifies the column)."""
    column = f"{table}.name_key" if table else "name_key"
    return f"treem_name_from({column}, {word})"


def _name_word_indexes() -> list[Index]:
    return [
        Index(
            f"ix_persons_unit_name_w{word}",
            "unit_id",
            literal_column(name_from(word)).label(f"name_from_{word}"),
            postgresql_ops={f"name_from_{word}": "text_pattern_ops"},
            postgresql_where=text(f"{name_from(word)} IS NOT NULL"),
        ).ddl_if(dialect="postgresql")
        for word in range(2, NAME_WORD_STARTS + 1)
    ]


class Person(db.Model):
    """A child (or, later, a social-protection beneficiary) and their current facts."""

    __tablename__ = "persons"
    __table_args__ = (
        # The work queue: a page in order (errors first, then by name) read from the index
        # alone, status filtered on the way; the counts per hamlet.
        Index("ix_persons_unit_rank", "unit_id", "open_rank", "name_key", "id", "status"),
        Index("ix_persons_unit_hamlet", "unit_id", "status", "hamlet", "open_rank"),
        Index(
            "ix_persons_unit_name_key",
            "unit_id",
            "name_key",
            postgresql_ops={"name_key": "text_pattern_ops"},
        ),
        # Step 4's change list: a commune's records to type into the national software.
        Index("ix_persons_unit_sync", "unit_id", "sync_state", "hamlet", "national_key", "id"),
        # Reports (columns (4) and (6), services/software_sync.py): the records the software
        # holds, counted per commune from the index alone.
        Index(
            "ix_persons_unit_report",
            "unit_id",
            "kind",
            "status",
            "sync_state",
            postgresql_where=text("software_facts IS NOT NULL"),
            sqlite_where=text("software_facts IS NOT NULL"),
        ),
        # The dashboard's "no activity this week": whether a commune has a record changed since
        # Monday, one index probe per commune (services/progress_board.py).
        Index("ix_persons_unit_updated", "unit_id", "updated_at"),
        # A record's history: the records merged into it, one probe (a partial index: only
        # the merged records, services/audit.py).
        Index(
            "ix_persons_merged_into",
            "merged_into_id",
            postgresql_where=text("merged_into_id IS NOT NULL"),
            sqlite_where=text("merged_into_id IS NOT NULL"),
        ),
        # The work queue's name search, from the start of any word of the folded name: the
        # name's own range (text_pattern_ops: a LIKE prefix is a range under any collation)
        # and, on PostgreSQL, its tails from the 2nd to the 5th word (migration 0031, function
        # treem_name_from), each led by the unit: a province descends once per commune and
        # reads its matches. SQLite keeps its LIKE over the unit's names.
        *_name_word_indexes(),
        # The work queue's ID number search (the first digits): a range of the unit's numbers
        # (migration 0031; ix_persons_id_number, in the default operator class, serves the
        # lookups of a whole number but not a LIKE prefix under every collation).
        Index(
            "ix_persons_unit_id_number",
            "unit_id",
            "id_number",
            postgresql_ops={"id_number": "text_pattern_ops"},
        ),
        # The work queue filtered by kind (children / beneficiaries): its page from this index.
        Index(
            "ix_persons_unit_kind_rank", "unit_id", "kind", "open_rank", "name_key", "id", "status"
        ),  # fmt: skip
        # A province's queue filtered on a rule or a severity, and its later pages: the persons
        # walked in the queue's order from the open rank the page starts in, the unit, status
        # and hamlet checked from the index (PostgreSQL, migration 0028; services.work_queue).
        Index(
            "ix_persons_queue_order",
            "open_rank",
            "name_key",
            "id",
            postgresql_include=["unit_id", "status", "hamlet"],
        ).ddl_if(dialect="postgresql"),
        # A child record's linked beneficiary records (the record page), one probe.
        Index(
            "ix_persons_linked_person",
            "linked_person_id",
            postgresql_where=text("linked_person_id IS NOT NULL"),
            sqlite_where=text("linked_person_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="child")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    hamlet: Mapped[str | None] = mapped_column(String(120))
    full_name: Mapped[str | None] = mapped_column(String(200))
    name_key: Mapped[str | None] = mapped_column(String(200))
    dob: Mapped[date | None]
    dob_precision: Mapped[str | None] = mapped_column(String(8))
    sex: Mapped[str | None] = mapped_column(String(1))
    ethnicity: Mapped[str | None] = mapped_column(String(2))
    id_number: Mapped[str | None] = mapped_column(String(32), index=True)
    id_source: Mapped[str | None] = mapped_column(String(32))
    father_name: Mapped[str | None] = mapped_column(String(200))
    mother_name: Mapped[str | None] = mapped_column(String(200))
    guardian_name: Mapped[str | None] = mapped_column(String(200))
    national_key: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    # The open findings in one number, for the work queue's filters and order (errors first):
    # 0 an open error, 1 open warnings only, 2 neither (info findings never count). Every write
    # of findings keeps it in step (services.persons.open_rank_of).
    open_rank: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2")
    status_reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    # The police's last negative answer (mismatch / not_found, step 3) and a digest of the facts
    # they checked: it stands as a finding until those facts change (domain.police_returns).
    police_answer: Mapped[str | None] = mapped_column(String(16))
    police_note: Mapped[str | None] = mapped_column(Text)
    police_facts: Mapped[str | None] = mapped_column(String(32))
    # Step 4 (domain/software_sync.py): the facts as the national software showed them in the
    # last export (JSON; NULL: never in one), the record's state against them, the officer's
    # tick ("đã nhập vào phần mềm") and the fields a later export showed were not taken.
    software_facts: Mapped[str | None] = mapped_column(Text)
    sync_state: Mapped[str | None] = mapped_column(String(12))
    entered_digest: Mapped[str | None] = mapped_column(String(32))
    entered_at: Mapped[datetime | None]
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sync_missed: Mapped[str | None] = mapped_column(String(200))
    # A social-protection beneficiary's own facts (domain/beneficiaries.py; NULL for a child)
    # and the same person's child record when it is in the children's registry too.
    allowance_category: Mapped[str | None] = mapped_column(String(200))
    allowance_amount: Mapped[int | None]
    carer_name: Mapped[str | None] = mapped_column(String(200))
    current_residence: Mapped[str | None] = mapped_column(String(300))
    permanent_residence: Mapped[str | None] = mapped_column(String(300))
    linked_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", name="fk_persons_linked_person")
    )
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    merged_into: Mapped[Person | None] = relationship(
        remote_side=[id], foreign_keys=[merged_into_id]
    )
    linked_person: Mapped[Person | None] = relationship(
        remote_side=[id], foreign_keys=[linked_person_id]
    )
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    findings: Mapped[list[Finding]] = relationship(
        back_populates="person", order_by="Finding.id", passive_deletes=True
    )
    events: Mapped[list[PersonEvent]] = relationship(
        back_populates="person", order_by="PersonEvent.id", passive_deletes=True
    )

    # Optimistic locking: a save based on an old version fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return PERSON_STATUSES.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        return PERSON_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Person {self.id}>"


class PersonEvent(db.Model):
    """One change to a person: append-only history (who, when, field, old, new, source, note)."""

    __tablename__ = "person_events"
    __table_args__ = (
        # Reports' restatements: the records marked (e.g. duplicates) after a week was frozen.
        Index(
            "ix_person_events_status_marks",
            "new_value",
            "at",
            postgresql_where=text("field = 'status'"),
            sqlite_where=text("field = 'status'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    # Set when an officer approved a volunteer's proposal: `user` proposed, this one approved.
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person: Mapped[Person] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    @property
    def source_label(self) -> str:
        return EVENT_SOURCES.get(self.source, self.source)


@event.listens_for(PersonEvent, "before_update")
@event.listens_for(PersonEvent, "before_delete")
def _history_is_append_only(mapper, connection, target):
    raise PermissionError("person_events is append-only")


class Finding(db.Model):
    """A screening result on a person: a stable rule code (SPEC section 4), open or resolved."""

    __tablename__ = "findings"
    __table_args__ = (
        # Covers the work queue's probe of a person's open findings (rule, severity).
        Index("ix_findings_person_queue", "person_id", "status", "severity", "rule"),
        # The queue's rule filter: the persons with an open finding of a rule, read from the
        # index alone (a partial index of the open findings).
        Index(
            "ix_findings_open_rule",
            "rule",
            "person_id",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    rule: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="findings")
