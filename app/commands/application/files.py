"""Uploads that come with a create or transition request: required documents and form files."""
from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import N_, translate
from app.extensions import db
from app.storage.files import (FileStore, IncomingFile, check_file, content_problem, filename_problem, store_file,
                       too_large_message)
from app.workflow.engine import UploadedFileInfo
from app.workflow.fields import label_text
from models import Application, ApplicationFile, AuditEvent, StoredFile, User

FILE_PURPOSE_RESULT = "result"


@dataclass
class Upload:
    key: str
    incoming: IncomingFile
    spec: dict

    @property
    def info(self) -> UploadedFileInfo:
        return UploadedFileInfo(filename=self.incoming.filename, size=self.incoming.size,
                                kind=self.incoming.kind)


def classify_uploads(files: dict[str, IncomingFile], service_spec: dict, form_spec: list[dict]):
    """Split uploads into required documents (checked here against their slot) and transition-form
    files (checked by the engine); anything else is refused."""
    doc_specs = {d["key"]: d for d in service_spec.get("documents", [])}
    form_files = {f["key"]: f for f in form_spec if f.get("type") == "file"}
    requirements, form_uploads, errors = {}, {}, {}
    for key, incoming in files.items():
        if key in form_files:
            # the engine checks the kind and size against the form; the content is checked here
            problem = filename_problem(incoming.filename) or \
                (too_large_message(form_files[key].get("max_mb")) if incoming.too_large else None) or \
                content_problem(incoming)
            if problem:
                errors[key] = problem
            else:
                form_uploads[key] = Upload(key, incoming, form_files[key])
        elif key in doc_specs:
            spec = doc_specs[key]
            problem = check_file(incoming, spec.get("types"), spec.get("max_mb"))
            if problem:
                errors[key] = problem
            else:
                requirements[key] = Upload(key, incoming, spec)
        else:
            errors[key] = translate(N_("Berkas '%(key)s' tidak dikenal untuk permohonan ini."), key=key)
    return requirements, form_uploads, errors


def attach_files(application: Application, uploads: dict[str, Upload], *, purpose: str | None,
                 store: FileStore, actor: User | None, form_spec: list[dict] | None = None,
                 event: AuditEvent | None = None) -> dict[str, StoredFile]:
    saved = {}
    session = db.session
    for key, upload in uploads.items():
        file_purpose = purpose or upload.spec.get("document") or "other"
        is_customer = actor is not None and actor.id == application.customer_id
        stored = store_file(store, upload.incoming, owner_id=actor.id if actor else None,
                            label=label_text(upload.spec.get("label")) or key,
                            in_library=is_customer)
        session.add(stored)
        session.flush()
        if file_purpose == "requirement":
            for previous in application.files:
                if previous.purpose == "requirement" and previous.doc_key == key:
                    previous.superseded = True
        application.files.append(ApplicationFile(
            file_id=stored.id, purpose=file_purpose, doc_key=key,
            audit_event_id=event.id if event else None,
            uploaded_by_id=actor.id if actor else None))
        saved[key] = stored
    return saved
