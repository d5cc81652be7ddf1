"""Signing keys and the agency CAs.

Every agency has its own certificate authority (``agency_ca``, EC P-256, made when the agency row is
made, or at first use for an agency older than the CAs). Its private key is encrypted at rest under a
key derived (HKDF-SHA256) from ``SIGNING_CA_SECRET``, or ``SECRET_KEY`` when that is not set.

A signatory linked to a staff user enrols on their own profile page: the key pair (EC P-256) is made
here, its private key stored encrypted under the passphrase they choose (never stored), and the
certificate issued by the agency CA (2 years). Instead of enrolling, an office holding a BSrE
certificate imports its PKCS#12 file; the key is then re-encrypted under the chosen passphrase.
A revocation deletes the key: a revoked signatory cannot sign until they enrol again, while the
certificate stays in ``signatory_certificate`` so that earlier documents still verify.

Every enrolment, import, passphrase change, revocation and link is written to the security log, in
the transaction of the change (app.security.log.record_in_session).
"""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.security.log import (SIGNING_ENROLLED, SIGNING_IMPORTED, SIGNING_LINKED, SIGNING_PASSPHRASE,
                               SIGNING_REVOKED, record_in_session)
from app.security.passwords import PASSPHRASE_MIN_LENGTH, passphrase_problem
from models import Agency, AgencyCertificateAuthority, Signatory, SignatoryCertificate
from models.base import utcnow

CA_VALIDITY = timedelta(days=20 * 365)
CERTIFICATE_VALIDITY = timedelta(days=2 * 365)
MAX_PKCS12_BYTES = 64 * 1024


class SigningError(ValueError):
    """A refusal with its Indonesian message and the form field it belongs to."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


# --- small helpers ---------------------------------------------------------------------------
def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def fingerprint_text(hex_digest: str) -> str:
    """``AB:CD:…`` as browsers and ``openssl x509 -fingerprint -sha256`` write it."""
    return ":".join(hex_digest[i:i + 2] for i in range(0, len(hex_digest), 2)).upper()


def load_certificate(pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(bytes(pem))


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _ca_password() -> bytes:
    """The CA keys' encryption password: HKDF of the dedicated setting or SECRET_KEY."""
    secret = current_app.config.get("SIGNING_CA_SECRET") or current_app.config["SECRET_KEY"]
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"satupintu-agency-ca",
                   info=b"agency CA private key v1").derive(str(secret).encode())
    return base64.b64encode(derived)


def name_part(value: str, limit: int = 64) -> str:
    """``value`` fitted to an X.509 name attribute (at most 64 characters): a longer one is cut at
    the last word that fits, without a trailing comma or space, never in the middle of a word."""
    value = " ".join(str(value).split())
    if len(value) <= limit:
        return value
    cut = value[:limit + 1].rsplit(" ", 1)[0] if " " in value[:limit + 1] else value[:limit]
    return cut.rstrip(" ,;.-")


def readable_name(name: x509.Name) -> str:
    """A certificate's subject or issuer as people read it ("Dr. Ani, NIP1975…, Kepala Dinas, Dinas
    …, ID"), not RFC 4514 with object identifiers and escapes."""
    return ", ".join(str(attribute.value) for attribute in name)


def _agency_name(agency: Agency) -> str:
    return name_part(agency.name or agency.key or "Instansi")


# --- the agency CA ---------------------------------------------------------------------------
def new_agency_ca(agency: Agency) -> AgencyCertificateAuthority:
    """A fresh CA for ``agency`` (not added to the session)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, name_part(f"CA TTE {agency.short_name or agency.name or agency.key}")),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _agency_name(agency)),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "SatuPintu"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
    ])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + CA_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return AgencyCertificateAuthority(
        agency=agency, certificate_pem=_pem(cert), fingerprint=fingerprint(cert),
        encrypted_key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.BestAvailableEncryption(_ca_password())))


def agency_ca(agency: Agency) -> AgencyCertificateAuthority:
    """The agency's CA, made now (and flushed) for an agency older than the CAs."""
    ca = db.session.scalar(select(AgencyCertificateAuthority).where(
        AgencyCertificateAuthority.agency_id == agency.id))
    if ca is None:
        ca = new_agency_ca(agency)
        db.session.add(ca)
        db.session.flush()
    return ca


def agency_cas() -> list[tuple[Agency, AgencyCertificateAuthority]]:
    """Every active agency with its CA (made for those without one), for the public list."""
    agencies = db.session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)).all()
    made = [(agency, agency_ca(agency)) for agency in agencies]
    if db.session.new or db.session.dirty:
        db.session.commit()
    return made


def ca_key(ca: AgencyCertificateAuthority):
    try:
        return serialization.load_pem_private_key(bytes(ca.encrypted_key_pem), password=_ca_password())
    except (ValueError, TypeError) as error:
        raise SigningError(_("Kunci CA instansi tidak dapat dibuka: SIGNING_CA_SECRET atau SECRET_KEY "
                             "berbeda dari saat CA dibuat.")) from error


def _issue(signatory: Signatory, public_key) -> x509.Certificate:
    agency = signatory.agency
    ca = agency_ca(agency)
    ca_cert = load_certificate(ca.certificate_pem)
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, name_part(signatory.name or signatory.key))]
    if signatory.nip:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"NIP{signatory.nip}"[:64]))
    if signatory.title:
        attributes.append(x509.NameAttribute(NameOID.TITLE, name_part(signatory.title)))
    attributes += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, _agency_name(agency)),
                   x509.NameAttribute(NameOID.COUNTRY_NAME, "ID")]
    now = datetime.now(timezone.utc)
    ca_key_id = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (x509.CertificateBuilder().subject_name(x509.Name(attributes)).issuer_name(ca_cert.subject)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + CERTIFICATE_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_key_id),
                           critical=False)
            .sign(ca_key(ca), hashes.SHA256()))


# --- passphrases -----------------------------------------------------------------------------
def check_new_passphrase(signatory: Signatory, passphrase: str, confirmation: str, *,
                         field: str = "passphrase") -> None:
    from models import User

    user = db.session.get(User, signatory.user_id) if signatory.user_id else None
    problem = passphrase_problem(passphrase, username=user.username if user else "",
                                 name=signatory.name or "")
    if problem:
        raise SigningError(problem, field)
    if passphrase != confirmation:
        raise SigningError(_("Konfirmasi passphrase tidak sama."), "confirmation")


def _encrypt(private_key, passphrase: str) -> bytes:
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.BestAvailableEncryption(passphrase.encode()))


def unlock_private_key(signatory, passphrase: str):
    """The private key when ``passphrase`` opens it, else None."""
    if not signatory.encrypted_key_pem or not passphrase:
        return None
    try:
        return serialization.load_pem_private_key(signatory.encrypted_key_pem, password=passphrase.encode())
    except (ValueError, TypeError):
        return None


# --- what a signatory holds ------------------------------------------------------------------
def current_certificate(signatory: Signatory) -> SignatoryCertificate | None:
    """The history row of the signatory's current certificate (None when they hold no key)."""
    if not signatory.certificate_pem:
        return None
    digest = fingerprint(load_certificate(signatory.certificate_pem))
    return db.session.scalar(select(SignatoryCertificate).where(
        SignatoryCertificate.signatory_id == signatory.id, SignatoryCertificate.fingerprint == digest)
        .order_by(SignatoryCertificate.id.desc()).limit(1))


def certificates_of(signatory: Signatory) -> list[SignatoryCertificate]:
    return list(db.session.scalars(select(SignatoryCertificate).where(
        SignatoryCertificate.signatory_id == signatory.id).order_by(SignatoryCertificate.id.desc())))


def last_revocation(signatory: Signatory) -> SignatoryCertificate | None:
    return db.session.scalar(select(SignatoryCertificate).where(
        SignatoryCertificate.signatory_id == signatory.id, SignatoryCertificate.revoked_at.is_not(None))
        .order_by(SignatoryCertificate.revoked_at.desc()).limit(1))


def signing_chain(signatory: Signatory) -> list[bytes]:
    """The issuers' certificates (PEM) to embed beside the signer's: the agency CA, or what a
    PKCS#12 file carried."""
    row = current_certificate(signatory)
    return split_pem(row.chain_pem or b"") if row is not None else []


def trust_roots(row: SignatoryCertificate) -> list[bytes]:
    """What a signature by ``row`` is validated against: its issuers as stored with it (the agency
    CA that issued it, kept even if that CA is ever replaced; the chain of a PKCS#12 file), else the
    certificate itself (a legacy self-signed one, a PKCS#12 file without its issuers)."""
    return split_pem(row.chain_pem or b"") or [bytes(row.certificate_pem)]


def split_pem(data: bytes) -> list[bytes]:
    marker = b"-----END CERTIFICATE-----"
    return [part.strip() + b"\n" + marker + b"\n" for part in bytes(data).split(marker)[:-1]]


def _audit(kind: str, signatory: Signatory, *, actor=None, extra: str = "") -> None:
    """In the change's own transaction; ``detail`` starts with ``signatory_id=N `` so a signatory's
    history can be read back (``signing_events``)."""
    record_in_session(
        db.session, kind, user_id=getattr(actor, "id", None), username=getattr(actor, "username", None) or "system",
        detail=f"signatory_id={signatory.id} agency={signatory.agency.key} signatory={signatory.key} {extra}".strip())


def _store(signatory: Signatory, certificate: x509.Certificate, private_key, passphrase: str, *, source: str,
           chain: list[x509.Certificate] = ()) -> SignatoryCertificate:
    signatory.certificate_pem = _pem(certificate)
    signatory.encrypted_key_pem = _encrypt(private_key, passphrase)
    row = SignatoryCertificate(signatory_id=signatory.id, certificate_pem=_pem(certificate), source=source,
                               chain_pem=b"".join(_pem(c) for c in chain) or None,
                               fingerprint=fingerprint(certificate), issued_at=utcnow(),
                               not_after=certificate.not_valid_after_utc)
    db.session.add(row)
    db.session.flush()
    return row


def _needs_holder(signatory: Signatory) -> None:
    if signatory.user_id is None:
        raise SigningError(_("Penandatangan belum ditautkan ke akun petugas."))
    if signatory.encrypted_key_pem:
        raise SigningError(_("Penandatangan sudah memiliki kunci. Cabut kunci lama sebelum mendaftar ulang."))


# --- the operations --------------------------------------------------------------------------
def enrol(signatory: Signatory, passphrase: str, *, actor=None) -> SignatoryCertificate:
    """A new EC P-256 key, encrypted under ``passphrase``, with a certificate from the agency CA.
    The caller checks the passphrase's strength (``check_new_passphrase``) and commits."""
    _needs_holder(signatory)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _issue(signatory, key.public_key())
    row = _store(signatory, certificate, key, passphrase, source="agency_ca",
                 chain=[load_certificate(agency_ca(signatory.agency).certificate_pem)])
    _audit(SIGNING_ENROLLED, signatory, actor=actor, extra=f"fingerprint={row.fingerprint}")
    return row


def import_pkcs12(signatory: Signatory, data: bytes, password: str, passphrase: str, *,
                  actor=None) -> SignatoryCertificate:
    """A certificate and key from a PKCS#12 file (e.g. issued by BSrE), re-encrypted under
    ``passphrase``: refused unless it holds a key and its certificate, they match, and the
    certificate is valid now."""
    _needs_holder(signatory)
    if not data or len(data) > MAX_PKCS12_BYTES:
        raise SigningError(_("Berkas bukan PKCS#12 (.p12/.pfx) yang dapat dibaca."), "file")
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(data, (password or "").encode() or None)
    except ValueError as error:
        # "Invalid password or PKCS12 data": a PKCS#12 structure the password does not open
        if "password" in str(error).lower():
            raise SigningError(_("Kata sandi berkas PKCS#12 salah."), "password") from error
        raise SigningError(_("Berkas bukan PKCS#12 (.p12/.pfx) yang dapat dibaca."), "file") from error
    except Exception as error:  # an unsupported or damaged structure is a refusal, not a crash
        raise SigningError(_("Berkas bukan PKCS#12 (.p12/.pfx) yang dapat dibaca."), "file") from error
    extra = list(extra or ())
    if certificate is None and extra:   # exporters that leave out the key's localKeyId: the end-entity certificate
        certificate = next((c for c in extra if not _is_ca(c)), None)
        extra = [c for c in extra if c is not certificate]
    if key is None or certificate is None:
        raise SigningError(_("Berkas PKCS#12 harus memuat kunci privat dan sertifikatnya."), "file")
    if not isinstance(key, (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey)):
        raise SigningError(_("Jenis kunci tidak didukung (hanya RSA atau EC)."), "file")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(serialization.Encoding.DER, public) != \
            certificate.public_key().public_bytes(serialization.Encoding.DER, public):
        raise SigningError(_("Kunci privat tidak cocok dengan sertifikat di dalam berkas."), "file")
    now = datetime.now(timezone.utc)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise SigningError(_("Sertifikat di dalam berkas tidak berlaku (kedaluwarsa atau belum berlaku)."), "file")
    row = _store(signatory, certificate, key, passphrase, source="pkcs12", chain=extra)
    _audit(SIGNING_IMPORTED, signatory, actor=actor, extra=f"fingerprint={row.fingerprint}")
    return row


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def change_passphrase(signatory: Signatory, old: str, new: str, *, actor=None) -> None:
    key = unlock_private_key(signatory, old)
    if key is None:
        raise SigningError(_("Passphrase lama salah."), "old_passphrase")
    signatory.encrypted_key_pem = _encrypt(key, new)
    _audit(SIGNING_PASSPHRASE, signatory, actor=actor)


def revoke(signatory: Signatory, *, actor=None) -> SignatoryCertificate | None:
    """Delete the key and mark its certificate revoked (now). Documents signed before keep verifying."""
    if not signatory.encrypted_key_pem:
        raise SigningError(_("Penandatangan ini tidak memiliki kunci aktif."))
    row = current_certificate(signatory)
    if row is not None:
        row.revoked_at = utcnow()
        row.revoked_by_id = getattr(actor, "id", None)
    signatory.encrypted_key_pem = None
    signatory.certificate_pem = None
    _audit(SIGNING_REVOKED, signatory, actor=actor, extra=f"fingerprint={row.fingerprint if row else '-'}")
    return row


def link(signatory: Signatory, user, *, actor=None) -> None:
    """Link (or unlink, ``user`` None) the staff account that holds the signatory. A key made for
    another holder is revoked: only the person who chose the passphrase may sign with it."""
    if (user.id if user else None) == signatory.user_id:
        return
    if signatory.encrypted_key_pem:
        revoke(signatory, actor=actor)
    signatory.user_id = user.id if user else None
    _audit(SIGNING_LINKED, signatory, actor=actor, extra=f"user={user.username if user else '-'}")



def signing_events(signatory: Signatory, limit: int = 50) -> list:
    """The security-log rows about ``signatory``, newest first."""
    from models.security import SecurityEvent

    return list(db.session.scalars(select(SecurityEvent).where(
        SecurityEvent.kind.like("signing_%"), SecurityEvent.detail.like(f"signatory_id={signatory.id} %"))
        .order_by(SecurityEvent.id.desc()).limit(limit)))


def _every_new_agency_gets_its_ca(session, _context, _instances) -> None:
    """An agency is made with its CA, wherever the row is made (rules activation, seed, demo,
    tests); an agency made outside an application (no SECRET_KEY to encrypt under) gets its CA at
    first use instead (``agency_ca``)."""
    from flask import has_app_context

    new = [obj for obj in session.new if isinstance(obj, Agency)]
    if not new or not has_app_context():
        return
    for agency in new:
        session.add(new_agency_ca(agency))


def install_agency_ca_listener() -> None:
    """Make every new Agency row with its CA (create_app calls this; here, not in models, because
    models must not reach up into the signing code)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "before_flush", _every_new_agency_gets_its_ca):
        event.listen(Session, "before_flush", _every_new_agency_gets_its_ca)
