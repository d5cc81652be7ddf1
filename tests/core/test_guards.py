"""A transition refused by a guard stores nothing and says why (in Indonesian)."""
from __future__ import annotations

from .helpers import AGENCY, PDF, SERVICE, audit_actions, ok, snapshot, submitted_application


def test_documents_guard_refuses_and_keeps_the_upload_sent_with_it_nowhere(app, factories, login):
    customer = login(factories.customer())
    app_id = ok(customer.create(SERVICE, fields={"jenis": "biasa"}), 201)["result"]["id"]
    before = snapshot(app, app_id)

    # the letter comes with the request, the KTP is still missing: the letter must not be kept
    response = customer.transition(app_id, "kirim", files={"surat": (PDF, "surat.pdf")})

    body = response.get_json()
    assert response.status_code == 422, body
    assert body["error"] == "guard_failed"
    assert body["reasons"] == ["Dokumen persyaratan belum lengkap: KTP."]
    assert body["message"].startswith("Tindakan belum dapat dilakukan")
    assert snapshot(app, app_id) == before
    assert audit_actions(app, app_id) == ["create"]
    actions = ok(customer.get(f"/api/v1/application/{app_id}/actions"))["result"]
    assert {a["action"]: a["blocked_by"] for a in actions}["kirim"] == [
        "Dokumen persyaratan belum lengkap: Surat Permohonan, KTP."]


def test_field_equals_guard_refuses_with_the_field_and_value_labels(app, factories, login):
    customer = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    app_id = submitted_application(customer, staff, jenis="biasa")
    before = snapshot(app, app_id)

    response = staff.transition(app_id, "terima_khusus", headers={"Idempotency-Key": "khusus-1"})

    body = response.get_json()
    assert response.status_code == 422, body
    assert body["reasons"] == ["Hanya untuk Jenis Pengujian: Khusus."]
    assert snapshot(app, app_id) == before
    # nothing was remembered under the key either: the same key works once the guard passes
    ok(staff.transition(app_id, "terima", headers={"Idempotency-Key": "khusus-1"}))
