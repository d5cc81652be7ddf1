"""Shared helpers for the core tests: real file bytes, what the database and disk hold, and a
customer application brought to a given state through the API."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from sqlalchemy import func, select
from app.demo.autofill import SAMPLE_PDF, SAMPLE_PNG  # real files: uploads are parsed

SERVICE = "uji_layanan"
AGENCY = "balai_uji"

PDF = SAMPLE_PDF
PNG = SAMPLE_PNG
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
BIG_PDF = PDF + b"0" * (1536 * 1024)   # 1.5 MB that sniffs as PDF; the test rules allow 1 MB

DOCS = {"surat": (PDF, "surat.pdf"), "ktp": (PNG, "ktp.png")}


def incoming(data: bytes, filename: str):
    """An upload as the API would build it."""
    from werkzeug.datastructures import FileStorage

    from app.storage.files import IncomingFile

    return IncomingFile.from_storage(FileStorage(BytesIO(data), filename=filename))


@dataclass(frozen=True)
class Snapshot:
    """Everything a refused request must leave as it was."""

    state: str | None
    version: int | None
    audit_events: int
    outbox: int
    application_files: int
    stored_files: int
    payments: int
    disk: frozenset[str]


def upload_files(app) -> frozenset[str]:
    root = Path(app.config["UPLOAD_FOLDER"])
    return frozenset(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def snapshot(app, app_id: int | None = None) -> Snapshot:
    from app.extensions import db
    from models import (Application, ApplicationFile, AuditEvent, OutboxMessage, Payment,
                        StoredFile)

    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    with app.app_context():
        application = db.session.get(Application, app_id) if app_id else None
        per_app = (lambda column: column == app_id) if app_id else (lambda column: column.is_not(None))
        return Snapshot(
            state=application.state if application else None,
            version=application.version if application else None,
            audit_events=count(AuditEvent, per_app(AuditEvent.application_id)),
            outbox=count(OutboxMessage, per_app(OutboxMessage.application_id)),
            application_files=count(ApplicationFile, per_app(ApplicationFile.application_id)),
            stored_files=count(StoredFile),
            payments=count(Payment, per_app(Payment.application_id)),
            disk=upload_files(app),
        )


def application_count(app, customer_id: int) -> int:
    from app.extensions import db
    from models import Application

    with app.app_context():
        return db.session.scalar(select(func.count(Application.id))
                                 .where(Application.customer_id == customer_id))


def audit_actions(app, app_id: int) -> list[str]:
    from app.extensions import db
    from models import AuditEvent

    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.application_id == app_id)
                                       .order_by(AuditEvent.id)))


def ok(response, status: int = 200) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    return body


def submitted_application(customer, staff=None, *, upto: str = "terkirim", jenis: str = "biasa") -> int:
    """An application of SERVICE moved through the API to ``upto``: draf, terkirim, diproses or
    menunggu_bayar (staff needed after terkirim)."""
    app_id = ok(customer.create(SERVICE, fields={"jenis": jenis}, files=DOCS), 201)["result"]["id"]
    if upto == "draf":
        return app_id
    ok(customer.transition(app_id, "kirim"))
    if upto == "terkirim":
        return app_id
    ok(staff.transition(app_id, "terima"))
    if upto == "diproses":
        return app_id
    ok(staff.transition(app_id, "tagih", fields={"biaya": 250000}))
    assert upto == "menunggu_bayar", upto
    return app_id
