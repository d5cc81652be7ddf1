"""Turn a ``GeneratedDocument`` row into a stored PDF: template → HTML → PDF (→ PAdES signature)."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.documents.context import document_context
from app.documents.pades import sign_pdf
from app.documents.render import RenderError, render_pdf
from app.core.errors import N_, SatuPintuError
from app.extensions import db
from app.storage.files import FileStore, IncomingFile, store_file
from app.commands.rules.state import rules_state
from models import DocumentTemplateVersion, GeneratedDocument, Signatory


class DocumentError(SatuPintuError):
    status = 422
    code = "document_failed"
    message = N_("Dokumen tidak dapat dibuat: %(reason)s")


@dataclass
class SigningKey:
    """A signatory with their private key, unlocked for this request only."""

    signatory: Signatory
    private_key: object


@dataclass
class TemplateSource:
    source: str
    base_dir: Path          # the folder file reads are confined to (with the fonts)
    version_id: int | None  # the administrator's uploaded version, or None for the rules' file


def file_template(rules, doc_key: str) -> Path:
    spec = rules.document(doc_key)
    base = Path(rules.base_dir or ".")
    return (base / spec["template"]).resolve()


def template_source(rules, doc_key: str) -> TemplateSource:
    """The active uploaded version of ``doc_key``'s template, else the file named in the rules."""
    path = file_template(rules, doc_key)
    version = db.session.scalar(select(DocumentTemplateVersion).where(
        DocumentTemplateVersion.doc_key == doc_key, DocumentTemplateVersion.active.is_(True))
        .order_by(DocumentTemplateVersion.id.desc()).limit(1))
    if version is not None:
        return TemplateSource(version.content, path.parent, version.id)
    return TemplateSource(path.read_text(encoding="utf-8"), path.parent, None)


def _filename(doc: GeneratedDocument) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"{doc.doc_key}-{doc.number or doc.id}").strip("-")
    return f"{stem[:150]}.pdf"


def render_document(doc: GeneratedDocument, signing: SigningKey | None = None) -> bytes:
    """The PDF bytes of ``doc`` (signed when ``signing`` is given); DocumentError on failure."""
    application = doc.application
    rules = rules_state().rules_for(application.rules_version_id)
    template = template_source(rules, doc.doc_key)
    try:
        pdf = render_pdf(template.source, document_context(doc, rules), template.base_dir)
    except RenderError as error:
        raise DocumentError(reason=str(error)) from error
    if signing is not None:
        if not signing.signatory.certificate_pem:
            raise DocumentError(reason="penandatangan belum memiliki sertifikat")
        from app.documents.signing import signing_chain

        pdf = sign_pdf(pdf, certificate_pem=signing.signatory.certificate_pem,
                       chain_pem=signing_chain(signing.signatory),
                       private_key=signing.private_key, signer_name=signing.signatory.name,
                       location=application.agency.short_name or application.agency.name)
    return pdf


def produce_document(doc: GeneratedDocument, *, store: FileStore,
                     signing: SigningKey | None = None) -> GeneratedDocument:
    """Render (and sign), store the file through ``store`` (undone if the transaction fails) and
    mark ``doc`` ready with its file and sha256. Flushes; the caller commits."""
    pdf = render_document(doc, signing)
    digest = hashlib.sha256(pdf).hexdigest()
    incoming = IncomingFile(filename=_filename(doc), data=pdf, kind="pdf", sha256=digest)
    label = doc.number or doc.doc_key
    stored = store_file(store, incoming, owner_id=doc.application.customer_id, label=label)
    db.session.add(stored)
    db.session.flush()
    doc.file_id = stored.id
    doc.sha256 = digest
    doc.status = "ready"
    doc.error = ""
    db.session.flush()
    return doc


def draft_document(application, doc_key: str, signatory_id: int | None = None):
    """An unsaved stand-in for ``doc_key`` of ``application``: what it would print now (no number,
    no signature, verification code DRAF). Never added to the session."""
    from types import SimpleNamespace

    spec = rules_state().rules_for(application.rules_version_id).document(doc_key)
    return SimpleNamespace(application=application, doc_key=doc_key, kind=spec.get("kind", "other"),
                           number=None, verify_code="DRAF", signatory_id=signatory_id, signed=False,
                           created_at=None, valid_from=None, valid_until=None, id=None)


def render_draft_html(application, doc_key: str, signatory_id: int | None = None) -> str:
    """The draft's HTML (the same template and context the PDF is rendered from), for an inline view."""
    from app.documents.render import render_html

    rules = rules_state().rules_for(application.rules_version_id)
    template = template_source(rules, doc_key)
    try:
        return render_html(template.source, document_context(draft_document(application, doc_key, signatory_id),
                                                              rules))
    except RenderError as error:
        raise DocumentError(reason=str(error)) from error
