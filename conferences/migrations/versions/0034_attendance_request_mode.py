"""attendance request mode: a check-in waiting on a coordinator's mark keeps how it was made

A remote check-in after an absent mark used to lose its remote flag when the coordinator
accepted it; the waiting check-in's mode (room or remote) is now kept beside request_mark.

Revision ID: 0034
Revises: 0033
Create Date: 2026-11-27 14:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column is added in place (no table copy) on both backends.
    op.add_column('attendance', sa.Column('request_mode', sa.String(length=10), nullable=True))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE attendance DROP COLUMN request_mode')
    else:
        op.drop_column('attendance', 'request_mode')
