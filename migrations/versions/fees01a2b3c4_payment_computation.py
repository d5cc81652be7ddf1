"""payment.computation: a tariff computed from data, in words, shown on the invoice

Revision ID: fees01a2b3c4
Revises: sippt01a2b3c4
Create Date: 2026-11-30 02:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'fees01a2b3c4'
down_revision = 'sippt01a2b3c4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment") as batch:
        batch.add_column(sa.Column("computation", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("payment") as batch:
        batch.drop_column("computation")
