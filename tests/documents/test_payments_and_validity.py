"""Payments as a treasurer records them (form, kuitansi, shortfall, history, billing code, due
date and overdue), and documents that expire (validity printed, /verify, reminders by real SMTP)."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.demo.autofill import happy_path, path_to
from app.outbox.notify import format_date
from tests.backoffice.conftest import html_login
from tests.outbox.conftest import drain, rows
from tests.portal.conftest import sign_in
from tests.workflows.driver import transition

PAID_ON = (date.today() - timedelta(days=2)).isoformat()
GOOD_NTPN = "0A1B2C3D4E5F6G7H"


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def walk(office, service_key: str, to_state: str, customer=None) -> int:
    workflow = office.data["workflows"][office.data["services"][service_key]["workflow"]]
    path = path_to(workflow, to_state)
    app_id = office.create(service_key, path, customer=customer)
    office.drive(app_id, path, customer=customer)
    return app_id


def workflow_of(office, service_key: str) -> dict:
    return office.data["workflows"][office.data["services"][service_key]["workflow"]]


def payments_of(app, app_id: int) -> list:
    from app.extensions import db
    from models import Payment

    with app.app_context():
        result = db.session.scalars(select(Payment).where(Payment.application_id == app_id).order_by(Payment.id)).all()
        db.session.expunge_all()
        return result


def state_of(app, app_id: int) -> str:
    from app.extensions import db
    from models import Application

    with app.app_context():
        return db.session.scalar(select(Application.state).where(Application.id == app_id))


def tick(app, now: datetime, what: str = "all") -> dict:
    from app.commands.sla import InvoiceOverdueTick, SlaTickCommand, ValidityReminderTick

    with app.app_context():
        runner = {"all": SlaTickCommand, "invoices": InvoiceOverdueTick, "reminders": ValidityReminderTick}[what]
        return runner(now=now).run()


def portal_page(app, user_id: int, url: str) -> str:
    response = sign_in(app.test_client(), user_id).get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def valid_fields(**overrides) -> dict:
    return {"tanggal_bayar": PAID_ON, "jumlah_diterima": "150000", "referensi_bank": "TRF-2026-0042",
            "ntpn": GOOD_NTPN, "catatan": "", **overrides}


# --- the treasurer's form ----------------------------------------------------------------
@pytest.fixture(scope="module")
def to_validate(offices):
    """A BMKG application whose payment proof waits for the treasurer."""
    return walk(offices["bmkg"], "bmkg_informasi", "pembayaran_diverifikasi")


FUTURE = (date.today() + timedelta(days=3)).isoformat()


@pytest.mark.parametrize("fields, key, message", [
    ({"ntpn": "123"}, "ntpn", "NTPN harus 16 karakter huruf atau angka."),
    ({"ntpn": "<script>alert(1)</script>"}, "ntpn", "NTPN harus 16 karakter huruf atau angka."),
    ({"ntpn": "0A1B2C3D4E5F6G7H'--"}, "ntpn", "NTPN harus 16 karakter huruf atau angka."),
    ({"jumlah_diterima": "seratus ribu"}, "jumlah_diterima", None),
    ({"jumlah_diterima": "-5000"}, "jumlah_diterima", None),
    ({"jumlah_diterima": ""}, "jumlah_diterima", "Wajib diisi."),
    ({"tanggal_bayar": "2026-13-01"}, "tanggal_bayar", "Format tanggal tidak valid (TTTT-BB-HH)."),
    ({"tanggal_bayar": "29/11/2026"}, "tanggal_bayar", "Format tanggal tidak valid (TTTT-BB-HH)."),
    ({"tanggal_bayar": FUTURE}, "tanggal_bayar", "Tanggal pembayaran tidak boleh setelah hari ini."),
    ({"tanggal_bayar": ""}, "tanggal_bayar", "Wajib diisi."),
    ({"referensi_bank": "x" * 65}, "referensi_bank", "Maksimal 64 karakter."),
    ({"referensi_bank": ""}, "referensi_bank", "Wajib diisi."),
])
def test_treasurer_form_refuses_bad_values_on_the_field_and_stores_nothing(app, offices, to_validate,
                                                                             fields, key, message):
    treasurer = offices["bmkg"].staff["bendahara"]
    response = treasurer.transition(to_validate, "pembayaran_valid", valid_fields(**fields))
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["field_errors"]
    assert key in errors and (message is None or errors[key] == message), errors
    assert state_of(app, to_validate) == "pembayaran_diverifikasi"
    payment = payments_of(app, to_validate)[-1]
    assert payment.status == "submitted" and payment.amount_received is None and payment.ntpn == ""


@pytest.mark.parametrize("who", ["customer", "petugas_layanan", "admin_ptsp", "back_office"])
def test_only_the_treasurer_records_a_payment(app, offices, to_validate, who):
    office = offices["bmkg"]
    client = office.customers_by_id(office.detail(to_validate)) if who == "customer" else office.staff[who]
    response = client.transition(to_validate, "pembayaran_valid", valid_fields())
    assert response.status_code in (403, 404, 409), response.get_json()
    assert payments_of(app, to_validate)[-1].status == "submitted"


@pytest.fixture(scope="module")
def paid_short(app, offices):
    """A BMKG application paid Rp 25.000 short, recorded by the treasurer, finished and rendered."""
    office = offices["bmkg"]
    workflow = workflow_of(office, "bmkg_informasi")
    app_id = walk(office, "bmkg_informasi", "pembayaran_diverifikasi")
    due = payments_of(app, app_id)[-1].amount
    received = int(due) - 25000
    response = office.staff["bendahara"].transition(app_id, "pembayaran_valid", valid_fields(
        jumlah_diterima=str(received), ntpn=GOOD_NTPN.lower()))
    assert response.status_code == 200, response.get_json()
    rest = [t for t in happy_path(workflow) if t["from"] and t not in path_to(workflow, "pembayaran_diverifikasi")]
    after = rest[rest.index(next(t for t in rest if t["action"] == "pembayaran_valid")) + 1:]
    office.drive(app_id, after)
    assert state_of(app, app_id) == "transaksi_sukses"
    drain(app, app_id)
    return app_id, due, received


def rupiah(value) -> str:
    return "Rp " + f"{int(value):,}".replace(",", ".")


def test_treasurer_record_is_stored_and_printed_on_the_kuitansi(app, offices, paid_short):
    from app.extensions import db
    from app.storage.files import FileStore
    from models import GeneratedDocument

    app_id, due, received = paid_short
    payment = payments_of(app, app_id)[-1]
    assert (payment.status, payment.paid_on, payment.amount_received, payment.bank_reference, payment.ntpn) == \
        ("valid", PAID_ON, received, "TRF-2026-0042", GOOD_NTPN)
    with app.app_context():
        doc = db.session.scalar(select(GeneratedDocument).where(GeneratedDocument.application_id == app_id,
                                                                GeneratedDocument.doc_key == "bmkg_kuitansi"))
        assert doc.status == "ready"
        text = pdf_text(FileStore.current().path_of(doc.file.storage_path))
    flat = " ".join(text.split())
    assert "-/-" not in flat
    assert f"Tanggal bayar : {format_date(date.fromisoformat(PAID_ON))}" in flat
    assert "Referensi bank : TRF-2026-0042" in flat and f"NTPN : {GOOD_NTPN}" in flat
    assert f"Uang sejumlah : {rupiah(received)}" in flat
    assert f"Jumlah tagihan : {rupiah(due)}" in flat and "Kurang bayar : Rp 25.000" in flat


def test_shortfall_is_visible_on_the_staff_page_and_the_portal(app, offices, paid_short):
    app_id, due, received = paid_short
    office = offices["bmkg"]
    staff = html_login(app, office.staff["bendahara"].username)
    page = staff.get(f"/backoffice/permohonan/{app_id}").get_data(as_text=True)
    assert "Kurang bayar Rp 25.000" in page and f"Diterima {rupiah(received)}" in page
    assert f"NTPN {GOOD_NTPN}" in page and "Ref. bank TRF-2026-0042" in page
    customer = office.customers_by_id(office.detail(app_id))
    portal = portal_page(app, customer.user_id, f"/portal/permohonan/{app_id}")
    assert "Kurang bayar Rp 25.000" in portal and f"Diterima {rupiah(received)}" in portal


def test_back_office_form_shows_indonesian_field_errors_then_records(app, offices):
    office = offices["bmkg"]
    app_id = walk(office, "bmkg_informasi", "pembayaran_diverifikasi")
    client = html_login(app, office.staff["bendahara"].username)
    url = f"/backoffice/permohonan/{app_id}/tindakan/pembayaran_valid"
    page = client.get(url).get_data(as_text=True)
    for name in ("tanggal_bayar", "jumlah_diterima", "referensi_bank", "ntpn"):
        assert f'name="{name}"' in page
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    for fields, message in (({"ntpn": "12345"}, "NTPN harus 16 karakter huruf atau angka."),
                            ({"tanggal_bayar": FUTURE}, "Tanggal pembayaran tidak boleh setelah hari ini."),
                            ({"jumlah_diterima": ""}, "Wajib diisi.")):
        bad = client.post(url, data={"version": version, **valid_fields(**fields)})
        assert bad.status_code == 422 and message in bad.get_data(as_text=True), fields   # a refused form: 422
        assert state_of(app, app_id) == "pembayaran_diverifikasi"
        assert payments_of(app, app_id)[-1].amount_received is None
    good = client.post(url, data={"version": version, **valid_fields(jumlah_diterima="1.000.000")})
    assert good.status_code == 302, good.get_data(as_text=True)[:2000]
    payment = payments_of(app, app_id)[-1]
    assert payment.status == "valid" and payment.amount_received == 1000000 and payment.ntpn == GOOD_NTPN


# --- re-upload after suspension: history with dates -----------------------------------------
def test_suspension_reason_moves_to_dated_history_after_a_new_proof(app, offices):
    office = offices["bmkg"]
    workflow = workflow_of(office, "bmkg_informasi")
    app_id = walk(office, "bmkg_informasi", "pembayaran_diverifikasi")
    response = office.apply(app_id, transition(workflow, "pembayaran_ditangguhkan"),
                            fields={"catatan": "Bukti transfer buram."})
    assert response.status_code == 200
    response = office.apply(app_id, transition(workflow, "upload_bukti", "upload_bukti_terbaru"))
    assert response.status_code == 200
    customer = office.customers_by_id(office.detail(app_id))
    portal = portal_page(app, customer.user_id, f"/portal/permohonan/{app_id}")
    rows_html = re.findall(r'<tr class="payment-row[^"]*">(.*?)</tr>', portal, re.S)
    assert len(rows_html) == 2
    old, current = rows_html
    assert "Bukti transfer buram." in old and "Riwayat" in old and "Bukti dikirim" in old
    assert "Bukti dikirim, menunggu verifikasi" in current and "Bukti transfer buram." not in current
    staff = html_login(app, office.staff["bendahara"].username)
    page = staff.get(f"/backoffice/permohonan/{app_id}").get_data(as_text=True)
    assert "Riwayat — diganti bukti baru" in page and "Diputuskan" in page
    assert [p.status for p in payments_of(app, app_id)] == ["suspended", "submitted"]


# --- invoices: billing code, due date, overdue -------------------------------------------------
@pytest.fixture(scope="module")
def sippt_billing(offices):
    return walk(offices["sippt"], "sippt_pengujian", "pembuatan_billing")


@pytest.mark.parametrize("code, message", [
    ("12345", "Kode billing harus 15 digit angka."),
    ("1234567890123456", "Kode billing harus 15 digit angka."),
    ("12345678901234X", "Kode billing hanya boleh berisi angka."),
    ("123456789012345<script>", "Kode billing hanya boleh berisi angka."),
    ("", "Wajib diisi."),
])
def test_typed_billing_code_is_validated_on_its_field(app, offices, sippt_billing, code, message):
    response = offices["sippt"].staff["bendahara"].transition(
        sippt_billing, "terbitkan_billing", {"kode_billing": code, "batas_bayar": "2026-12-31T15:00"})
    assert response.status_code == 422
    assert response.get_json()["field_errors"]["kode_billing"] == message
    assert state_of(app, sippt_billing) == "pembuatan_billing" and payments_of(app, sippt_billing) == []


def test_billing_code_shown_and_an_expired_code_goes_back_to_the_treasurer(app, offices, sippt_billing, outbox_rows):
    office = offices["sippt"]
    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
    local = expires + timedelta(hours=7)                       # the form is in WIB (Palembang)
    response = office.staff["bendahara"].transition(sippt_billing, "terbitkan_billing", {
        "kode_billing": "8202 6112 1000 042", "batas_bayar": local.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200, response.get_json()
    payment = payments_of(app, sippt_billing)[-1]
    assert payment.billing_code == "820261121000042" and payment.due_at == expires.replace(second=0)
    customer = office.customers_by_id(office.detail(sippt_billing))
    assert "820261121000042" in portal_page(app, customer.user_id, f"/portal/permohonan/{sippt_billing}")
    invoice = portal_page(app, customer.user_id, f"/portal/permohonan/{sippt_billing}/invoice")
    assert "820261121000042" in invoice and 'id="invoice-due"' in invoice
    staff = html_login(app, office.staff["bendahara"].username).get(f"/backoffice/permohonan/{sippt_billing}")
    assert "820261121000042" in staff.get_data(as_text=True)

    assert tick(app, expires - timedelta(minutes=5), "invoices")["checked"] == 0 or \
        state_of(app, sippt_billing) == "menunggu_pembayaran"
    assert state_of(app, sippt_billing) == "menunggu_pembayaran"
    tick(app, expires + timedelta(minutes=5), "invoices")
    assert state_of(app, sippt_billing) == "pembuatan_billing"       # the rules' fire: billing_kedaluwarsa
    sent = [r for r in outbox_rows(sippt_billing) if r.template == "tagihan_jatuh_tempo"]
    assert sent and "820261121000042" in sent[0].payload["body"]
    tick(app, expires + timedelta(hours=5), "invoices")              # once per invoice
    assert len([r for r in outbox_rows(sippt_billing) if r.template == "tagihan_jatuh_tempo"]) == len(sent)

    response = office.staff["bendahara"].transition(sippt_billing, "terbitkan_billing", {
        "kode_billing": "820261121000043", "batas_bayar": (local + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 200
    old, new = payments_of(app, sippt_billing)
    assert old.superseded_at is not None and new.billing_code == "820261121000043" and new.superseded_at is None


@pytest.fixture
def outbox_rows(app):
    return lambda app_id: rows(app, app_id, kind="notification")


def test_unpaid_bmkg_invoice_past_due_notifies_once(app, offices, outbox_rows):
    office = offices["bmkg"]
    app_id = walk(office, "bmkg_informasi", "upload_bukti")
    payment = payments_of(app, app_id)[-1]
    assert payment.status == "unpaid" and payment.due_at is not None
    customer = office.customers_by_id(office.detail(app_id))
    assert "Bayar sebelum" in portal_page(app, customer.user_id, f"/portal/permohonan/{app_id}")
    tick(app, payment.due_at - timedelta(hours=1), "invoices")
    assert not [r for r in outbox_rows(app_id) if r.template.startswith("tagihan_jatuh_tempo")]
    tick(app, payment.due_at + timedelta(hours=1), "invoices")
    tick(app, payment.due_at + timedelta(days=3), "invoices")
    sent = [r for r in outbox_rows(app_id) if r.template.startswith("tagihan_jatuh_tempo")]
    to_customer = [r for r in sent if r.recipient_id == customer.user_id]
    to_treasurer = [r for r in sent if r.recipient_id == office.staff["bendahara"].user_id]
    assert {r.channel for r in to_customer} == {"email", "inbox"} and len(to_customer) == 2
    assert [r.channel for r in to_treasurer] == ["inbox"]
    assert state_of(app, app_id) == "upload_bukti"            # BMKG only reminds
    assert "terlewati" in portal_page(app, customer.user_id, f"/portal/permohonan/{app_id}")


def test_invoice_pdf_shows_the_due_date(app, offices):
    from app.extensions import db
    from app.storage.files import FileStore
    from models import GeneratedDocument

    office = offices["bmkg"]
    app_id = walk(office, "bmkg_informasi", "upload_bukti")
    drain(app, app_id)
    with app.app_context():
        doc = db.session.scalar(select(GeneratedDocument).where(GeneratedDocument.application_id == app_id,
                                                                GeneratedDocument.doc_key == "bmkg_invoice"))
        text = " ".join(pdf_text(FileStore.current().path_of(doc.file.storage_path)).split())
    assert "Jatuh Tempo :" in text


# --- documents that expire ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def licence(app, offices):
    """A finished Kaltim licence (signed) with its rendered PDF."""
    office = offices["kaltim"]
    workflow = workflow_of(office, "kaltim_akdp")
    path = happy_path(workflow)
    app_id = office.create("kaltim_akdp", path)
    office.drive(app_id, path)
    drain(app, app_id)
    from app.extensions import db
    from models import GeneratedDocument

    with app.app_context():
        doc = db.session.scalar(select(GeneratedDocument).where(GeneratedDocument.application_id == app_id,
                                                                GeneratedDocument.doc_key == "kaltim_izin"))
        return app_id, doc.id, doc.verify_code, doc.valid_from, doc.valid_until


def test_licence_validity_is_five_years_from_signing_and_printed(app, licence):
    from app.extensions import db
    from app.storage.files import FileStore
    from models import GeneratedDocument

    app_id, doc_id, code, valid_from, valid_until = licence
    assert valid_from is not None and valid_until == date(valid_from.year + 5, valid_from.month, valid_from.day) \
        - timedelta(days=1)
    with app.app_context():
        doc = db.session.get(GeneratedDocument, doc_id)
        text = " ".join(pdf_text(FileStore.current().path_of(doc.file.storage_path)).split())
    assert f"Masa berlaku : 5 tahun, {format_date(valid_from)} s.d. {format_date(valid_until)}" in text


def set_valid_until(app, doc_id: int, until: date) -> None:
    from app.extensions import db
    from models import GeneratedDocument

    with app.app_context():
        db.session.get(GeneratedDocument, doc_id).valid_until = until
        db.session.commit()


def test_verify_shows_validity_and_expired_documents_as_expired(app, client, licence):
    app_id, doc_id, code, valid_from, valid_until = licence
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Masa berlaku" in page and format_date(valid_until) in page and "(berlaku)" in page
    assert "KEDALUWARSA" not in page and "Dokumen terdaftar dan utuh" in page
    try:
        set_valid_until(app, doc_id, date.today() - timedelta(days=2))
        page = client.get(f"/verify/{code}").get_data(as_text=True)
        assert "KEDALUWARSA" in page and "Masa berlaku dokumen telah berakhir." in page
        assert "Dokumen terdaftar dan utuh" not in page
    finally:
        set_valid_until(app, doc_id, valid_until)


def test_expiry_reminder_is_emailed_once_per_threshold_with_an_extension_link(app, offices, licence, delivery):
    from app.extensions import db
    from models import Application

    smtp, gateway = delivery
    app_id, doc_id, code, valid_from, valid_until = licence
    with app.app_context():
        address = db.session.get(Application, app_id).customer.email
    before = datetime.combine(valid_until, datetime.min.time(), tzinfo=timezone.utc)
    tick(app, before - timedelta(days=70), "reminders")
    assert not [r for r in rows(app, app_id) if r.template == "dokumen_akan_berakhir"]

    first = before - timedelta(days=59)
    result = tick(app, first, "all")                    # what `flask sla tick` runs
    assert result["reminders_sent"] >= 1
    tick(app, first + timedelta(hours=6), "reminders")   # same day, again: nothing new
    drain(app, app_id)
    reminders = [r for r in rows(app, app_id) if r.template == "dokumen_akan_berakhir"]
    assert sorted(r.channel for r in reminders) == ["email", "inbox", "whatsapp"]
    mails = [m for m in smtp.to(address) if "Masa berlaku" in m.subject]
    assert len(mails) == 1
    body = mails[0].body
    assert format_date(valid_until) in " ".join(mails[0].subject.split()) and "59 hari lagi" in body
    link = re.search(r"(http\S+/portal/ajukan/kaltim_akdp\?perpanjang=\d+)", body).group(1)

    tick(app, before - timedelta(days=29), "reminders")  # the 30-day reminder
    drain(app, app_id)
    assert len([m for m in smtp.to(address) if "Masa berlaku" in m.subject]) == 2
    tick(app, before - timedelta(days=5), "reminders")
    assert len([r for r in rows(app, app_id) if r.template == "dokumen_akan_berakhir"]) == 6
    with app.app_context():
        from models import GeneratedDocument
        doc = db.session.get(GeneratedDocument, doc_id)
        assert doc.reminders_sent == [30, 60] and doc.remind_on is None    # the tick no longer looks at it

    # the link opens the wizard as an extension, prefilled from the licence
    with app.app_context():
        application = db.session.get(Application, app_id)
        owner, data = application.customer_id, dict(application.data)
    page = portal_page(app, owner, link.split("localhost", 1)[-1] if "localhost" in link else
                       "/" + link.split("/", 3)[3])
    assert re.search(r'value="perpanjangan"[^>]*checked|checked[^>]*value="perpanjangan"|'
                     r'<option[^>]*value="perpanjangan"[^>]*selected', page), "extension not preselected"
    some_text = next(v for v in data.values() if isinstance(v, str) and len(v) > 3)
    assert some_text in page


@pytest.mark.parametrize("query", ["perpanjang={other}", "perpanjang=abc", "perpanjang=-1",
                                   "perpanjang={own}%00", "perpanjang=99999999"])
def test_extension_prefill_only_from_the_customers_own_application(app, offices, factories, licence, query):
    from app.extensions import db
    from models import Application

    app_id = licence[0]
    with app.app_context():
        data = dict(db.session.get(Application, app_id).data)
    stranger, _ = factories.customer("person")
    url = "/portal/ajukan/kaltim_akdp?" + query.format(other=app_id, own=app_id)
    if "%00" in query:   # a NUL is refused before any view (app/security/input_guard.py)
        response = sign_in(app.test_client(), stranger).get(url)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
    else:
        page = portal_page(app, stranger, url)
    secrets = [v for v in data.values() if isinstance(v, str) and len(v) > 8 and v not in ("perpanjangan",)]
    assert secrets and not any(value in page for value in secrets)


def test_skhp_validity_runs_a_year_from_the_day_of_tera(app, offices):
    from app.extensions import db
    from app.storage.files import FileStore
    from models import GeneratedDocument

    office = offices["metrologi"]
    workflow = workflow_of(office, "metrologi_tera")
    path = happy_path(workflow)
    app_id = office.create("metrologi_tera", path, overrides={"jenis_layanan": "tera"},
                           skip_documents=("skhp_lama",))
    tera_day = date.today() - timedelta(days=3)
    for step in path:
        fields = {"tanggal_pelaksanaan": tera_day.isoformat()} if step["action"] == "sah" else None
        response = office.apply(app_id, step, fields=fields)
        assert response.status_code == 200, (step["action"], response.get_json())
    drain(app, app_id)
    with app.app_context():
        doc = db.session.scalar(select(GeneratedDocument).where(GeneratedDocument.application_id == app_id,
                                                                GeneratedDocument.doc_key == "metrologi_skhp"))
        assert (doc.valid_from, doc.valid_until) == (tera_day, date(tera_day.year + 1, tera_day.month, tera_day.day)
                                                     - timedelta(days=1))
        text = " ".join(pdf_text(FileStore.current().path_of(doc.file.storage_path)).split())
    assert f"Berlaku Sampai {format_date(doc.valid_until)} (1 tahun sejak {format_date(tera_day)})" in text
