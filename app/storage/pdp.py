"""Personal-data protection (UU PDP 27/2022): which documents are personal, the record of who opened
them, and how long each document is kept.

A required document is personal when the rules mark it ``personal: true`` (KTP, NPWP, …). Opening
one — download or preview, by staff or by the applicant — writes a DocumentAccess row. Each
document is kept ``retention_days`` (default ``DOCUMENT_RETENTION_DAYS``) after its application
reached a final state; app/commands/retention.py destroys it afterwards.
"""
from __future__ import annotations

from flask import current_app, request
from sqlalchemy import select

from app.extensions import db
from app.commands.rules.state import rules_state
from models import Application, ApplicationFile, DocumentAccess, User

ACCESS_MODES = ("download", "preview")


def document_spec(application: Application, doc_key: str) -> dict | None:
    """The rules' entry of a required document of this application's service (its own rules version)."""
    rules = rules_state().rules_for(application.rules_version_id)
    service_key = application.service_type.key
    documents = (rules.service(service_key).get("documents") or []) if rules.has_service(service_key) else []
    return next((d for d in documents if d.get("key") == doc_key), None)


def document_label(application: Application | None, doc_key: str) -> str:
    spec = document_spec(application, doc_key) if application is not None else None
    from app.rules.labels import rules_label
    return rules_label((spec or {}).get("label"), default=doc_key)


def is_personal(item: ApplicationFile) -> bool:
    if item.purpose != "requirement":
        return False
    spec = document_spec(item.application, item.doc_key)
    return bool(spec and spec.get("personal"))


def retention_days(application: Application, doc_key: str) -> int:
    spec = document_spec(application, doc_key) or {}
    return int(spec.get("retention_days") or current_app.config["DOCUMENT_RETENTION_DAYS"])


def record_access(item: ApplicationFile, user: User, mode: str) -> DocumentAccess | None:
    """Log the opening of a personal document (committed at once: the file is sent next)."""
    assert mode in ACCESS_MODES, mode
    if not is_personal(item):
        return None
    row = DocumentAccess(application_id=item.application_id, user_id=getattr(user, "id", None),
                         application_file_id=item.id, stored_file_id=item.file_id, doc_key=item.doc_key,
                         file_name=(item.file.original_name or "")[:255], mode=mode,
                         ip=(request.remote_addr or "")[:64])
    db.session.add(row)
    db.session.commit()
    return row


def access_log_stmt():
    """Access records newest first, with who opened them (one statement)."""
    from sqlalchemy.orm import joinedload

    return select(DocumentAccess).options(joinedload(DocumentAccess.user)) \
        .order_by(DocumentAccess.created_at.desc(), DocumentAccess.id.desc())


def user_label(user: User | None) -> str:
    if user is None:
        return "-"
    name = " ".join(p for p in (user.first_name, user.last_name) if p).strip()
    return f"{name} ({user.username})" if name else user.username
