"""year rollovers: series carried into the next academic year, undoable

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-27 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('year_rollovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_year', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('session_count', sa.Integer(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_year_rollovers_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_rollovers'))
    )
    with op.batch_alter_table('year_rollovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_year_rollovers_to_year'), ['to_year'], unique=False)

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rollover_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sessions_rollover_id'), ['rollover_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sessions_rollover_id_year_rollovers'), 'year_rollovers', ['rollover_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sessions_rollover_id_year_rollovers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sessions_rollover_id'))
        batch_op.drop_column('rollover_id')

    with op.batch_alter_table('year_rollovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_year_rollovers_to_year'))

    op.drop_table('year_rollovers')
