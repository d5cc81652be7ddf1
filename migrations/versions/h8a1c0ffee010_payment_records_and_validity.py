"""payment records (amount received, bank reference, NTPN, overdue, history) and document validity

Revision ID: h8a1c0ffee010
Revises: h3a1c2e3f4d5
Create Date: 2026-11-29 19:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'h8a1c0ffee010'
down_revision = 'h3a1c2e3f4d5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount_received', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('bank_reference', sa.String(length=128), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('ntpn', sa.String(length=16), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('overdue_handled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('superseded_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('opened_by', sa.String(length=64), nullable=False, server_default=''))

    with op.batch_alter_table('generated_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column(
            'reminders_sent', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
            nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('remind_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_generated_document_valid_until'), ['valid_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_generated_document_remind_on'), ['remind_on'], unique=False)


def downgrade():
    with op.batch_alter_table('generated_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_generated_document_remind_on'))
        batch_op.drop_index(batch_op.f('ix_generated_document_valid_until'))
        batch_op.drop_column('remind_on')
        batch_op.drop_column('reminders_sent')
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_column('opened_by')
        batch_op.drop_column('superseded_at')
        batch_op.drop_column('overdue_handled')
        batch_op.drop_column('ntpn')
        batch_op.drop_column('bank_reference')
        batch_op.drop_column('amount_received')
