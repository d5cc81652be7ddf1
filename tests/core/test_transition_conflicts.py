"""Stale, skipped and forbidden transitions answer the same everywhere: a stale version (If-Match,
`version` in the body, a screen's hidden field) is 409; an action that is not available in the
current state (a skipped step) or unknown is 422; another role's action is 403. Nothing changes."""
from __future__ import annotations

import re

import pytest

from tests.conftest import sign_in

from .helpers import AGENCY, audit_actions, ok, snapshot, submitted_application


def current_version(client, app_id: int) -> int:
    response = client.get(f"/api/v1/application/{app_id}/actions")
    body = ok(response)
    assert response.headers["ETag"] == f'"{body["version"]}"'
    return body["version"]


# (who, action, fields, how the version is sent: header/body value built from the current one, status, error)
CASES = [
    ("staff", "terima", {}, ("If-Match", lambda v: str(v)), 200, None),
    ("staff", "terima", {}, ("If-Match", lambda v: f'"{v}"'), 200, None),
    ("staff", "terima", {}, ("If-Match", lambda v: f'W/"{v}"'), 200, None),
    ("staff", "terima", {}, ("If-Match", lambda v: "*"), 200, None),
    ("staff", "terima", {}, ("body", lambda v: v), 200, None),
    ("staff", "terima", {}, (None, None), 200, None),
    ("staff", "terima", {}, ("If-Match", lambda v: str(v - 1)), 409, "stale"),
    ("staff", "terima", {}, ("If-Match", lambda v: str(v + 1)), 409, "stale"),
    ("staff", "terima", {}, ("If-Match", lambda v: f'"{v + 7}"'), 409, "stale"),
    ("staff", "terima", {}, ("body", lambda v: v - 1), 409, "stale"),
    ("staff", "terima", {}, ("body", lambda v: 0), 409, "stale"),
    ("staff", "terima", {}, ("If-Match", lambda v: "abc"), 422, "invalid"),
    ("staff", "terima", {}, ("If-Match", lambda v: "-1"), 422, "invalid"),
    ("staff", "terima", {}, ("If-Match", lambda v: "9" * 40), 422, "invalid"),
    ("staff", "terima", {}, ("body", lambda v: "satu"), 422, "invalid"),
    ("staff", "terima", {}, ("body", lambda v: True), 422, "invalid"),
    # skipped steps: the action exists, but not from "terkirim"
    ("staff", "tagih", {"biaya": 250000}, (None, None), 422, "action_not_available"),
    ("staff", "tagih", {"biaya": 250000}, ("If-Match", lambda v: str(v)), 422, "action_not_available"),
    ("staff", "validasi", {}, (None, None), 422, "action_not_available"),
    ("customer", "bayar", {}, (None, None), 422, "action_not_available"),
    ("staff", "tidak_ada", {}, (None, None), 422, "unknown_action"),
    # another role's action
    ("customer", "terima", {}, (None, None), 403, "forbidden"),
    ("customer", "terima", {}, ("If-Match", lambda v: str(v)), 403, "forbidden"),
]


@pytest.mark.parametrize("who,action,fields,version,status,error", CASES)
def test_api_transition_answers(app, factories, login, who, action, fields, version, status, error):
    customer = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    app_id = submitted_application(customer, staff)
    actor = {"staff": staff, "customer": customer}[who]
    where, make = version
    current = current_version(staff, app_id)
    body = {"action": action, "fields": fields}
    headers = {}
    if where == "If-Match":
        headers["If-Match"] = make(current)
    elif where == "body":
        body["version"] = make(current)
    before = snapshot(app, app_id)

    response = actor.post(f"/api/v1/application/{app_id}/transition", body, headers=headers)

    answer = response.get_json()
    assert response.status_code == status, answer
    if status == 200:
        assert answer["result"]["version"] > current
        assert audit_actions(app, app_id).count(action) == 1
        return
    assert answer["error"] == error, answer
    assert answer["message"]
    assert snapshot(app, app_id) == before


def test_a_retry_after_the_step_happened_is_a_skipped_step_and_with_its_version_a_conflict(app, factories, login):
    customer = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    app_id = submitted_application(customer, staff)
    seen = current_version(staff, app_id)
    ok(staff.transition(app_id, "terima"))

    again = staff.transition(app_id, "terima")
    stale = staff.transition(app_id, "terima", headers={"If-Match": str(seen)})

    assert (again.status_code, again.get_json()["error"]) == (422, "action_not_available")
    assert "tidak tersedia" in again.get_json()["message"]
    assert (stale.status_code, stale.get_json()["error"]) == (409, "stale")
    assert audit_actions(app, app_id).count("terima") == 1


# --- the back office ------------------------------------------------------------------------
@pytest.fixture
def desk(app):
    """A back-office browser signed in as a new petugas."""
    def _desk(username):
        client = app.test_client()
        response = client.post("/login/", data={"username": username, "password": "Demo12345"})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return client
    return _desk


@pytest.mark.parametrize("action,version,status,text", [
    ("terima", lambda v: v, 302, None),
    ("terima", lambda v: v - 1, 409, "Data telah diubah oleh pengguna lain"),
    ("terima", lambda v: v + 3, 409, "Data telah diubah oleh pengguna lain"),
    ("terima", lambda v: "", 409, "Data telah diubah oleh pengguna lain"),
    ("terima", lambda v: "x", 409, "Data telah diubah oleh pengguna lain"),
    ("tagih", lambda v: v, 422, "tidak tersedia"),               # a skipped step
    ("tagih", lambda v: v - 1, 409, "Data telah diubah oleh pengguna lain"),
    ("validasi", lambda v: v, 422, "tidak tersedia"),            # the treasurer's step, later
    ("tidak_ada", lambda v: v, 422, "tidak dikenal"),
])
def test_back_office_form_answers(app, factories, login, desk, action, version, status, text):
    customer = login(factories.customer())
    staff_user = factories.staff(AGENCY, "petugas")
    app_id = submitted_application(customer, login(staff_user))
    client = desk(staff_user[1])
    page = client.get(f"/backoffice/permohonan/{app_id}/tindakan/terima").get_data(as_text=True)
    current = int(re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1))
    before = snapshot(app, app_id)

    response = client.post(f"/backoffice/permohonan/{app_id}/tindakan/{action}",
                           data={"version": str(version(current)), "biaya": "250000"})

    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if status == 302:
        assert audit_actions(app, app_id).count(action) == 1
        return
    assert text in response.get_data(as_text=True)
    assert snapshot(app, app_id) == before


# --- the portal -------------------------------------------------------------------------------
@pytest.mark.parametrize("action,version,status,text", [
    ("batalkan", lambda v: v, 422, "tidak tersedia"),            # only from a draft
    ("batalkan", lambda v: v + 1, 409, "Data telah diubah oleh pengguna lain"),
    ("kirim", lambda v: v, 422, "tidak tersedia"),              # already sent: a skipped/repeated step
    ("kirim", lambda v: v - 1, 409, "Data telah diubah oleh pengguna lain"),
    ("bayar", lambda v: v, 422, "tidak tersedia"),
    ("tidak_ada", lambda v: v, 422, "tidak dikenal"),
])
def test_portal_action_answers(app, factories, login, action, version, status, text):
    customer_user = factories.customer()
    customer = login(customer_user)
    app_id = submitted_application(customer)
    client = sign_in(app.test_client(), customer_user[0])   # with the session stamp, as tests/portal do
    current = current_version(customer, app_id)
    before = snapshot(app, app_id)

    response = client.post(f"/portal/permohonan/{app_id}/aksi/{action}", data={"version": str(version(current))})

    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert text in response.get_data(as_text=True)
    assert snapshot(app, app_id) == before
