"""participant groups per agency and the customers of equipment providers

Revision ID: metro01a2b3c4
Revises: perf01a2b3c4d
Create Date: 2026-11-29 22:20:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'metro01a2b3c4'
down_revision = 'perf01a2b3c4d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'agency_id', name='uq_participant_user_agency')
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_participant_agency_id'), ['agency_id'], unique=False)

    op.create_table('provider_customer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('npwp', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('customer_user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('pic_name', sa.String(length=255), nullable=False),
    sa.Column('pic_nik', sa.String(length=16), nullable=True),
    sa.Column('pic_email', sa.String(length=255), nullable=False),
    sa.Column('pic_phone', sa.String(length=20), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('released_at', sa.DateTime(), nullable=True),
    sa.Column('history', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
              nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ),
    sa.ForeignKeyConstraint(['customer_user_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['provider_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('provider_customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_customer_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_customer_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_customer_npwp'), ['npwp'], unique=False)
        batch_op.create_index(batch_op.f('ix_provider_customer_customer_user_id'), ['customer_user_id'], unique=False)


def downgrade():
    op.drop_table('provider_customer')
    op.drop_table('participant')
