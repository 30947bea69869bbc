"""rotation blocks in personal feeds: opt-in per subscription, block revision and stamp

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-27 11:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

# Added and dropped in place (SQLite drops a column in place since 3.35).
COLUMNS = (
    ('feed_subscriptions', sa.Column('include_blocks', sa.Boolean(), server_default=sa.false(), nullable=False)),
    ('rotation_assignments', sa.Column('revision', sa.Integer(), server_default='0', nullable=False)),
    ('rotation_assignments', sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True)),
)


def upgrade():
    for table, column in COLUMNS:
        op.add_column(table, column)


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table, column in reversed(COLUMNS):
        if sqlite:
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column.name}')
        else:
            op.drop_column(table, column.name)
