"""payment.computation (a tariff computed from data, in words) and payment lines of kinds: fee, deposit,
refund (the transfer back of a deposit: account, refund_of)

Revision ID: fees01a2b3c4
Revises: signers01a2b3c
Create Date: 2026-11-30 02:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'fees01a2b3c4'
down_revision = 'signers01a2b3c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment") as batch:
        batch.add_column(sa.Column("computation", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="fee"))
        batch.add_column(sa.Column("refund_account", sa.String(255), nullable=False, server_default=""))
        batch.add_column(sa.Column("refund_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_payment_refund_of_id", "payment", ["refund_of_id"], ["id"])


def downgrade():
    with op.batch_alter_table("payment") as batch:
        batch.drop_constraint("fk_payment_refund_of_id", type_="foreignkey")
        for column in ("refund_of_id", "refund_account", "kind", "computation"):
            batch.drop_column(column)
