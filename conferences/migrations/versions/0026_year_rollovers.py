"""year rollovers: series carried into the next academic year, undoable

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-27 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
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
    op.create_index(op.f('ix_year_rollovers_to_year'), 'year_rollovers', ['to_year'], unique=False)
    # Added in place (no table copy: other tables refer to sessions).
    op.add_column('sessions', sa.Column('rollover_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_sessions_rollover_id'), 'sessions', ['rollover_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_sessions_rollover_id'), table_name='sessions')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite drops a column in place (3.35+); a batch copy of sessions would break the
        # foreign keys that point at it.
        op.execute('ALTER TABLE sessions DROP COLUMN rollover_id')
    else:
        op.drop_column('sessions', 'rollover_id')
    op.drop_index(op.f('ix_year_rollovers_to_year'), table_name='year_rollovers')
    op.drop_table('year_rollovers')
