"""hybrid attendance: how a resident took part, and the program's choices per year

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-27 11:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    # Added in place with a server default: every existing row was taken in the room.
    op.add_column(
        'attendance',
        sa.Column('mode', sa.String(length=10), server_default='room', nullable=False),
    )
    op.create_table('hybrid_year_rules',
    sa.Column('start_year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('remote_counts', sa.Boolean(), nullable=False),
    sa.Column('recording_counts', sa.Boolean(), nullable=False),
    sa.Column('recording_needs_approval', sa.Boolean(), nullable=False),
    sa.Column('recording_window_days', sa.Integer(), nullable=False),
    sa.CheckConstraint('recording_window_days BETWEEN 0 AND 730', name=op.f('ck_hybrid_year_rules_recording_window_range')),
    sa.PrimaryKeyConstraint('start_year', name=op.f('pk_hybrid_year_rules'))
    )


def downgrade():
    op.drop_table('hybrid_year_rules')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_column('mode')
