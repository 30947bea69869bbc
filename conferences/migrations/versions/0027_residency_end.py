"""residency end: track length in years, a graduation date per resident, alumni feed setting

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-27 11:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# Added and dropped in place: a batch copy of users or tracks would break the foreign keys
# that point at them (SQLite drops a column in place since 3.35).
COLUMNS = (
    ('tracks', sa.Column('years', sa.Integer(), server_default='3', nullable=False)),
    ('users', sa.Column('graduates_on', sa.Date(), nullable=True)),
    ('program_settings', sa.Column('alumni_feed', sa.String(length=10), server_default='past', nullable=False)),
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
