"""agency_ca and signatory_certificate: each agency's own CA, and every certificate a signatory held
(the self-signed certificates made before the agency CAs are kept as ``legacy`` rows, so the
documents they signed still verify)

Revision ID: signers01a2b3c
Revises: sippt01a2b3c4
Create Date: 2026-11-30 01:45:00
"""
import hashlib
from datetime import timezone

import sqlalchemy as sa
from alembic import op

revision = 'signers01a2b3c'
down_revision = 'sippt01a2b3c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agency_ca",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("agency.id"), nullable=False, unique=True),
        sa.Column("certificate_pem", sa.LargeBinary(), nullable=False),
        sa.Column("encrypted_key_pem", sa.LargeBinary(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    certificates = op.create_table(
        "signatory_certificate",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("signatory_id", sa.Integer(), sa.ForeignKey("signatory.id"), nullable=False),
        sa.Column("certificate_pem", sa.LargeBinary(), nullable=False),
        sa.Column("chain_pem", sa.LargeBinary(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), sa.ForeignKey("ab_user.id"), nullable=True),
    )
    op.create_index("ix_signatory_certificate_signatory_id", "signatory_certificate", ["signatory_id"])
    op.create_index("ix_signatory_certificate_fingerprint", "signatory_certificate", ["fingerprint"])
    _keep_legacy_certificates(certificates)


def _keep_legacy_certificates(certificates) -> None:
    """Every signatory's existing (self-signed) certificate becomes a ``legacy`` history row."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    signatory = sa.table("signatory", sa.column("id", sa.Integer()), sa.column("certificate_pem", sa.LargeBinary()))
    rows = []
    for signatory_id, pem in op.get_bind().execute(
            sa.select(signatory.c.id, signatory.c.certificate_pem).where(signatory.c.certificate_pem.is_not(None))):
        try:
            cert = x509.load_pem_x509_certificate(bytes(pem))
        except ValueError:
            continue
        utc = lambda value: value.astimezone(timezone.utc).replace(tzinfo=None)  # noqa: E731
        rows.append({"signatory_id": signatory_id, "certificate_pem": bytes(pem), "chain_pem": None,
                     "source": "legacy",
                     "fingerprint": hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
                     "issued_at": utc(cert.not_valid_before_utc), "not_after": utc(cert.not_valid_after_utc)})
    if rows:
        op.bulk_insert(certificates, rows)


def downgrade():
    op.drop_index("ix_signatory_certificate_fingerprint", table_name="signatory_certificate")
    op.drop_index("ix_signatory_certificate_signatory_id", table_name="signatory_certificate")
    op.drop_table("signatory_certificate")
    op.drop_table("agency_ca")
