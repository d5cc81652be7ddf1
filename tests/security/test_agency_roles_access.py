"""Roles of an agency on another agency's applications (issue 13 item 2).

A role key is one Flask-AppBuilder role whichever agencies declare it; what a holder may do comes
from the agency of their staff profile. A BMKG staff member holding ``verifikator`` (the key Kaltim
declares, and another agency may declare too) must not see nor act on a Kaltim application: every
route answers 404, as for any application outside their agency, while Kaltim's own verifier acts."""
from __future__ import annotations

import pytest

from tests.backoffice.conftest import html_login
from tests.conftest import ApiClient, api_login
from tests.core.helpers import incoming

SERVICE = "kaltim_sipa"


def _create(app, customer_id: int) -> int:
    from app.commands.application.create import COMPANY_FIELDS, LOCATION_FIELDS, CreateApplicationCommand
    from app.demo.autofill import fill_form, sample_file, sample_value
    from app.extensions import db
    from models import User

    with app.app_context():
        spec = app.extensions["satupintu.rules"].file_rules.service(SERVICE)
        fields, _ = fill_form([f for f in spec.get("fields", []) if f.get("type") != "file"])
        files = {d["key"]: incoming(*sample_file(d.get("types"))) for d in spec.get("documents", [])}
        application = CreateApplicationCommand(
            db.session.get(User, customer_id), SERVICE, fields=fields, declaration=True, files=files,
            company={f["key"]: sample_value(f) for f in COMPANY_FIELDS},
            location={f["key"]: sample_value(f) for f in LOCATION_FIELDS}).run()
        assert application.state == "verifikasi"
        return application.id


@pytest.fixture(scope="module")
def world(app, factories):
    customer_id, _ = factories.customer("person")
    return {"app_id": _create(app, customer_id),
            "outsider": factories.staff("bmkg", "verifikator"),          # the same key, another agency
            "outsider_all": factories.staff("bmkg", "verifikator", "kepala_bidang", "kepala_dinas", "bendahara"),
            "insider": factories.staff("kaltim", "verifikator")}


def _api(app, user) -> ApiClient:
    client = app.test_client()
    return ApiClient(client, api_login(client, user[1]), user[0], user[1])


def _state(app, app_id):
    from app.extensions import db
    from models import Application

    with app.app_context():
        try:
            return db.session.get(Application, app_id).state
        finally:
            db.session.remove()


@pytest.mark.parametrize("who", ["outsider", "outsider_all"])
def test_another_agencys_verifikator_gets_404_on_the_rest_api(app, world, who):
    api, app_id = _api(app, world[who]), world["app_id"]
    assert api.get(f"/api/v1/application/{app_id}").status_code == 404
    assert api.get(f"/api/v1/application/{app_id}/actions").status_code == 404
    assert api.get(f"/api/v1/application/{app_id}/timeline").status_code == 404
    for action, fields in (("tolak", {"catatan": "bukan wewenang"}), ("lolos_verifikasi", {})):
        assert api.transition(app_id, action, fields=fields).status_code == 404
    assert app_id not in [row["id"] for row in api.get("/api/v1/application/").get_json()["result"]]
    assert _state(app, app_id) == "verifikasi"


@pytest.mark.parametrize("who", ["outsider", "outsider_all"])
def test_another_agencys_verifikator_gets_404_on_the_screens(app, world, who):
    staff, app_id = html_login(app, world[who][1]), world["app_id"]
    assert staff.get(f"/backoffice/permohonan/{app_id}").status_code == 404
    assert staff.get(f"/backoffice/permohonan/{app_id}/tindakan/tolak").status_code == 404
    assert staff.post(f"/backoffice/permohonan/{app_id}/tindakan/tolak",
                      data={"catatan": "bukan wewenang"}).status_code == 404
    queue = staff.get("/backoffice/antrean/")
    assert queue.status_code == 200 and f"/backoffice/permohonan/{app_id}\"" not in queue.get_data(as_text=True)
    assert _state(app, app_id) == "verifikasi"


def test_the_workflow_roles_of_another_agencys_holder_are_empty(app, world):
    from app.extensions import db
    from app.security.access import workflow_roles
    from models import Application, User

    with app.app_context():
        application = db.session.get(Application, world["app_id"])
        rules = app.extensions["satupintu.rules"].file_rules
        outsider = db.session.get(User, world["outsider_all"][0])
        insider = db.session.get(User, world["insider"][0])
        assert workflow_roles(application, outsider, rules.role_keys()) == frozenset()
        assert workflow_roles(application, insider, rules.role_keys()) == frozenset({"verifikator"})
        db.session.remove()


def test_kaltims_own_verifikator_still_acts(app, world):
    api, app_id = _api(app, world["insider"]), world["app_id"]
    assert {"lolos_verifikasi", "kembalikan_revisi", "tolak"} <= set(api.actions(app_id))
    response = api.transition(app_id, "tolak", fields={"catatan": "Berkas tidak lengkap."})
    assert response.status_code == 200, response.get_json()
    assert _state(app, app_id) == "ditolak"
