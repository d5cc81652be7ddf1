"""Email through Flask-Mail to the configured SMTP server."""
from __future__ import annotations

import smtplib

from flask import current_app
from flask_mail import Connection, Mail, Message

from app.outbox.channels.base import Channel, Delivery, DeliveryError, register


def _domain(sender: str) -> str:
    address = sender.rsplit("<", 1)[-1].rstrip(">")
    return address.rsplit("@", 1)[-1] if "@" in address else "satupintu.local"


@register
class EmailChannel(Channel):
    """Not repeatable: SMTP has no idempotency, so a worker that died after handing the message
    over leaves the row for an administrator (the Message-ID still lets mail clients spot a
    duplicate if they retry it)."""

    name = "email"

    def deliver(self, row, delivery: Delivery) -> None:
        config = current_app.config
        # read the settings on every send: the SMTP server may be reconfigured without a restart
        state = Mail().init_mail(config, testing=current_app.testing)
        sender = config.get("MAIL_DEFAULT_SENDER") or "no-reply@satupintu.local"
        message = Message(subject=(row.payload or {}).get("subject") or "(tanpa judul)",
                          recipients=[row.recipient_address], body=(row.payload or {}).get("body") or "",
                          sender=sender,
                          extra_headers={"Message-ID": f"<outbox-{row.id}@{_domain(sender)}>",
                                         "X-SatuPintu-Outbox": str(row.id)})
        try:
            # Connection(state), not state.send(): that would use the settings read at start-up
            with Connection(state) as connection:
                connection.send(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError(f"alamat ditolak server SMTP: {error.recipients}", permanent=True) from error
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"SMTP {config.get('MAIL_SERVER')}:{config.get('MAIL_PORT')}: {error}") from error
