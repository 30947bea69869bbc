"""attendance check-in requests

A resident's check-in after a coordinator marked them absent or excused no longer replaces
the mark: it is kept on the mark's row as a request the coordinator accepts or dismisses.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-27 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_mark', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_column('requested_at')
        batch_op.drop_column('request_mark')
