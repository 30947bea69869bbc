"""rotation blocks in personal feeds: opt-in per subscription, block revision and stamp

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-27 11:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feed_subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('include_blocks', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('rotation_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('rotation_assignments', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('revision')

    with op.batch_alter_table('feed_subscriptions', schema=None) as batch_op:
        batch_op.drop_column('include_blocks')
