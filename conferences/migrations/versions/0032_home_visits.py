"""home visits: the baseline the resident home marks changes against

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-27 10:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('home_visits',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen', sa.JSON(), nullable=False),
    sa.Column('baseline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('baseline', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_home_visits_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_home_visits'))
    )


def downgrade():
    op.drop_table('home_visits')
