"""A deposit (uang jaminan) as a payment line of its own — invoiced, its proof uploaded through the
file checks, validated by the treasurer — then transferred back: the refund records date, account
and amount (at most what is left of the deposit) and the kuitansi says so (issue 13, item 7)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import sign_in
from tests.core.helpers import HTML, PDF
from tests.fees.test_tariff_flow import detail, ok, pdf_text

SERVICE = "pinjam_alat"
AGENCY = "balai_aula"
TODAY = datetime.now(ZoneInfo("Asia/Makassar")).date()   # the agency's zone


def deposit_validated(signed_in, factories, days: int = 2):
    customer = signed_in(factories.customer())
    treasurer = signed_in(factories.staff(AGENCY, "bendahara"))
    created = ok(customer.create(SERVICE, fields={"jumlah_hari": days}))
    app_id = created.get("id") or created["result"]["id"]
    ok(customer.transition(app_id, "kirim"))
    ok(treasurer.transition(app_id, "tagih_jaminan"))
    # the proof goes through the upload checks: HTML posing as a PDF is refused
    refused = customer.transition(app_id, "bayar_jaminan", files={"bukti": (HTML, "bukti.pdf")})
    assert refused.status_code == 422, refused.get_json()
    ok(customer.transition(app_id, "bayar_jaminan", files={"bukti": (PDF, "bukti.pdf")}))
    line = detail(customer, app_id)["payments"][-1]
    assert line["kind"] == "deposit" and line["status"] == "submitted" and line["has_proof"]
    ok(treasurer.transition(app_id, "validasi_jaminan", {"tanggal": TODAY.isoformat()}))
    return customer, treasurer, app_id


def refund_fields(**overrides) -> dict:
    return {"tanggal_transfer": TODAY.isoformat(), "jumlah": "1000000",
            "rekening": "BRI 0123-4567 a.n. Pelanggan", "referensi": "TRF-KMB-7", **overrides}


def test_a_deposit_is_a_line_of_its_own(app, factories, signed_in):
    customer, _, app_id = deposit_validated(signed_in, factories, days=3)
    payments = detail(customer, app_id)["payments"]
    assert [(p["kind"], p["status"]) for p in payments] == [("deposit", "valid")]
    assert payments[0]["amount"] in ("1500000", "1500000.00")
    assert payments[0]["computation"] == "3 (Jumlah hari) × Rp 500.000 = Rp 1.500.000"


def test_a_refund_cannot_exceed_the_deposit_nor_be_dated_tomorrow(app, factories, signed_in):
    customer, treasurer, app_id = deposit_validated(signed_in, factories)   # Rp 1.000.000
    too_much = treasurer.transition(app_id, "kembalikan", refund_fields(jumlah="1000001"))
    assert too_much.status_code == 422
    assert too_much.get_json()["field_errors"]["jumlah"] == (
        "Jumlah pengembalian paling banyak Rp 1.000.000 (uang jaminan yang belum dikembalikan).")
    tomorrow = treasurer.transition(app_id, "kembalikan", refund_fields(
        tanggal_transfer=(TODAY + timedelta(days=1)).isoformat()))
    assert tomorrow.status_code == 422
    assert tomorrow.get_json()["field_errors"]["tanggal_transfer"] == "Tanggal pengembalian tidak boleh setelah hari ini."
    nothing = treasurer.transition(app_id, "kembalikan", refund_fields(jumlah="0"))
    assert nothing.status_code == 422 and "jumlah" in nothing.get_json()["field_errors"]
    assert [p["kind"] for p in detail(customer, app_id)["payments"]] == ["deposit"]


def test_the_refund_is_recorded_and_the_kuitansi_says_so(app, factories, signed_in):
    from app.extensions import db
    from app.outbox.worker import drain
    from app.storage.files import FileStore
    from models import GeneratedDocument
    from sqlalchemy import select

    customer, treasurer, app_id = deposit_validated(signed_in, factories)
    ok(treasurer.transition(app_id, "kembalikan", refund_fields(jumlah="750000")))
    payments = detail(customer, app_id)["payments"]
    refund = payments[-1]
    assert refund["kind"] == "refund" and refund["status"] == "valid"
    assert refund["amount"] in ("750000", "750000.00") and refund["refund_of"] == payments[0]["id"]
    assert refund["refund_account"] == "BRI 0123-4567 a.n. Pelanggan" and refund["paid_on"] == TODAY.isoformat()

    page = sign_in(app.test_client(), customer.user_id).get(f"/portal/permohonan/{app_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Pengembalian uang jaminan" in html and "BRI 0123-4567 a.n. Pelanggan" in html
    # the back office shows both lines, the deposit's computation and the transfer back
    from tests.backoffice.conftest import html_login

    staff_page = html_login(app, treasurer.username).get(f"/backoffice/permohonan/{app_id}")
    assert staff_page.status_code == 200
    staff_html = staff_page.get_data(as_text=True)
    assert "Uang jaminan" in staff_html and "2 (Jumlah hari) × Rp 500.000 = Rp 1.000.000" in staff_html
    assert "ke rekening BRI 0123-4567 a.n. Pelanggan" in staff_html

    with app.app_context():
        drain(application_id=app_id)
        doc = db.session.scalar(select(GeneratedDocument).where(GeneratedDocument.application_id == app_id,
                                                                GeneratedDocument.doc_key == "kuitansi"))
        assert doc is not None and doc.status == "ready"
        text = pdf_text(FileStore.current().path_of(doc.file.storage_path))
    from app.outbox.notify import format_date

    assert "Uang jaminan diterima Rp 1.000.000" in text, text
    assert (f"Pengembalian uang jaminan Rp 750.000 telah ditransfer pada {format_date(TODAY)} "
            "ke rekening BRI 0123-4567 a.n. Pelanggan (referensi TRF-KMB-7)") in text, text
    assert "Sisa uang jaminan yang belum dikembalikan: Rp 250.000" in text, text

