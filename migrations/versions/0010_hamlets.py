"""hamlets: each commune's list of hamlets (with the aliases of merged ones) and its merges

Adds ``hamlets`` (one row per hamlet of a commune, by matching key; a merged hamlet stays as an
alias of the one it was merged into) and ``hamlet_merges`` (the officer's merges: who, when,
what into what). Then a data step: every person's hamlet is written in its normal form
(``treem_app.domain.hamlets``: case, spacing, tone placement, "Th."/"TDP" expanded), the
spellings of one hamlet in a commune become the one most of its persons carry, each change is
a history event ("Chuẩn hóa tự động"), the commune's list is filled, and the hamlets assigned to
volunteers are written the same way. Downgrading drops the tables; the persons' hamlets keep
their normal form (the history holds what they were).

Revision ID: 0010_hamlets
Revises: 0009_police_returns
Create Date: 2026-11-23 10:00:00.000000

"""

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from treem_app.domain.hamlets import hamlet_key, normalize_hamlet

# revision identifiers, used by Alembic.
revision = "0010_hamlets"
down_revision = "0009_police_returns"
branch_labels = None
depends_on = None

NOTE = "Chuẩn hóa tên thôn, tổ dân phố"


def upgrade():
    op.create_table(
        "hamlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"], ["hamlets.id"], name=op.f("fk_hamlets_merged_into_id_hamlets")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_hamlets_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hamlets")),
        sa.UniqueConstraint("unit_id", "key", name=op.f("uq_hamlets_unit_id")),
    )
    op.create_table(
        "hamlet_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("into_id", sa.Integer(), nullable=False),
        sa.Column("merged_names_json", sa.Text(), nullable=False),
        sa.Column("into_name", sa.String(length=120), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("volunteers", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["into_id"], ["hamlets.id"], name=op.f("fk_hamlet_merges_into_id_hamlets")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_hamlet_merges_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_hamlet_merges_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hamlet_merges")),
    )
    with op.batch_alter_table("hamlet_merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hamlet_merges_unit_id"), ["unit_id"], unique=False)
    normalise_existing(op.get_bind())


def normalise_existing(conn) -> None:
    """Persons' and volunteers' hamlets in their normal form; each commune's list filled."""
    now = datetime.now(UTC).replace(tzinfo=None)
    counts: dict[tuple[int, str], Counter] = {}
    spellings = conn.execute(
        sa.text(
            "SELECT unit_id, hamlet, count(*) FROM persons WHERE hamlet IS NOT NULL "
            "GROUP BY unit_id, hamlet"
        )
    ).all()
    for unit_id, raw, n in spellings:
        name = normalize_hamlet(raw)
        if name is not None:
            counts.setdefault((unit_id, hamlet_key(name)), Counter())[name] += n
    # The written form of each hamlet: the one most of its persons carry (then the first).
    chosen = {
        group: min(names.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        for group, names in counts.items()
    }
    for unit_id, raw, _n in spellings:
        name = normalize_hamlet(raw)
        new = chosen[(unit_id, hamlet_key(name))] if name is not None else None
        if new == raw:
            continue
        params = {"unit_id": unit_id, "old": raw, "new": new, "at": now, "note": NOTE}
        conn.execute(
            sa.text(
                "INSERT INTO person_events "
                "(person_id, user_id, at, field, old_value, new_value, source, note) "
                "SELECT id, NULL, :at, 'hamlet', hamlet, :new, 'normalisation', :note "
                "FROM persons WHERE unit_id = :unit_id AND hamlet = :old ORDER BY id"
            ),
            params,
        )
        conn.execute(
            sa.text(
                "UPDATE persons SET hamlet = :new, version = version + 1, updated_at = :at "
                "WHERE unit_id = :unit_id AND hamlet = :old"
            ),
            params,
        )
    assigned = conn.execute(
        sa.text(
            "SELECT v.id, v.user_id, v.hamlet, u.unit_id FROM volunteer_hamlets v "
            "JOIN users u ON u.id = v.user_id ORDER BY v.id"
        )
    ).all()
    kept: set[tuple[int, str]] = set()
    for row_id, user_id, raw, unit_id in assigned:
        name = normalize_hamlet(raw)
        if name is None:
            conn.execute(sa.text("DELETE FROM volunteer_hamlets WHERE id = :id"), {"id": row_id})
            continue
        new = chosen.setdefault((unit_id, hamlet_key(name)), name)
        if (user_id, new) in kept:
            conn.execute(sa.text("DELETE FROM volunteer_hamlets WHERE id = :id"), {"id": row_id})
            continue
        kept.add((user_id, new))
        if new != raw:
            conn.execute(
                sa.text("UPDATE volunteer_hamlets SET hamlet = :new WHERE id = :id"),
                {"new": new, "id": row_id},
            )
    for (unit_id, key), name in sorted(chosen.items()):
        conn.execute(
            sa.text(
                "INSERT INTO hamlets (unit_id, name, key, merged_into_id, created_at) "
                "VALUES (:unit_id, :name, :key, NULL, :at)"
            ),
            {"unit_id": unit_id, "name": name, "key": key, "at": now},
        )


def downgrade():
    with op.batch_alter_table("hamlet_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hamlet_merges_unit_id"))
    op.drop_table("hamlet_merges")
    op.drop_table("hamlets")
