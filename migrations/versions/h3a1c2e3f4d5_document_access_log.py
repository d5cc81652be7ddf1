"""document access log (UU PDP): who opened which personal document

Revision ID: h3a1c2e3f4d5
Revises: h2c4a7e1b9d3
Create Date: 2026-11-29 19:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'h3a1c2e3f4d5'
down_revision = 'h2c4a7e1b9d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('application_file_id', sa.Integer(), nullable=True),
    sa.Column('stored_file_id', sa.Integer(), nullable=True),
    sa.Column('doc_key', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('document_access', schema=None) as batch_op:
        batch_op.create_index('ix_document_access_app_created', ['application_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_access_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('document_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_access_user_id'))
        batch_op.drop_index('ix_document_access_app_created')
    op.drop_table('document_access')
