"""In-app messages the customer reads on the portal (one per outbox row: ``outbox_id`` is unique)."""
from __future__ import annotations

from sqlalchemy import exists, select

from app.extensions import db
from app.outbox.channels.base import Channel, Delivery, DeliveryError, register
from models import InboxMessage


@register
class InboxChannel(Channel):
    name = "inbox"
    transactional = True

    def deliver(self, row, delivery: Delivery) -> None:
        if row.recipient_id is None:
            raise DeliveryError("pesan kotak masuk tanpa penerima", permanent=True)
        if db.session.scalar(select(exists().where(InboxMessage.outbox_id == row.id))):
            return
        payload = row.payload or {}
        db.session.add(InboxMessage(user_id=row.recipient_id, application_id=row.application_id,
                                    outbox_id=row.id, subject=(payload.get("subject") or "Pemberitahuan")[:255],
                                    body=payload.get("body") or ""))
