"""rules_version.content as plain JSON: JSONB reorders keys, and the rules' declaration order matters

Revision ID: i1b2c3d4e5f6
Revises: h8a1c0ffee010
Create Date: 2026-11-29 21:05:00

On PostgreSQL, JSONB stores objects with their keys sorted by length, so a stored rules version came
back with its states, fields and documents in another order than written: "Alur layanan", the
workflow diagrams and forms follow that order. ``json`` keeps the text as stored. SQLite is unchanged.
Versions stored before this migration keep the order JSONB gave them (the fingerprint is over
canonical JSON, so it is unchanged).
"""
from alembic import op

revision = 'i1b2c3d4e5f6'
down_revision = 'h8a1c0ffee010'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE rules_version ALTER COLUMN content TYPE json USING content::json")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE rules_version ALTER COLUMN content TYPE jsonb USING content::jsonb")
