"""resource_slot and booking: slots staff offer on an agency's resource, and the applications' seats

A slot takes at most ``capacity`` bookings: each active booking holds a seat number 1..capacity and
(slot_id, seat) is unique, which both SQLite and PostgreSQL enforce, also between concurrent
transactions (PostgreSQL makes the second inserter of a seat wait for the first, then refuses it).
A released booking keeps its row with seat NULL: NULLs never clash in a unique constraint.

Revision ID: booking01a2b3c4
Revises: fees01a2b3c4
Create Date: 2026-11-30 02:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'booking01a2b3c4'
down_revision = 'fees01a2b3c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "resource_slot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agency.id"), nullable=False),
        sa.Column("resource_key", sa.String(64), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("whole_days", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("offered_by_id", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_resource_slot_resource_start", "resource_slot", ["agency_id", "resource_key", "starts_at"])
    op.create_table(
        "booking",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slot_id", sa.Integer(), sa.ForeignKey("resource_slot.id"), nullable=False),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("application.id"), nullable=False),
        sa.Column("seat", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("slot_id", "seat", name="uq_booking_slot_seat"),
    )
    op.create_index("ix_booking_application_id", "booking", ["application_id"])


def downgrade():
    op.drop_index("ix_booking_application_id", table_name="booking")
    op.drop_table("booking")
    op.drop_index("ix_resource_slot_resource_start", table_name="resource_slot")
    op.drop_table("resource_slot")
