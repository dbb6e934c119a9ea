"""software sync: step 4, what the national software holds against what treem holds

Adds to ``persons``: ``software_facts`` (the facts as the last imported export showed them, JSON),
``sync_state`` (pending / entered / synced), the officer's tick (``entered_digest``,
``entered_at``, ``entered_by_id``), ``sync_missed`` (fields a later export showed were not
taken) and an index for the change list. Then a data step: for each person who came with an
export, the software's facts are rebuilt from the history (today's facts with every later
correction undone back to the export's or the automatic fix's value); a person added in treem
has none. Each active person's state follows from them.

Revision ID: 0015_software_sync
Revises: 0014_new_child_proposals
Create Date: 2026-12-06 00:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from treem_app.domain.dates import format_date
from treem_app.domain.software_sync import SYNC_FIELDS, dump, state_of
from treem_app.domain.vocabulary import INACTIVE_STATUSES

# revision identifiers, used by Alembic.
revision = "0015_software_sync"
down_revision = "0014_new_child_proposals"
branch_labels = None
depends_on = None

CHUNK = 2000
FROM_SOFTWARE = ("export", "normalisation")


def upgrade():
    with op.batch_alter_table("persons") as batch:
        batch.add_column(sa.Column("software_facts", sa.Text(), nullable=True))
        batch.add_column(sa.Column("sync_state", sa.String(12), nullable=True))
        batch.add_column(sa.Column("entered_digest", sa.String(32), nullable=True))
        batch.add_column(sa.Column("entered_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column(
                "entered_by_id",
                sa.Integer(),
                sa.ForeignKey("users.id", name="fk_persons_entered_by"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("sync_missed", sa.String(200), nullable=True))
    op.create_index(
        "ix_persons_unit_sync",
        "persons",
        ["unit_id", "sync_state", "hamlet", "national_key", "id"],
    )
    fill(op.get_bind())


def _texts(row) -> dict:
    out = {}
    for f in SYNC_FIELDS:
        if f == "dob":
            value = row.dob
            if isinstance(value, str):  # SQLite hands dates back as text here
                from datetime import date

                value = date.fromisoformat(value[:10])
            out[f] = format_date(value, row.dob_precision or "day") if value else None
        else:
            value = getattr(row, f)
            out[f] = None if value in (None, "") else str(value)
    return out


def fill(conn):
    """The data step (a function of a connection, so a test can run it on stored records)."""
    last = 0
    columns = ", ".join(("id", "status", "dob_precision", *SYNC_FIELDS))
    while True:
        rows = conn.execute(
            sa.text(f"SELECT {columns} FROM persons WHERE id > :last ORDER BY id LIMIT {CHUNK}"),
            {"last": last},
        ).all()
        if not rows:
            return
        last = rows[-1].id
        ids = [r.id for r in rows]
        events: dict[int, list] = {}
        for e in conn.execute(
            sa.text(
                "SELECT person_id, field, old_value, new_value, source FROM person_events "
                "WHERE person_id IN :ids ORDER BY id"
            ).bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids},
        ):
            events.setdefault(e.person_id, []).append(e)
        updates = []
        for row in rows:
            mine = events.get(row.id, [])
            current = _texts(row)
            software = None
            if any(e.source == "export" for e in mine):
                software = dict(current)
                for f in SYNC_FIELDS:
                    # Undo the corrections made in treem, newest first, back to what the export
                    # (or the automatic fix of its raw value) said.
                    for e in reversed([e for e in mine if e.field == f]):
                        if e.source == "export":
                            software[f] = e.new_value
                            break
                        if e.source == "normalisation":
                            software[f] = e.old_value
                            break
                        software[f] = e.old_value
            state = None if row.status in INACTIVE_STATUSES else state_of(software, current, None)
            updates.append(
                {"id": row.id, "facts": dump(software) if software else None, "state": state}
            )
        conn.execute(
            sa.text("UPDATE persons SET software_facts = :facts, sync_state = :state WHERE id = :id"),
            updates,
        )


def downgrade():
    op.drop_index("ix_persons_unit_sync", table_name="persons")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("sync_missed")
        batch.drop_column("entered_by_id")
        batch.drop_column("entered_at")
        batch.drop_column("entered_digest")
        batch.drop_column("sync_state")
        batch.drop_column("software_facts")
