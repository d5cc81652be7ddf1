"""UU PDP retention: destroy the required documents of closed applications once their period ran out.

A document of an application in a final state is kept ``retention_days`` (the rules' document entry,
default ``DOCUMENT_RETENTION_DAYS``) after ``closed_at``; then its ApplicationFile row, its
StoredFile row (unless something else still uses it) and its bytes go, and an audit event on the
application records what was destroyed. Rows are deleted in one transaction per application; the
bytes are removed after that commit (a crash in between leaves only files without a row, which the
files sweep removes).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from app.core.errors import N_
from app.extensions import db
from app.storage.files import FileStore
from app.storage.pdp import retention_days
from app.commands.rules.state import rules_state
from app.commands.application.sla_clock import FINAL_KINDS
from models import (Application, ApplicationFile, Asset, AuditEvent, GeneratedDocument, Message, Payment,
                    RulesVersion)
from models.base import utcnow

log = logging.getLogger(__name__)
RETENTION_ACTION = "retensi_dimusnahkan"


@dataclass
class RetentionReport:
    dry_run: bool
    destroyed: list[dict] = field(default_factory=list)   # one entry per document

    @property
    def applications(self) -> int:
        return len({d["application_id"] for d in self.destroyed})


class RetentionRunCommand:
    def __init__(self, *, now: datetime | None = None, dry_run: bool = False, batch: int = 200):
        self.now = now or utcnow()
        self.dry_run = dry_run
        self.batch = batch
        self.store = FileStore.current()

    def _shortest_period(self) -> int:
        """The shortest retention any rules version gives: no closed application younger than that
        can have anything to destroy, so the query can skip them."""
        days = [int(current_app.config["DOCUMENT_RETENTION_DAYS"])]
        state = rules_state()
        for version_id in db.session.scalars(select(RulesVersion.id)):
            for service in state.rules_for(version_id).data.get("services", {}).values():
                days += [int(d["retention_days"]) for d in service.get("documents", []) if d.get("retention_days")]
        return min(days)

    def run(self) -> RetentionReport:
        """Every closed application that may hold an expired document, in id batches (keyset), so
        applications whose other documents are kept longer never crowd out the rest."""
        report = RetentionReport(dry_run=self.dry_run)
        horizon = self.now - timedelta(days=self._shortest_period())
        last_id = 0
        while True:
            applications = db.session.scalars(
                select(Application).where(
                    Application.id > last_id, Application.state_kind.in_(FINAL_KINDS),
                    Application.closed_at.is_not(None), Application.closed_at <= horizon,
                    exists().where(ApplicationFile.application_id == Application.id,
                                   ApplicationFile.purpose == "requirement"))
                .options(selectinload(Application.files).selectinload(ApplicationFile.file),
                         selectinload(Application.service_type))
                .order_by(Application.id).limit(self.batch)).all()
            if not applications:
                break
            last_id = applications[-1].id
            for application in applications:
                expired = [f for f in application.files if f.purpose == "requirement" and application.closed_at
                           + timedelta(days=retention_days(application, f.doc_key)) <= self.now]
                if expired:
                    report.destroyed += self._destroy(application, expired)
            db.session.expunge_all()   # a batch at a time in memory
        db.session.rollback()
        return report

    def _destroy(self, application: Application, expired: list[ApplicationFile]) -> list[dict]:
        session = db.session
        entries = [{"application_id": application.id, "number": application.number or application.receipt or "",
                    "doc_key": f.doc_key, "application_file_id": f.id, "stored_file_id": f.file_id,
                    "file_name": f.file.original_name, "size": f.file.size, "sha256": f.file.sha256,
                    "closed_at": application.closed_at.isoformat(timespec="seconds"),
                    "retention_days": retention_days(application, f.doc_key)} for f in expired]
        if self.dry_run:
            return entries
        doomed_paths = []
        try:
            for item in expired:
                stored = item.file
                application.files.remove(item)
                session.delete(item)
                session.flush()
                if not _still_used(stored.id):
                    doomed_paths.append(stored.storage_path)
                    session.delete(stored)
            session.add(AuditEvent(
                application_id=application.id, actor_id=None, actor_roles=[], action=RETENTION_ACTION,
                action_label=N_("Dokumen dimusnahkan (masa retensi berakhir)"),
                from_state=application.state, to_state=application.state,
                note=", ".join(f"{e['doc_key']}: {e['file_name']}" for e in entries),
                values={"destroyed": entries}, rules_version_id=application.rules_version_id))
            session.commit()
        except BaseException:
            session.rollback()
            raise
        for storage_path in doomed_paths:
            try:
                self.store.path_of(storage_path).unlink()
            except FileNotFoundError:
                pass
        log.info("retention: application %s, %d document(s) destroyed", application.id, len(entries))
        return entries


def _still_used(stored_file_id: int) -> bool:
    """Anything other than the deleted attachment that still points at this stored file."""
    checks = (
        exists().where(ApplicationFile.file_id == stored_file_id),
        exists().where(GeneratedDocument.file_id == stored_file_id),
        exists().where(Payment.proof_file_id == stored_file_id),
        exists().where(Message.attachment_file_id == stored_file_id),
        exists().where(Asset.photo_file_id == stored_file_id),
    )
    return any(db.session.scalar(select(check)) for check in checks)
