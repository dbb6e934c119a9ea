"""imports: uploaded exports, remembered column mappings, import conflicts

Revision ID: 0002_imports
Revises: 0001_initial
Create Date: 2026-11-22 09:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002_imports"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_path', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('macros_removed', sa.Boolean(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('sheet', sa.String(length=120), nullable=True),
    sa.Column('header_row', sa.Integer(), nullable=True),
    sa.Column('data_start', sa.Integer(), nullable=True),
    sa.Column('headers_json', sa.Text(), nullable=True),
    sa.Column('mapping_json', sa.Text(), nullable=True),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('summary_json', sa.Text(), nullable=True),
    sa.Column('annotated_path', sa.String(length=255), nullable=True),
    sa.Column('job_run_id', sa.Integer(), nullable=True),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['job_run_id'], ['job_runs.id'], name=op.f('fk_import_runs_job_run_id_job_runs')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_import_runs_unit_id_units')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_import_runs_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_runs_unit_id'), ['unit_id'], unique=False)

    op.create_table('column_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('headers_json', sa.Text(), nullable=False),
    sa.Column('mapping_json', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_column_mappings_unit_id_units')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_column_mappings_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_column_mappings')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_column_mappings_unit_id'))
    )

    op.create_table('import_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('import_run_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('export_value', sa.Text(), nullable=True),
    sa.Column('current_value', sa.Text(), nullable=True),
    sa.Column('row', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['import_run_id'], ['import_runs.id'], name=op.f('fk_import_conflicts_import_run_id_import_runs')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_import_conflicts_person_id_persons')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_import_conflicts_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_import_conflicts_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_conflicts'))
    )
    with op.batch_alter_table('import_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_conflicts_import_run_id'), ['import_run_id'], unique=False)
        batch_op.create_index('ix_import_conflicts_person_status', ['person_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_conflicts_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_conflicts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_conflicts_unit_id'))
        batch_op.drop_index('ix_import_conflicts_person_status')
        batch_op.drop_index(batch_op.f('ix_import_conflicts_import_run_id'))
    op.drop_table('import_conflicts')
    op.drop_table('column_mappings')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_runs_unit_id'))
    op.drop_table('import_runs')
