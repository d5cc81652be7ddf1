"""Retrying a transition with the same Idempotency-Key gets the first answer, never a second effect."""
from __future__ import annotations

from .helpers import AGENCY, audit_actions, ok, snapshot, submitted_application


def test_same_key_twice_replays_the_first_answer(app, factories, login):
    customer = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    app_id = submitted_application(customer, staff)
    key = {"Idempotency-Key": "terima-7f3a"}

    first = ok(staff.transition(app_id, "terima", headers=key))
    after_first = snapshot(app, app_id)
    second = ok(staff.transition(app_id, "terima", headers=key))

    assert first["replayed"] is False and second["replayed"] is True
    assert second["result"] == first["result"]
    assert first["result"]["state"] == "diproses"
    assert snapshot(app, app_id) == after_first
    assert audit_actions(app, app_id).count("terima") == 1


def test_same_key_with_another_request_is_refused(app, factories, login):
    customer = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    app_id = submitted_application(customer, staff)
    other_id = submitted_application(customer, staff)
    key = {"Idempotency-Key": "revisi-1"}
    ok(staff.transition(app_id, "minta_revisi", fields={"catatan": "Surat belum ditandatangani"}, headers=key))
    after_first = snapshot(app, app_id), snapshot(app, other_id)

    different_body = staff.transition(app_id, "minta_revisi", fields={"catatan": "Lain"}, headers=key)
    different_application = staff.transition(other_id, "minta_revisi",
                                             fields={"catatan": "Surat belum ditandatangani"}, headers=key)

    for response in (different_body, different_application):
        body = response.get_json()
        assert response.status_code == 422, body
        assert body["error"] == "idempotency_mismatch"
        assert "Idempotency-Key" in body["message"]
    assert (snapshot(app, app_id), snapshot(app, other_id)) == after_first


def test_keys_belong_to_one_user(app, factories, login):
    customer = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    colleague = login(factories.staff(AGENCY, "petugas"))
    first_id = submitted_application(customer, staff)
    second_id = submitted_application(customer, staff)
    key = {"Idempotency-Key": "shared-key"}

    ok(staff.transition(first_id, "terima", headers=key))
    answer = ok(colleague.transition(second_id, "terima", headers=key))

    assert answer["replayed"] is False and answer["result"]["id"] == second_id
