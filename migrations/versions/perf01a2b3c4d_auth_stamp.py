"""auth_stamp: the permission stamp every web process checks before trusting its cached answers

Revision ID: perf01a2b3c4d
Revises: i1b2c3d4e5f6
"""
import sqlalchemy as sa
from alembic import op


revision = "perf01a2b3c4d"
down_revision = "i1b2c3d4e5f6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "auth_stamp",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade():
    op.drop_table("auth_stamp")
