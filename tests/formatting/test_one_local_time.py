"""One Kaltim application, one local time: submitted at 17:29 UTC on Sunday 29 November 2026, which is
Monday 30 November 01:29 in Samarinda (WITA). Every place that shows it — the staff page and
Flask-AppBuilder's screens, the portal, /lacak, the email (through a real SMTP server), the PDF
(read back with pypdf) — prints the same WITA text, and the API gives the same instant with +08:00.

The verifier returns it for revision on Monday 30 Nov 10:00 WITA: five working days later is
Monday 7 December (not Sunday 6 December), and the deadline is the end of that working day.
"""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.conftest import ApiClient, api_login
from tests.core.helpers import incoming
from tests.outbox.servers import SmtpServer

UTC = timezone.utc
SUBMITTED_AT = datetime(2026, 11, 29, 17, 29, tzinfo=UTC)
RETURNED_AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
SUBMITTED = "30 November 2026, 01.29 WITA"
DEADLINE = "7 Desember 2026, 23.59 WITA"
SERVICE = "kaltim_sipa"


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


@pytest.fixture
def smtp(app, monkeypatch):
    server = SmtpServer()
    server.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "WHATSAPP_GATEWAY_URL", "")
    yield server
    server.stop()


def _create(app, customer_id: int) -> int:
    from app.demo.autofill import fill_form, sample_file, sample_value
    from app.commands.application.create import COMPANY_FIELDS, LOCATION_FIELDS, CreateApplicationCommand
    from app.extensions import db
    from models import User

    with app.app_context():
        spec = app.extensions["satupintu.rules"].file_rules.data["services"][SERVICE]
        fields, _ = fill_form([f for f in spec.get("fields", []) if f.get("type") != "file"])
        files = {d["key"]: incoming(*sample_file(d.get("types"))) for d in spec.get("documents", [])}
        application = CreateApplicationCommand(
            db.session.get(User, customer_id), SERVICE, fields=fields, declaration=True, files=files,
            company={f["key"]: sample_value(f) for f in COMPANY_FIELDS},
            location={f["key"]: sample_value(f) for f in LOCATION_FIELDS}, now=SUBMITTED_AT).run()
        assert application.submitted_at == SUBMITTED_AT and application.state == "verifikasi"
        return application.id


def _act(app, app_id: int, user_id: int, action: str, now: datetime, **kwargs) -> None:
    from app.commands.application.transition import ApplicationTransitionCommand
    from app.extensions import db
    from models import User

    with app.app_context():
        ApplicationTransitionCommand(app_id, db.session.get(User, user_id), action, now=now, **kwargs).run()


def _drain(app, app_id: int) -> None:
    from app.outbox.worker import drain

    with app.app_context():
        drain(application_id=app_id)


def test_one_kaltim_application_shows_the_same_wita_times_everywhere(app, factories, smtp):
    from tests.backoffice.conftest import html_login
    from tests.portal.conftest import sign_in

    email = "pemohon.kaltim@example.test"
    customer_id, customer_name = factories.customer("person", email=email, phone="6281254321987")
    verifier_id, verifier_name = factories.staff("kaltim", "verifikator")
    app_id = _create(app, customer_id)
    _act(app, app_id, verifier_id, "kembalikan_revisi", RETURNED_AT, fields={"catatan": "Lengkapi peta."})

    from app.extensions import db
    from models import Application
    with app.app_context():
        application = db.session.get(Application, app_id)
        receipt = application.receipt
        assert application.deadlines_at["revisi"] == datetime(2026, 12, 7, 15, 59, 59, tzinfo=UTC)

    # the staff page, and Flask-AppBuilder's show screen
    staff = html_login(app, verifier_name)
    page = text_of(staff.get(f"/backoffice/permohonan/{app_id}"))
    assert SUBMITTED in page and DEADLINE in page
    assert "WIB" not in page and "UTC" not in page
    assert "+62 812-5432-1987" in page                                   # the applicant's phone
    fab = text_of(staff.get(f"/applicationview/show/{app_id}"))
    assert SUBMITTED in fab

    # the recap (the customer's turn now, so not in the verifier's queue) shows the same day and time
    recap = text_of(staff.get("/backoffice/rekap/?q=" + receipt))
    assert SUBMITTED in recap

    # the Excel recap: a real date-time cell in WITA wall-clock time, and the zone's name beside it
    from openpyxl import load_workbook
    workbook = load_workbook(io.BytesIO(staff.get("/backoffice/rekap/excel").data))
    header, *rows = list(workbook.active.values)
    row = dict(zip(header, next(r for r in rows if receipt in r)))
    assert row["Diajukan"] == datetime(2026, 11, 30, 1, 29) and row["Zona waktu"] == "WITA"

    # the portal and public tracking
    portal = sign_in(app.test_client(), customer_id)
    mine = text_of(portal.get(f"/portal/permohonan/{app_id}"))
    assert SUBMITTED in mine and DEADLINE in mine
    public = text_of(app.test_client().get(f"/lacak?nomor={receipt}"))
    assert SUBMITTED in public and DEADLINE in public

    # the API: the same instants, ISO 8601 with the agency's offset
    client = app.test_client()
    api = ApiClient(client, api_login(client, customer_name), customer_id, customer_name)
    body = api.get(f"/api/v1/application/{app_id}").get_json()["result"]
    assert body["submitted_at"] == "2026-11-30T01:29:00+08:00"
    assert body["deadlines"] == {"revisi": "2026-12-07T23:59:59+08:00"}
    assert body["timezone"] == "Asia/Makassar" and body["timezone_name"] == "WITA"
    assert body["timeline"][-1]["at"] == "2026-11-30T10:00:00+08:00"

    # the email, delivered through a real SMTP server, and the inbox
    _drain(app, app_id)
    mails = smtp.to(email)
    assert mails, "the revision email was not delivered"
    assert DEADLINE in " ".join(mails[-1].body.split())
    assert "WITA" in text_of(portal.get("/portal/inbox"))          # delivered now, shown in WITA
    from models import InboxMessage
    with app.app_context():
        message_id = db.session.scalar(select(InboxMessage.id).where(InboxMessage.user_id == customer_id)
                                       .order_by(InboxMessage.id.desc()))     # the revision, after the receipt
    assert DEADLINE in text_of(portal.get(f"/portal/inbox/{message_id}"))
    from models import OutboxMessage
    with app.app_context():
        whatsapp = db.session.scalars(select(OutboxMessage).where(OutboxMessage.application_id == app_id,
                                                                  OutboxMessage.channel == "whatsapp",
                                                                  OutboxMessage.template == "kaltim_revisi")).all()
    assert whatsapp and all(DEADLINE in row.payload["body"] for row in whatsapp)

    # the customer revises, the verifier passes it: the receipt PDF prints the same time
    from app.demo.autofill import sample_file
    with app.app_context():
        spec = app.extensions["satupintu.rules"].file_rules.data["services"][SERVICE]
    first_doc = spec["documents"][0]
    _act(app, app_id, customer_id, "kirim_revisi", datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
         files={first_doc["key"]: incoming(*sample_file(first_doc.get("types")))})
    _act(app, app_id, verifier_id, "lolos_verifikasi", datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    _drain(app, app_id)
    assert SUBMITTED in _pdf_text(app, app_id, "kaltim_resi")


def _pdf_text(app, app_id: int, doc_key: str) -> str:
    from pypdf import PdfReader

    from app.extensions import db
    from app.storage.files import FileStore
    from models import GeneratedDocument

    with app.app_context():
        doc = db.session.scalar(select(GeneratedDocument).where(GeneratedDocument.application_id == app_id,
                                                                GeneratedDocument.doc_key == doc_key))
        assert doc is not None and doc.status == "ready", doc and doc.status
        data = FileStore.current().path_of(doc.file.storage_path).read_bytes()
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


@pytest.mark.parametrize("language, expected", [("id", SUBMITTED), ("en", "30 November 2026, 01:29 WITA")])
def test_the_staff_page_follows_the_chosen_language_but_keeps_the_zone(app, factories, language, expected):
    from tests.backoffice.conftest import html_login

    customer_id, _ = factories.customer("person")
    verifier_id, verifier_name = factories.staff("kaltim", "verifikator")
    app_id = _create(app, customer_id)
    staff = html_login(app, verifier_name)
    staff.get(f"/lang/{language}")
    assert expected in text_of(staff.get(f"/backoffice/permohonan/{app_id}"))


def test_the_portal_page_writes_payments_and_the_access_log_in_the_agencys_zone(app, factories):
    """The payment history, the invoice's due time and "who opened your documents" are times of the
    application too: WITA for a Kaltim application, never the platform's WIB."""
    from decimal import Decimal

    from app.extensions import db
    from models import Application, DocumentAccess, Payment
    from tests.conftest import sign_in

    customer_id, _name = factories.customer("person")
    verifier_id, _verifier = factories.staff("kaltim", "verifikator")
    app_id = _create(app, customer_id)
    with app.app_context():
        db.session.add(Payment(application_id=app_id, amount=Decimal("50000"), status="unpaid",
                               created_at=SUBMITTED_AT, due_at=RETURNED_AT))
        db.session.add(DocumentAccess(application_id=app_id, user_id=verifier_id, doc_key="ktp", mode="preview",
                                      created_at=SUBMITTED_AT))
        db.session.commit()
        assert db.session.get(Application, app_id).agency.timezone == "Asia/Makassar"
    portal = sign_in(app.test_client(), customer_id)
    page = text_of(portal.get(f"/portal/permohonan/{app_id}"))
    assert "Bayar sebelum 30 November 2026, 10.00 WITA" in page
    assert page.count(SUBMITTED) >= 3          # submitted, invoiced, opened by the verifier
    assert "WIB" not in page and "UTC" not in page
    invoice = text_of(portal.get(f"/portal/permohonan/{app_id}/invoice"))
    assert "30 November 2026, 10.00 WITA" in invoice and "WIB" not in invoice
