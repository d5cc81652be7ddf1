"""A message in an application's thread (customer ↔ staff); the other side is notified."""
from __future__ import annotations

from flask import current_app

from app.security.access import ensure_visible
from app.commands.complaint import notify_user
from app.core.errors import N_, ValidationError, translate
from app.extensions import db
from app.commands.base import Command
from models import Application, Message

MAX_LENGTH = 5000


class PostMessageCommand(Command):
    def __init__(self, application_id: int, sender, body: str):
        self.application_id = application_id
        self.sender = sender
        self.body = (body or "").strip()

    def validate(self) -> Application:
        application = ensure_visible(db.session.get(Application, self.application_id), self.sender)
        if not self.body:
            raise ValidationError(details={"field_errors": {"body": translate(N_("Pesan tidak boleh kosong."))}})
        if len(self.body) > MAX_LENGTH:
            raise ValidationError(details={"field_errors": {
                "body": translate(N_("Pesan paling banyak %(n)s karakter."), n=MAX_LENGTH)}})
        return application

    def _run(self) -> Message:
        application = self.validate()
        message = Message(application_id=application.id, sender_id=self.sender.id, body=self.body)
        db.session.add(message)
        if self.sender.id != application.customer_id:
            base = current_app.config.get("PORTAL_BASE_URL", "").rstrip("/")
            subject = translate(N_("Pesan baru tentang permohonan %(ref)s"), ref=application.reference)
            notify_user(application.customer_id, subject,
                        f"{self.body}\n\n{base}/portal/permohonan/{application.id}",
                        application_id=application.id, email=application.customer.email or "")
        return message
