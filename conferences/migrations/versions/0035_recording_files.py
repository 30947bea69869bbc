"""recording files: a recording kept by the app's storage

Revision ID: 0035
Revises: 0034
Create Date: 2026-11-27 14:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('session_recordings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('file_key', sa.String(length=200), nullable=True))
    op.create_table('recording_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_recording_files_session_id_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_recording_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recording_files')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_recording_files_storage_key'))
    )
    op.create_index('ix_recording_files_session', 'recording_files', ['session_id'], unique=False)


def downgrade():
    op.drop_index('ix_recording_files_session', table_name='recording_files')
    op.drop_table('recording_files')
    with op.batch_alter_table('session_recordings', schema=None) as batch_op:
        batch_op.drop_column('file_key')
