"""Staff answer a complaint (pengaduan): reply, set its status, notify the customer — one transaction."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.security.access import can_see, is_admin, staff_profile
from app.core.errors import N_, NotFoundError, ValidationError, translate
from app.extensions import db
from app.commands.base import Command
from models import Application, Complaint, OutboxMessage
from models.base import utcnow

COMPLAINT_STATUSES = {"baru": N_("Baru"), "diproses": N_("Diproses"), "selesai": N_("Selesai")}


def scope_complaints(stmt, user):
    """Complaints a staff member may see: their agency's (and those about applications they see)."""
    if user is None or not getattr(user, "id", None):
        return stmt.where(Complaint.id.is_(None))
    if is_admin(user):
        return stmt
    profile = staff_profile(user)
    if profile is None:
        return stmt.where(Complaint.id.is_(None))
    return stmt.where(Complaint.agency_id == profile.agency_id)


def complaint_visible(complaint: Complaint | None, user) -> Complaint:
    if complaint is None:
        raise NotFoundError()
    visible = db.session.scalar(scope_complaints(select(Complaint.id).where(Complaint.id == complaint.id), user))
    if visible is None:
        raise NotFoundError()
    if complaint.application_id and not is_admin(user):
        application = db.session.get(Application, complaint.application_id)
        if application is not None and not can_see(application, user):
            raise NotFoundError()
    return complaint


def notify_user(user_id: int, subject: str, body: str, *, application_id: int | None = None,
                email: str = "") -> list[OutboxMessage]:
    """An in-app inbox message and an email to one user, through the outbox (sent after commit)."""
    rows = [OutboxMessage(kind="notification", channel="inbox", recipient_id=user_id,
                          recipient_address=str(user_id), application_id=application_id,
                          template="", payload={"subject": subject, "body": body})]
    if email:
        rows.append(OutboxMessage(kind="notification", channel="email", recipient_id=user_id,
                                  recipient_address=email, application_id=application_id,
                                  template="", payload={"subject": subject, "body": body}))
    db.session.add_all(rows)
    return rows


class ReplyComplaintCommand(Command):
    def __init__(self, complaint_id: int, actor, *, reply: str, status: str):
        self.complaint_id = complaint_id
        self.actor = actor
        self.reply = (reply or "").strip()
        self.status = status

    def validate(self) -> Complaint:
        complaint = complaint_visible(db.session.get(Complaint, self.complaint_id), self.actor)
        errors = {}
        if self.status not in COMPLAINT_STATUSES:
            errors["status"] = translate(N_("Status pengaduan tidak dikenal."))
        if not self.reply and self.status == "selesai" and not complaint.reply:
            errors["reply"] = translate(N_("Tuliskan jawaban sebelum menandai pengaduan selesai."))
        if len(self.reply) > 5000:
            errors["reply"] = translate(N_("Jawaban paling banyak 5000 karakter."))
        if errors:
            raise ValidationError(details={"field_errors": errors})
        return complaint

    def _run(self) -> Complaint:
        complaint = self.validate()
        changed_status = complaint.status != self.status
        complaint.status = self.status
        if self.reply:
            complaint.reply = self.reply
            complaint.replied_by_id = self.actor.id
            complaint.replied_at = utcnow()
        if self.reply or changed_status:
            status = translate(COMPLAINT_STATUSES[self.status])
            subject = translate(N_("Tanggapan pengaduan Anda (%(status)s)"), status=status)
            body = self.reply or translate(N_("Status pengaduan Anda kini: %(status)s."), status=status)
            base = current_app.config.get("PORTAL_BASE_URL", "").rstrip("/")
            body = f"{body}\n\n{base}/portal/pengaduan"
            notify_user(complaint.user_id, subject, body, application_id=complaint.application_id,
                        email=_email_of(complaint.user_id))
        return complaint


def _email_of(user_id: int) -> str:
    from models import User
    user = db.session.get(User, user_id)
    return (user.email or "") if user else ""
