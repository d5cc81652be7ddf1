"""Document jobs (channel ``pdf``): render a pending unsigned document in the worker."""
from __future__ import annotations

from app.documents.produce import DocumentError, produce_document
from app.extensions import db
from app.outbox.channels.base import Channel, Delivery, DeliveryError, register
from models import GeneratedDocument


@register
class DocumentChannel(Channel):
    name = "pdf"
    notifies = False
    transactional = True

    def deliver(self, row, delivery: Delivery) -> None:
        doc = db.session.get(GeneratedDocument, (row.payload or {}).get("document_id"))
        if doc is None:
            raise DeliveryError("dokumen tidak ditemukan", permanent=True)
        if doc.status == "ready":
            return
        if doc.signed:
            raise DeliveryError("dokumen bertanda tangan hanya dibuat saat penandatanganan", permanent=True)
        try:
            produce_document(doc, store=delivery.store)
        except DocumentError as error:
            raise DeliveryError(error.text) from error
