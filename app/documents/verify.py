"""Checks behind ``/verify/<code>``: is the stored file still the one issued (sha256) and its
signature intact; does a copy someone uploads match it byte for byte?"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from app.documents.context import local_date, mask_name
from app.documents.pades import SignatureCheck, check_signature, signing_certificate_of
from app.extensions import db
from app.storage.files import FileStore
from app.outbox.notify import display_name, format_date
from app.commands.application.sla_clock import to_local
from app.commands.rules.state import rules_state
from app.workflow.fields import label_text
from models import GeneratedDocument, Signatory, SignatoryCertificate
from models.base import utcnow

KIND_LABELS = {"receipt": "Resi / Bukti Pendaftaran", "invoice": "Invoice", "kuitansi": "Kuitansi",
               "cover_letter": "Dokumen Pengantar", "licence": "Surat Izin", "report": "Laporan Hasil",
               "other": "Dokumen"}


@dataclass
class Verification:
    document: GeneratedDocument
    label: str
    number: str
    agency: str
    date: str
    holder: str
    signatory: str = ""
    valid_from: str = ""
    valid_until: str = ""
    expired: bool = False
    stored_ok: bool = False
    signature: SignatureCheck | None = None
    issuer: str = ""             # who issued the signing certificate (the agency CA, BSrE, …)
    issuer_fingerprint: str = ""  # SHA-256 of the trust root the chain was validated to
    revoked_at: str = ""          # the signing certificate was revoked then, after this signature
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.document.status == "ready" and self.stored_ok and \
            (self.signature is None or self.signature.ok)


def find_document(code: str) -> GeneratedDocument | None:
    if not code or len(code) > 32:
        return None
    return db.session.scalar(select(GeneratedDocument).where(GeneratedDocument.verify_code == code))


def stored_bytes(doc: GeneratedDocument) -> bytes | None:
    if doc.file is None:
        return None
    try:
        return FileStore.current().path_of(doc.file.storage_path).read_bytes()
    except OSError:
        return None


def _signer_row(doc: GeneratedDocument, data: bytes) -> SignatoryCertificate | None:
    """The signatory's certificate (of any time, revoked or not) that signed ``data``."""
    from app.documents.signing import fingerprint, load_certificate

    pem = signing_certificate_of(data) if doc.signatory_id else None
    if pem is None:
        return None
    return db.session.scalar(select(SignatoryCertificate).where(
        SignatoryCertificate.signatory_id == doc.signatory_id,
        SignatoryCertificate.fingerprint == fingerprint(load_certificate(pem))).limit(1))


def _check(doc: GeneratedDocument, data: bytes) -> tuple[SignatureCheck, SignatoryCertificate | None]:
    """The signature checked against the certificate the signatory held when signing, validated to
    its trust root (the agency CA for the certificates it issued)."""
    from app.documents.signing import trust_roots

    row = _signer_row(doc, data)
    if row is not None:
        return check_signature(data, row.certificate_pem, trust_roots(row)), row
    signatory = db.session.get(Signatory, doc.signatory_id) if doc.signatory_id else None
    return check_signature(data, signatory.certificate_pem if signatory else None), None


def verify_document(doc: GeneratedDocument) -> Verification:
    application = doc.application
    try:
        spec = rules_state().rules_for(application.rules_version_id).document(doc.doc_key)
    except LookupError:
        spec = {}
    label = spec.get("label") or KIND_LABELS.get(doc.kind, doc.kind)
    label = label_text(label, "id")
    signatory = db.session.get(Signatory, doc.signatory_id) if doc.signatory_id else None
    result = Verification(document=doc, label=label, number=doc.number or application.receipt or "-",
                          agency=application.agency.name, date=local_date(application, doc.created_at),
                          holder=mask_name(display_name(application.customer)),
                          signatory=f"{signatory.name} — {signatory.title}" if signatory else "")
    if doc.valid_until is not None:
        today = to_local(utcnow(), application.agency.timezone or "Asia/Jakarta").date()
        result.valid_from, result.valid_until = format_date(doc.valid_from), format_date(doc.valid_until)
        result.expired = doc.expired(today)
    if doc.status != "ready":
        result.problems.append("Dokumen belum selesai disiapkan.")
        return result
    data = stored_bytes(doc)
    if data is None:
        result.problems.append("Berkas dokumen tidak ditemukan di server.")
        return result
    result.stored_ok = hashlib.sha256(data).hexdigest() == doc.sha256
    if not result.stored_ok:
        result.problems.append("Berkas di server tidak sama dengan yang diterbitkan.")
    if doc.signed:
        result.signature, row = _check(doc, data)
        if not result.signature.ok:
            result.problems.append(f"Tanda tangan elektronik: {result.signature.problem}.")
        if row is not None:
            _describe_chain(result, doc, row)
    return result


def _describe_chain(result: Verification, doc: GeneratedDocument, row: SignatoryCertificate) -> None:
    from app.core.formatting import format_datetime
    from app.documents.signing import fingerprint, fingerprint_text, load_certificate, readable_name, trust_roots

    root = load_certificate(trust_roots(row)[0])
    result.issuer = readable_name(load_certificate(row.certificate_pem).issuer)
    result.issuer_fingerprint = fingerprint_text(fingerprint(root))
    if row.revoked_at is not None:
        if doc.signed_at is not None and doc.signed_at < row.revoked_at:
            result.revoked_at = format_datetime(row.revoked_at, doc.application.agency)
        else:
            result.signature.valid = False
            result.signature.problem = "sertifikat penandatangan telah dicabut sebelum dokumen ditandatangani"
            result.problems.append(f"Tanda tangan elektronik: {result.signature.problem}.")


@dataclass
class CopyCheck:
    matches: bool
    sha256: str
    signature: SignatureCheck | None = None


def verify_copy(doc: GeneratedDocument, data: bytes) -> CopyCheck:
    """A copy matches only when it is byte for byte the issued file."""
    digest = hashlib.sha256(data).hexdigest()
    matches = doc.status == "ready" and digest == doc.sha256
    signature = _check(doc, data)[0] if doc.signed and data.startswith(b"%PDF-") else None
    return CopyCheck(matches=matches and (signature is None or signature.ok), sha256=digest,
                     signature=signature)
