"""public program setting: /program is off unless a program turns it on

Revision ID: 0033
Revises: 0032
Create Date: 2026-11-27 11:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    # Added in place (no table copy), off for every existing program.
    op.add_column(
        'program_settings',
        sa.Column('public_program', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE program_settings DROP COLUMN public_program')
    else:
        op.drop_column('program_settings', 'public_program')
