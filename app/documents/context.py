"""What a document template sees: the agency's letterhead and accounts, the application, its
customer, cart, payment, results, the signatory, the document's own number, and the QR code.

The variables are listed in each template's header comment (``templates/documents/*.html``).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.documents.qr import qr_img_tag
from app.extensions import db
from app.notify import display_name, format_date
from app.sla import to_local
from app.workflow.fields import label_text
from models import (Application, AuditEvent, BankAccount, GeneratedDocument, Signatory)
from models.base import utcnow


def _text(label, default: str = "") -> str:
    return label_text(label) or default


def verify_url(code: str) -> str:
    return f"{current_app.config['PORTAL_BASE_URL'].rstrip('/')}/verify/{code}"


def local_date(application: Application, when) -> str:
    return format_date(to_local(when, application.agency.timezone or "Asia/Jakarta")) if when else "-"


def mask_name(name: str) -> str:
    """``Budi Santoso`` → ``Bu** Sa*****``: enough to recognise, not to harvest."""
    parts = []
    for word in (name or "").split():
        keep = 2 if len(word) > 3 else 1
        parts.append(word[:keep] + "*" * max(len(word) - keep, 1))
    return " ".join(parts) or "-"


def signatory_info(signatory: Signatory | None) -> dict | None:
    if signatory is None:
        return None
    return {"name": signatory.name, "nip": signatory.nip, "title": signatory.title}


def payment_info(payment) -> dict:
    """The validated payment as the treasurer recorded it (``amount`` is what was due)."""
    received = payment.amount_received
    return {"reference": payment.bank_reference or payment.reference_no or "-",
            "customer_reference": payment.reference_no or "", "bank_reference": payment.bank_reference or "",
            "paid_on": payment.paid_on or "-", "ntpn": payment.ntpn or "", "billing_code": payment.billing_code or "",
            "bank": repr(payment.bank_account) if payment.bank_account else "-",
            "amount": payment.amount, "amount_due": payment.amount,
            "amount_received": received if received is not None else payment.amount,
            "received_recorded": received is not None, "shortfall": payment.shortfall}


def invoice_info(application: Application) -> dict | None:
    """The current invoice: its billing code and due date (agency-local), or None."""
    current = [p for p in application.payments if p.superseded_at is None]
    if not current:
        return None
    payment = current[-1]
    tz = application.agency.timezone or "Asia/Jakarta"
    return {"billing_code": payment.billing_code or "", "amount": payment.amount,
            "due": format_date(to_local(payment.due_at, tz), with_time=True) if payment.due_at else ""}


def validity_period_text(spec: dict | None) -> str:
    if not spec:
        return ""
    for unit, word in (("years", "tahun"), ("months", "bulan"), ("days", "hari")):
        if spec.get(unit):
            return f"{spec[unit]} {word}"
    return ""


def validity_info(doc: GeneratedDocument, spec: dict | None) -> dict | None:
    """``{from, until, period}`` formatted, or None when the document does not expire."""
    if doc.valid_until is None:
        return None
    return {"from": format_date(doc.valid_from), "until": format_date(doc.valid_until),
            "period": validity_period_text(spec), "until_date": doc.valid_until}


def _field_label(spec: dict, key: str) -> str:
    for field in spec.get("fields", []):
        if field["key"] == key:
            return _text(field.get("label"), key)
    return key.replace("_", " ").capitalize()


def _field_value(spec: dict, key: str, value) -> str:
    field = next((f for f in spec.get("fields", []) if f["key"] == key), {})
    if field.get("type") == "select":
        for option in field.get("options", []):
            if option["value"] == value:
                return _text(option.get("label"), str(value))
    if field.get("type") == "checkbox":
        return "Ya" if value else "Tidak"
    if field.get("type") == "coordinates" and isinstance(value, dict):
        return f"{value.get('lat')}, {value.get('lng')}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "-" if value in (None, "") else str(value)


def document_context(doc: GeneratedDocument, rules_data: dict) -> dict:
    application = doc.application
    agency = application.agency
    service_spec = rules_data["services"].get(application.service_type.key, {})
    doc_spec = rules_data.get("documents", {}).get(doc.doc_key, {})
    kinds = rules_data.get("request_kinds", {})
    accounts = db.session.scalars(select(BankAccount).where(
        BankAccount.agency_id == agency.id, BankAccount.active.is_(True)).order_by(BankAccount.id)).all()
    # the officer named on the document: its signer, else the agency's first signatory
    signatory = db.session.get(Signatory, doc.signatory_id) if doc.signatory_id else \
        db.session.scalar(select(Signatory).where(Signatory.agency_id == agency.id).order_by(Signatory.id).limit(1))
    payment = next((p for p in reversed(application.payments) if p.status == "valid"), None)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.application_id == application.id)
                                .order_by(AuditEvent.id)).all()
    values: dict = {}
    for event in events:            # the latest answer of each form field, across the timeline
        values.update({k: v for k, v in (event.values or {}).items() if not isinstance(v, dict)})
    asset = application.asset
    url = verify_url(doc.verify_code)
    data = dict(application.data or {})
    return {
        "agency": {"name": agency.name, "short_name": agency.short_name or agency.name,
                   "code": agency.code, "address": agency.address, "phone": agency.phone,
                   "email": agency.email,
                   "bank_accounts": [{"bank": a.bank, "number": a.number, "holder": a.holder}
                                     for a in accounts]},
        "document": {"number": doc.number or "", "label": _text(doc_spec.get("label"), doc.doc_key),
                     "kind": doc.kind, "date": local_date(application, doc.created_at or utcnow()),
                     "signed": bool(doc.signed)},
        "customer": {"name": display_name(application.customer)},
        "service": {"name": application.service_type.name, "code": application.service_type.code},
        "app": {
            "id": application.id, "number": application.number, "receipt": application.receipt,
            "created_at": local_date(application, application.created_at),
            "request_kind": application.request_kind,
            "request_kind_label": _text(kinds.get(application.request_kind, {}).get("label"),
                                        application.request_kind),
            "company": dict(application.company or {}), "location": dict(application.location or {}),
            "numbers": dict(application.numbers or {}), "data": data,
            "cart": [{"code": line.item.code, "name": line.item.name, "unit": line.item.unit,
                      "qty": line.quantity, "price": line.unit_price, "amount": line.amount,
                      "note": line.note} for line in application.cart_lines],
            "total": application.total_amount,
        },
        "details": [{"label": _field_label(service_spec, k), "value": _field_value(service_spec, k, v)}
                    for k, v in data.items()
                    if not isinstance(v, dict) or "lat" in v],
        "payment": payment_info(payment) if payment else None,
        "validity": validity_info(doc, doc_spec.get("validity")),
        "invoice": invoice_info(application),
        "results": [{"name": f.file.label or f.file.original_name} for f in application.files
                    if f.purpose == "result" and not f.superseded],
        "asset": {"name": asset.name, "brand": asset.brand, "model": asset.model,
                  "serial": asset.serial_number, "capacity": asset.capacity} if asset else None,
        "values": values,
        "signatory": signatory_info(signatory),
        "qr_img": qr_img_tag(url),
        "verify_url": url,
    }
