"""Signing PKI: each agency's own certificate authority, and every certificate a signatory ever held.

The signatory row (models.catalog.Signatory) keeps the *current* key and certificate; the history
here outlives a revocation or a re-enrolment, so a document signed earlier still verifies against
the certificate that signed it (app/documents/signing.py, app/documents/verify.py).
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, utcnow
from models.catalog import Agency, Signatory


class AgencyCertificateAuthority(Model):
    """The CA that issues an agency's signatories' certificates. Its private key is encrypted under a
    key derived from ``SIGNING_CA_SECRET`` (else ``SECRET_KEY``): a copy of the database alone opens
    neither the CA's key nor a signatory's (docs/security.md)."""

    __tablename__ = "agency_ca"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False, unique=True)
    certificate_pem: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    encrypted_key_pem: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)   # sha256 of the DER, hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    agency: Mapped[Agency] = relationship()


class SignatoryCertificate(Model):
    """One certificate a signatory held: issued by the agency CA (``agency_ca``), imported from a
    PKCS#12 file (``pkcs12``) or self-signed before the agency CAs existed (``legacy``).
    ``chain_pem`` keeps its issuers (the agency CA's certificate, or those the PKCS#12 file
    carried): signatures are validated to them, whatever happens to the CA later."""

    __tablename__ = "signatory_certificate"
    id: Mapped[int] = mapped_column(primary_key=True)
    signatory_id: Mapped[int] = mapped_column(ForeignKey("signatory.id"), nullable=False, index=True)
    certificate_pem: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    chain_pem: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    signatory: Mapped[Signatory] = relationship()
