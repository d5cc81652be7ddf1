"""Who sees which application: anything out of scope is a 404 (not a 403), in the API and on the
back-office screen."""
from __future__ import annotations

import pytest

from config import DEMO_PASSWORD

from .helpers import AGENCY, ok, snapshot, submitted_application


@pytest.fixture
def application(app, factories, login):
    customer = login(factories.customer())
    staff = login(factories.staff(AGENCY, "petugas"))
    return submitted_application(customer, staff)


def api_answers(user, app_id: int) -> dict[str, int]:
    base = f"/api/v1/application/{app_id}"
    return {
        "show": user.get(base).status_code,
        "actions": user.get(f"{base}/actions").status_code,
        "timeline": user.get(f"{base}/timeline").status_code,
        "transition": user.transition(app_id, "terima").status_code,
        "listed": int(app_id in [a["id"] for a in ok(user.get("/api/v1/application/?page_size=100"))["result"]]),
    }


OUT_OF_SCOPE = {"show": 404, "actions": 404, "timeline": 404, "transition": 404, "listed": 0}


@pytest.mark.parametrize("who", ["other_customer", "other_agency", "other_service"])
def test_out_of_scope_users_get_404_everywhere(app, factories, login, application, who):
    user = {
        "other_customer": lambda: factories.customer(),
        "other_agency": lambda: factories.staff("balai_lain", "petugas"),
        "other_service": lambda: factories.staff(AGENCY, "petugas", services=("uji_lain",)),
    }[who]()
    before = snapshot(app, application)

    answers = api_answers(login(user), application)

    assert answers == OUT_OF_SCOPE
    assert snapshot(app, application) == before
    body = login(user).get(f"/api/v1/application/{application}").get_json()
    assert body["message"] == "Data tidak ditemukan."


def test_in_scope_staff_and_the_administrator_see_it(app, factories, login, application):
    same_service = login(factories.staff(AGENCY, "petugas", services=("uji_layanan",)))
    admin = login((None, "admin"))

    for user in (same_service, admin):
        assert ok(user.get(f"/api/v1/application/{application}"))["result"]["id"] == application
        assert ok(user.get(f"/api/v1/application/{application}/timeline"))["result"]
    assert "terima" in same_service.actions(application)
    assert admin.actions(application) == []          # sees it, but holds no workflow role in it


def html_login(app, username: str):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, response.data[:500]
    return client


def test_backoffice_screen_is_scoped_too(app, factories, application):
    path = f"/applicationview/show/{application}"
    same_agency = html_login(app, factories.staff(AGENCY, "petugas")[1])
    other_agency = html_login(app, factories.staff("balai_lain", "petugas")[1])
    other_service = html_login(app, factories.staff(AGENCY, "petugas", services=("uji_lain",))[1])

    assert same_agency.get(path).status_code == 200
    assert other_agency.get(path).status_code == 404
    assert other_service.get(path).status_code == 404
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_front_door_sends_citizens_to_the_portal_and_staff_to_the_back_office(app, factories):
    client = app.test_client()
    anonymous = client.get("/")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].endswith("/portal/")
    staff = factories.staff(AGENCY, "petugas")
    client.post("/login/", data={"username": staff[1], "password": DEMO_PASSWORD})
    assert client.get("/").status_code == 200
