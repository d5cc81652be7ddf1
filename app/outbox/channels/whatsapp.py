"""WhatsApp through an HTTP gateway: ``POST WHATSAPP_GATEWAY_URL`` with a bearer token and JSON
``{to, message, reference}``. The ``Idempotency-Key`` header (``outbox-<id>``) lets the gateway
drop a repeat, so a row interrupted mid-way is simply tried again."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from flask import current_app

from app.outbox.channels.base import Channel, Delivery, DeliveryError, register


@register
class WhatsAppChannel(Channel):
    name = "whatsapp"
    idempotent = True

    def deliver(self, row, delivery: Delivery) -> None:
        config = current_app.config
        url = config.get("WHATSAPP_GATEWAY_URL")
        if not url:
            raise DeliveryError("WHATSAPP_GATEWAY_URL belum diatur")
        body = json.dumps({"to": row.recipient_address, "message": (row.payload or {}).get("body") or "",
                           "reference": f"outbox-{row.id}"}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"outbox-{row.id}"}
        if config.get("WHATSAPP_GATEWAY_TOKEN"):
            headers["Authorization"] = f"Bearer {config['WHATSAPP_GATEWAY_TOKEN']}"
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=float(config.get("WHATSAPP_TIMEOUT_SECONDS", 10))) as response:
                response.read(65536)
        except urllib.error.HTTPError as error:
            permanent = 400 <= error.code < 500 and error.code not in (408, 425, 429)
            raise DeliveryError(f"gateway WhatsApp menjawab {error.code}", permanent=permanent) from error
        except (urllib.error.URLError, OSError) as error:
            raise DeliveryError(f"gateway WhatsApp tidak terjangkau: {error}") from error
