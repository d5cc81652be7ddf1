"""A tariff computed from data through the API, the portal and the invoice PDF (issue 13, item 5):
the hall is Rp 1.500.000 a day, from the customer's number of days or from the booked slot."""
from __future__ import annotations

from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import sign_in

SERVICE = "sewa_aula"
AGENCY = "balai_aula"
BILLING_CODE = "820261130000042"


def pdf_text(path) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(str(path)).pages).split())


def ok(response):
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def new_application(signed_in, factories, days) -> tuple[object, int]:
    customer = signed_in(factories.customer())
    created = ok(customer.create(SERVICE, fields={"jumlah_hari": days}))
    app_id = created.get("id") or created["result"]["id"]
    ok(customer.transition(app_id, "kirim"))
    return customer, app_id


def detail(client, app_id: int) -> dict:
    return ok(client.get(f"/api/v1/application/{app_id}"))["result"]


def invoice_pdf(app, app_id: int) -> str:
    from app.extensions import db
    from app.outbox.worker import drain
    from app.storage.files import FileStore
    from models import GeneratedDocument

    with app.app_context():
        drain(application_id=app_id)
        doc = db.session.scalar(select(GeneratedDocument).where(GeneratedDocument.application_id == app_id,
                                                                GeneratedDocument.doc_key == "invoice")
                                .order_by(GeneratedDocument.id.desc()))
        assert doc is not None and doc.status == "ready"
        return pdf_text(FileStore.current().path_of(doc.file.storage_path))


def test_tariff_from_a_field_on_api_portal_and_invoice(app, factories, signed_in):
    customer, app_id = new_application(signed_in, factories, 3)
    treasurer = signed_in(factories.staff(AGENCY, "bendahara"))
    ok(treasurer.transition(app_id, "tagih", {"kode_billing": "8202 6113 0000 042"}))

    payment = detail(customer, app_id)["payments"][-1]
    assert payment["amount"] in ("4500000", "4500000.00")
    assert payment["billing_code"] == BILLING_CODE
    assert payment["computation"] == "3 (Jumlah hari) × Rp 1.500.000 = Rp 4.500.000"

    page = sign_in(app.test_client(), customer.user_id).get(f"/portal/permohonan/{app_id}/invoice")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "3 (Jumlah hari) × Rp 1.500.000 = Rp 4.500.000" in html and BILLING_CODE in html

    text = invoice_pdf(app, app_id)
    assert "Perhitungan tarif: 3 (Jumlah hari) × Rp 1.500.000 = Rp 4.500.000" in text, text
    assert f"Kode Billing : {BILLING_CODE}" in text, text


def test_a_fractional_count_is_rounded_to_whole_rupiah(app, factories, signed_in):
    customer, app_id = new_application(signed_in, factories, "1.3333")
    treasurer = signed_in(factories.staff(AGENCY, "bendahara"))
    ok(treasurer.transition(app_id, "tagih", {"kode_billing": BILLING_CODE[:-1] + "3"}))
    payment = detail(customer, app_id)["payments"][-1]
    assert payment["amount"] in ("1999950", "1999950.00")   # 1.3333 × 1.500.000 = 1.999.950


def test_tariff_from_the_booked_slot_counts_agency_local_days(app, factories, signed_in):
    customer, app_id = new_application(signed_in, factories, 1)
    officer = signed_in(factories.staff(AGENCY, "petugas"))
    treasurer = signed_in(factories.staff(AGENCY, "bendahara"))
    # 17 December 08:00 – 18 December 16:00 WITA (00:00 UTC on the 17th – 08:00 UTC on the 18th):
    # two calendar days in the agency's zone, both ends counted
    ok(officer.transition(app_id, "tawarkan_jadwal", {"jadwal": [
        {"start": "2026-12-17T08:00", "end": "2026-12-18T16:00", "location": "Aula Utama"},
        {"start": "2026-12-21T08:00", "end": "2026-12-21T12:00", "location": "Aula Utama"}]}))
    offered = [s for s in detail(customer, app_id)["slots"] if s["status"] == "offered"]
    first = next(s for s in offered if s["start"].startswith("2026-12-17"))
    ok(customer.transition(app_id, "pilih", {"slot": first["id"]}))
    ok(treasurer.transition(app_id, "tagih_jadwal"))
    payment = detail(customer, app_id)["payments"][-1]
    assert payment["amount"] in ("3000000", "3000000.00")
    assert payment["computation"] == "2 hari × Rp 1.500.000 = Rp 3.000.000"
    assert "Perhitungan tarif: 2 hari × Rp 1.500.000 = Rp 3.000.000" in invoice_pdf(app, app_id)


def test_a_refused_result_stops_the_transition_with_the_reason(app, factories, signed_in):
    customer, app_id = new_application(signed_in, factories, -2)
    treasurer = signed_in(factories.staff(AGENCY, "bendahara"))
    response = treasurer.transition(app_id, "tagih", {"kode_billing": BILLING_CODE[:-1] + "5"})
    assert response.status_code == 422, response.get_json()
    assert "Tarif tidak dapat dihitung" in str(response.get_json())
    assert detail(customer, app_id)["payments"] == []
