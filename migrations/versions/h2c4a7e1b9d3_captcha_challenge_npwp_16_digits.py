"""captcha challenges kept server-side; NPWP stored in its 16-digit form (PMK 112/2022)

Revision ID: h2c4a7e1b9d3
Revises: h1a7c3e5f901
Create Date: 2026-11-29 19:00:00

A valid 15-digit NPWP becomes ``0`` + its 15 digits in customer profiles (personal and
organisation NPWP) and in the company data of applications (``company.npwp``, and any
application field named ``npwp``, ``npwp_…`` or ``…_npwp``; not ``npwpd``, the regional tax number). The downgrade leaves the data in the canonical
form (a 16-digit NPWP is valid in both versions).
"""
import json
import re

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = 'h2c4a7e1b9d3'
down_revision = 'h1a7c3e5f901'
branch_labels = None
depends_on = None


NPWP_KEY = re.compile(r"(^|_)npwp($|_)")
JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")


def _is_15_digits(value) -> bool:
    return isinstance(value, str) and len(value) == 15 and value.isascii() and value.isdigit()


def _canonical_json(mapping, only_keys=None):
    """The mapping with its 15-digit NPWP values widened, or None when nothing changed."""
    if isinstance(mapping, str):
        mapping = json.loads(mapping)
    if not isinstance(mapping, dict):
        return None
    changed = False
    result = dict(mapping)
    for key, value in mapping.items():
        wanted = key == "npwp" if only_keys == "npwp" else NPWP_KEY.search(str(key).lower()) is not None
        if wanted and _is_15_digits(value):
            result[key] = "0" + value
            changed = True
    return result if changed else None


def upgrade():
    op.create_table(
        'captcha_challenge',
        sa.Column('id', sa.String(length=43), nullable=False),
        sa.Column('form_key', sa.String(length=16), nullable=False),
        sa.Column('question', sa.String(length=32), nullable=False),
        sa.Column('answer_hash', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_captcha_challenge_expires_at'), 'captcha_challenge', ['expires_at'], unique=False)

    connection = op.get_bind()
    for column in ('npwp', 'organisation_npwp'):
        connection.execute(sa.text(
            f"UPDATE customer_profile SET {column} = '0' || {column} "
            f"WHERE length({column}) = 15"))
    application = sa.table('application', sa.column('id', sa.Integer),
                           sa.column('company', JSON_TYPE), sa.column('data', JSON_TYPE))
    rows = connection.execute(sa.select(application.c.id, application.c.company, application.c.data)).fetchall()
    for row_id, company, data in rows:
        values = {}
        new_company = _canonical_json(company, only_keys="npwp")
        new_data = _canonical_json(data)
        if new_company is not None:
            values["company"] = new_company
        if new_data is not None:
            values["data"] = new_data
        if values:
            connection.execute(sa.update(application).where(application.c.id == row_id).values(**values))


def downgrade():
    op.drop_index(op.f('ix_captcha_challenge_expires_at'), table_name='captcha_challenge')
    op.drop_table('captcha_challenge')
