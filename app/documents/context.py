"""What a document template sees: the agency's letterhead and accounts, the application, its
customer, cart, payment, results, the signatory, the document's own number, and the QR code.

The variables are listed in each template's header comment (``templates/documents/*.html``).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.documents.qr import qr_img_tag
from app.extensions import db
from app.core.formatting import (format_address, format_date, format_datetime, format_money, format_number,
                            format_phone)
from app.outbox.notify import display_name
from app.rules.model import Rules
from app.workflow.fields import label_text
from models import (Application, AuditEvent, BankAccount, CustomerProfile, GeneratedDocument, Signatory)
from models.base import utcnow


def _text(label, default: str = "") -> str:
    return label_text(label) or default


def verify_url(code: str) -> str:
    return f"{current_app.config['PORTAL_BASE_URL'].rstrip('/')}/verify/{code}"


DEFAULT_LOCALE = "id"  # documents are legal texts in Indonesian unless the rules say otherwise


def local_date(application: Application, when, locale: str = DEFAULT_LOCALE) -> str:
    """The day ``when`` (UTC) falls on in the agency's zone: ``30 November 2026``."""
    return format_date(when, application.timezone, locale=locale) if when else "-"


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
    current = [p for p in application.payments if p.superseded_at is None and p.kind != "refund"]
    if not current:
        return None
    payment = current[-1]
    tz = application.agency.timezone or "Asia/Jakarta"
    return {"billing_code": payment.billing_code or "", "amount": payment.amount,
            "computation": payment.computation or "",
            "due": format_datetime(payment.due_at, tz) if payment.due_at else ""}


# ---- fees (issue 13, item 7)
def deposit_info(application: Application) -> dict | None:
    """The validated deposit and its transfers back (agency-local dates as recorded), or None."""
    deposit = next((p for p in reversed(application.payments)
                    if p.kind == "deposit" and p.status == "valid" and p.superseded_at is None), None)
    if deposit is None:
        return None
    received = deposit.amount_received if deposit.amount_received is not None else deposit.amount
    refunds = [{"amount": p.amount, "date": p.paid_on or "", "account": p.refund_account or "-",
                "reference": p.bank_reference or ""}
               for p in application.payments if p.kind == "refund" and p.refund_of_id == deposit.id]
    returned = sum((r["amount"] for r in refunds), type(received)(0))
    return {"amount": received, "paid_on": deposit.paid_on or "", "refunds": refunds,
            "refunded": returned, "left": received - returned}
# ---- end fees


def location_info(location: dict | None) -> dict:
    """The application's location for a document: every part as text (an empty one is "", never
    None) and ``address``, the filled parts once each: ``Jl. Poros Km 21 RT/RW 004/002, Sungai
    Siring, Kota Samarinda, Kalimantan Timur``."""
    location = {k: ("" if v is None else v) for k, v in dict(location or {}).items()}
    street = " ".join(p for p in (str(location.get("street", "")).strip(),
                                  f"RT/RW {location['rt_rw']}" if location.get("rt_rw") else "") if p)
    location["address"] = format_address(street, *(str(location.get(k, "")) for k in
                                                   ("village", "district", "regency", "province")),
                                         str(location.get("postal_code", "")))
    return location


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


def _field_value(spec: dict, key: str, value, locale: str = DEFAULT_LOCALE) -> str:
    field = next((f for f in spec.get("fields", []) if f["key"] == key), {})
    if value not in (None, "") and field.get("type") == "money":
        return format_money(value, locale=locale)
    if value not in (None, "") and field.get("type") in ("number", "integer"):
        return format_number(value, locale=locale)
    if value not in (None, "") and field.get("type") == "phone":
        return format_phone(value)
    if value not in (None, "") and field.get("type") == "date":
        return format_date(value, locale=locale)
    if field.get("type") == "select":
        for option in field.get("options", []):
            if option["value"] == value:
                return _text(option.get("label"), str(value))
    if field.get("type") == "checkbox":
        return "Ya" if value else "Tidak"
    if field.get("type") == "group" and isinstance(value, list):   # repeatable group (issue 13): one row per line
        # in the order the rules declare the sub-fields (PostgreSQL's JSON keeps its own key order)
        keys = [f["key"] for f in field.get("fields", [])]
        return "; ".join(", ".join(f"{_field_label(field, k)}: {_field_value(field, k, row[k], locale)}"
                                   for k in [*keys, *(k for k in row if k not in keys)]
                                   if k in row and row[k] not in (None, ""))
                         for row in value if isinstance(row, dict)) or "-"
    if field.get("type") == "coordinates" and isinstance(value, dict):
        return f"{value.get('lat')}, {value.get('lng')}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "-" if value in (None, "") else str(value)


def _typed_data(spec: dict, data: dict, locale: str) -> dict:
    """The application's fields for templates that read them one by one (``d.get(...)``): numbers,
    amounts and phone numbers already written the Indonesian way (``12,5``, ``Rp 50.000``)."""
    types = {f["key"]: f.get("type") for f in spec.get("fields", [])}
    groups = {f["key"]: f for f in spec.get("fields", []) if f.get("type") == "group"}
    return {k: (_field_value(spec, k, v, locale) if types.get(k) in ("number", "integer", "money", "phone") and v not in (None, "")
                # a repeatable group (issue 13): its rows, each written the same way by its sub-fields
                else [_typed_data(groups[k], row, locale) for row in v if isinstance(row, dict)]
                if k in groups and isinstance(v, list) else v) for k, v in data.items()}


def _number_values(values: dict, locale: str) -> dict:
    """Form values of the timeline: numbers as numbers are written (``12,5``), the rest unchanged."""
    return {k: format_number(v, locale=locale) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
            for k, v in values.items()}


def work_items_info(application: Application, service_spec: dict) -> dict | None:
    """The work rows (``work_items`` in the rules) with their column values as printed."""
    spec = service_spec.get("work_items")
    if not spec:
        return None
    columns = [c for c in spec.get("columns", []) if c.get("type") != "file"]

    def cell(column, value):
        if value in (None, ""):
            return "-"
        if column.get("type") == "select":
            for option in column.get("options", []):
                if str(option.get("value")) == str(value):
                    return _text(option.get("label"), str(value))
        return str(value)

    return {"label": _text(spec.get("label")),
            "columns": [{"key": c["key"], "label": _text(c.get("label"), c["key"])} for c in columns],
            "rows": [{"no": row.position, "code": row.code, "name": row.name, "status": row.status,
                      "validated": row.status == "validated",
                      "values": {c["key"]: cell(c, (row.values or {}).get(c["key"])) for c in columns}}
                     for row in application.work_items]}


def document_context(doc: GeneratedDocument, rules: Rules) -> dict:
    application = doc.application
    agency = application.agency
    service_key = application.service_type.key
    service_spec = rules.service(service_key) if rules.has_service(service_key) else {}
    doc_spec = rules.document(doc.doc_key) if rules.has_document(doc.doc_key) else {}
    locale = str(doc_spec.get("locale") or DEFAULT_LOCALE)
    zone = application.timezone
    kinds = dict(rules.request_kinds())
    accounts = db.session.scalars(select(BankAccount).where(
        BankAccount.agency_id == agency.id, BankAccount.active.is_(True)).order_by(BankAccount.id)).all()
    # the officer named on the document: its signer, else the agency's first signatory
    signatory = db.session.get(Signatory, doc.signatory_id) if doc.signatory_id else \
        db.session.scalar(select(Signatory).where(Signatory.agency_id == agency.id).order_by(Signatory.id).limit(1))
    payment = next((p for p in reversed(application.payments) if p.status == "valid" and p.kind == "fee"), None)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.application_id == application.id)
                                .order_by(AuditEvent.id)).all()
    values: dict = {}
    for event in events:            # the latest answer of each form field, across the timeline
        values.update({k: v for k, v in (event.values or {}).items() if not isinstance(v, dict)})
    asset = application.asset
    url = verify_url(doc.verify_code)
    data = dict(application.data or {})
    profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == application.customer_id))
    return {
        "locale": locale, "zone": zone,
        "agency": {"name": agency.name, "short_name": agency.short_name or agency.name,
                   "code": agency.code, "address": agency.address, "phone": format_phone(agency.phone) if agency.phone else "",
                   "email": agency.email,
                   "bank_accounts": [{"bank": a.bank, "number": a.number, "holder": a.holder}
                                     for a in accounts]},
        "document": {"number": doc.number or "", "label": _text(doc_spec.get("label"), doc.doc_key),
                     "kind": doc.kind, "date": local_date(application, doc.created_at or utcnow(), locale),
                     "signed": bool(doc.signed)},
        "customer": {"name": display_name(application.customer),
                     "address": profile.full_address if profile else "",
                     "organisation": (profile.organisation_name or "") if profile else "",
                     "phone": format_phone(profile.phone) if profile and profile.phone else ""},
        "service": {"name": application.service_type.name, "code": application.service_type.code},
        "app": {
            "id": application.id, "number": application.number, "receipt": application.receipt,
            # when it was submitted, in the agency's zone with the zone's name (30 November 2026, 01.29 WITA)
            "created_at": format_datetime(application.submitted_at or application.created_at, zone, locale=locale),
            "submitted_at": format_datetime(application.submitted_at or application.created_at, zone, locale=locale),
            "request_kind": application.request_kind,
            "request_kind_label": _text(kinds.get(application.request_kind, {}).get("label"),
                                        application.request_kind),
            "company": dict(application.company or {}), "location": location_info(application.location),
            "numbers": dict(application.numbers or {}), "data": _typed_data(service_spec, data, locale),
            "cart": [{"code": line.item.code, "name": line.item.name, "unit": line.item.unit,
                      "qty": line.quantity, "price": line.unit_price, "amount": line.amount,
                      "note": line.note} for line in application.cart_lines],
            "total": application.total_amount,
        },
        "details": [{"label": _field_label(service_spec, k), "value": _field_value(service_spec, k, v, locale)}
                    for k, v in data.items()
                    if not isinstance(v, dict) or "lat" in v],
        "payment": payment_info(payment) if payment else None,
        "validity": validity_info(doc, doc_spec.get("validity")),
        "invoice": invoice_info(application),
        "deposit": deposit_info(application),
        "results": [{"name": f.file.label or f.file.original_name} for f in application.files
                    if f.purpose == "result" and not f.superseded],
        "asset": {"name": asset.name, "brand": asset.brand, "model": asset.model,
                  "serial": asset.serial_number, "capacity": asset.capacity} if asset else None,
        "values": _number_values(values, locale),
        "work_items": work_items_info(application, service_spec),
        # the date of each action's latest audit event (e.g. when the sample was received)
        "action_dates": {e.action: local_date(application, e.created_at, locale) for e in events},
        "signatory": signatory_info(signatory),
        "qr_img": qr_img_tag(url),
        "verify_url": url,
    }
