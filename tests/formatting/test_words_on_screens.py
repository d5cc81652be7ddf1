"""Words and numbers as the screens should print them: state labels (not keys) in the audit trail,
no "Selesai (Selesai)", the applicant's full address, staff-typed schedule times kept as the
office's local time, and amounts in documents' fields the Indonesian way."""
from __future__ import annotations

import re
from datetime import datetime, timezone

from tests.formatting.test_one_local_time import RETURNED_AT, SUBMITTED, _act, _create, text_of

UTC = timezone.utc


def test_audit_trail_shows_labels_and_local_times(app, factories):
    from tests.backoffice.conftest import html_login

    customer_id, _ = factories.customer("person")
    verifier_id, verifier_name = factories.staff("kaltim", "verifikator")
    app_id = _create(app, customer_id)
    _act(app, app_id, verifier_id, "kembalikan_revisi", RETURNED_AT, fields={"catatan": "Lengkapi peta."})
    staff = html_login(app, verifier_name)
    page = staff.get(f"/auditeventview/list/?_flt_0_application_id={app_id}").get_data(as_text=True)
    cells = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]
    assert "Verifikasi berkas (Verifikator)" in cells                      # from_state of the return
    assert "Dikembalikan kepada pemohon untuk revisi (batas 5 hari kerja)" in cells
    assert "verifikasi" not in cells and "revisi" not in cells              # never the keys
    assert "30 November 2026, 10.00 WITA" in cells and SUBMITTED in cells


def test_final_state_is_not_named_twice_and_the_address_is_complete(app, factories):
    from app.extensions import db
    from models import Application, CustomerProfile
    from sqlalchemy import select
    from tests.backoffice.conftest import html_login
    from tests.portal.conftest import sign_in

    customer_id, _ = factories.customer("person")
    _verifier_id, verifier_name = factories.staff("kaltim", "verifikator")
    app_id = _create(app, customer_id)
    with app.app_context():
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == customer_id))
        profile.address, profile.village, profile.district = "Jl. Juanda No. 7", "Air Hitam", "Samarinda Ulu"
        profile.regency, profile.province, profile.postal_code = "Kota Samarinda", "Kalimantan Timur", "75124"
        db.session.commit()
    address = "Jl. Juanda No. 7, Air Hitam, Samarinda Ulu, Kota Samarinda, Kalimantan Timur 75124"
    assert address in text_of(html_login(app, verifier_name).get(f"/backoffice/permohonan/{app_id}"))

    with app.app_context():  # a display check only: put it straight into the final state
        application = db.session.get(Application, app_id)
        application.state, application.state_kind = "selesai", "final_success"
        db.session.commit()
    page = text_of(sign_in(app.test_client(), customer_id).get(f"/portal/permohonan/{app_id}"))
    assert "Status: Selesai" in page and "Selesai (Selesai)" not in page


def test_slots_typed_by_staff_are_the_offices_local_time_and_stored_in_utc():
    from app.commands.application.effects import _as_datetime

    assert _as_datetime("2026-12-08T09:00", "Asia/Makassar") == datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    assert _as_datetime("2026-12-08T09:00", "Asia/Jayapura") == datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    assert _as_datetime("", "Asia/Makassar") is None


def test_document_fields_print_numbers_and_money_the_indonesian_way():
    from app.documents.context import _field_value, _number_values

    spec = {"fields": [{"key": "luas", "type": "number"}, {"key": "biaya", "type": "money"},
                       {"key": "hp", "type": "phone"}, {"key": "nib", "type": "text"},
                       {"key": "tgl", "type": "date"}]}
    assert _field_value(spec, "tgl", "2026-12-24") == "24 Desember 2026"
    assert _field_value(spec, "luas", 12.5) == "12,5"
    assert _field_value(spec, "luas", "50000") == "50.000"
    assert _field_value(spec, "biaya", 1500000) == "Rp 1.500.000"
    assert _field_value(spec, "hp", "6281254321987") == "+62 812-5432-1987"
    assert _field_value(spec, "nib", "1234567890123") == "1234567890123"        # identifiers stay as typed
    assert _field_value(spec, "luas", 12.5, "en") == "12.5"
    assert _number_values({"jumlah": 50000, "ok": True, "catatan": "12.5"}, "id") == \
        {"jumlah": "50.000", "ok": True, "catatan": "12.5"}


def test_a_notification_greeting_keeps_one_full_stop(app):
    from app.outbox.notify import render_text

    with app.app_context():
        assert render_text("Terima kasih, {{ customer.name }}.", {"customer": {"name": "Rina, S.Si."}}) == \
            "Terima kasih, Rina, S.Si."
