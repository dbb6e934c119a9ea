"""campaigns: a unit's plan in phases (kind, first and last day) with its deadlines

Issue 17. ``campaigns`` (one per unit: the weekly handover and return weekdays, the weekly
report's weekday and hour, the monthly report's day) and ``campaign_phases``. A commune
without its own follows the nearest campaign above it.

Revision ID: 0025_campaigns
Revises: 0024_beneficiaries
Create Date: 2026-12-10 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_campaigns"
down_revision = "0024_beneficiaries"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("handover_weekday", sa.Integer(), nullable=False),
        sa.Column("return_weekday", sa.Integer(), nullable=False),
        sa.Column("report_weekday", sa.Integer(), nullable=False),
        sa.Column("report_hour", sa.Integer(), nullable=False),
        sa.Column("monthly_day", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_campaigns_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_campaigns_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_campaigns_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("unit_id", name=op.f("uq_campaigns_unit_id")),
    )
    op.create_table(
        "campaign_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_phases_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_phases")),
    )
    op.create_index("ix_campaign_phases_campaign", "campaign_phases", ["campaign_id", "starts_on"])


def downgrade():
    op.drop_index("ix_campaign_phases_campaign", table_name="campaign_phases")
    op.drop_table("campaign_phases")
    op.drop_table("campaigns")
