"""residency end: track length in years, a graduation date per resident, alumni feed setting

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-27 11:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tracks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('years', sa.Integer(), server_default='3', nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('graduates_on', sa.Date(), nullable=True))

    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alumni_feed', sa.String(length=10), server_default='past', nullable=False))


def downgrade():
    with op.batch_alter_table('program_settings', schema=None) as batch_op:
        batch_op.drop_column('alumni_feed')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('graduates_on')

    with op.batch_alter_table('tracks', schema=None) as batch_op:
        batch_op.drop_column('years')
