"""work_item: the rows of an application's work (one per cart line), each with its own assignee,
values, raw-data files and status

Revision ID: sippt01a2b3c4
Revises: metro01a2b3c4
Create Date: 2026-11-29 22:10:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'sippt01a2b3c4'
down_revision = 'metro01a2b3c4'
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table(
        "work_item",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("application.id"), nullable=False),
        sa.Column("cart_line_id", sa.Integer(), sa.ForeignKey("cart_line.id"), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("assignee_id", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("values", JSONType, nullable=False),
        sa.Column("files", JSONType, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_work_item_application_id", "work_item", ["application_id"])
    op.create_index("ix_work_item_assignee_status", "work_item", ["assignee_id", "status"])


def downgrade():
    op.drop_index("ix_work_item_assignee_status", table_name="work_item")
    op.drop_index("ix_work_item_application_id", table_name="work_item")
    op.drop_table("work_item")
