"""beneficiaries: social-protection beneficiaries as a second kind of person

Issue 17 (first half). A beneficiary's own facts on persons (allowance category and monthly
amount, carer's name, current and permanent residence), the link of a beneficiary to the same
person's child record (``linked_person_id``), the kind of the persons an import brings
(``import_runs.person_kind``), the kind of the persons a batch lists (one kind per batch,
``batches.person_kind``) and the remembered column mapping per unit AND kind. The work
queue filtered by kind reads its own index.

Revision ID: 0024_beneficiaries
Revises: 0023_search_trgm
Create Date: 2026-12-06 02:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0024_beneficiaries"
down_revision = "0023_search_trgm"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("allowance_category", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("allowance_amount", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("carer_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("current_residence", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("permanent_residence", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column(
                "linked_person_id",
                sa.Integer(),
                sa.ForeignKey("persons.id", name="fk_persons_linked_person"),
                nullable=True,
            )
        )
    op.create_index(
        "ix_persons_linked_person",
        "persons",
        ["linked_person_id"],
        postgresql_where=sa.text("linked_person_id IS NOT NULL"),
        sqlite_where=sa.text("linked_person_id IS NOT NULL"),
    )
    op.create_index(
        "ix_persons_unit_kind_rank",
        "persons",
        ["unit_id", "kind", "open_rank", "name_key", "id", "status"],
    )
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("person_kind", sa.String(length=16), nullable=False, server_default="child")
        )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("person_kind", sa.String(length=16), nullable=False, server_default="child")
        )
    with op.batch_alter_table("column_mappings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("person_kind", sa.String(length=16), nullable=False, server_default="child")
        )
        batch_op.drop_constraint("uq_column_mappings_unit_id", type_="unique")
        batch_op.create_unique_constraint(
            "uq_column_mappings_unit_kind", ["unit_id", "person_kind"]
        )


def downgrade():
    with op.batch_alter_table("column_mappings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_column_mappings_unit_kind", type_="unique")
        batch_op.create_unique_constraint("uq_column_mappings_unit_id", ["unit_id"])
        batch_op.drop_column("person_kind")
    with op.batch_alter_table("import_runs", schema=None) as batch_op:
        batch_op.drop_column("person_kind")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("person_kind")
    op.drop_index("ix_persons_unit_kind_rank", table_name="persons")
    op.drop_index("ix_persons_linked_person", table_name="persons")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        for column in (
            "linked_person_id",
            "permanent_residence",
            "current_residence",
            "carer_name",
            "allowance_amount",
            "allowance_category",
        ):
            batch_op.drop_column(column)
