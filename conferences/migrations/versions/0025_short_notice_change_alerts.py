"""short-notice change alerts: a program setting and a per-person switch

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-27 10:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    # Added in place (no table copy: other tables refer to both), filled by the defaults.
    op.add_column(
        'program_settings',
        sa.Column('change_alert_hours', sa.Integer(), server_default='48', nullable=False),
    )
    op.add_column(
        'users',
        sa.Column('change_alerts', sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade():
    for table, column in (('users', 'change_alerts'), ('program_settings', 'change_alert_hours')):
        if op.get_bind().dialect.name == 'sqlite':
            # SQLite drops a column in place (3.35+); a batch copy of users would break the
            # foreign keys that point at it.
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        else:
            op.drop_column(table, column)
