"""The back-office resource calendar: a month table with the bookings' application numbers in the
agency's zone, the form offering slots (refused outside opening hours), a fixed number of SQL
statements whatever the number of slots, and nothing for another agency's staff."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from tests.conftest import sign_in

from .helpers import AGENCY, OTHER, new_application, offer

CALENDAR_MAX = 2   # auth with the staff profile 1, the month's slots with their bookings and applications 1


def calendar_html(client, resource, month):
    response = client.get(f"/backoffice/jadwal/{resource}?month={month:%Y-%m}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def count_statements(app, client, path):
    from app.extensions import db

    assert client.get(path).status_code == 200          # warm the caches
    with app.app_context():
        engine = db.engine
    statements = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_calendar_shows_bookings_with_their_numbers_in_the_agency_zone(app, factories, signed_in, monday):
    staff = factories.staff(AGENCY, "petugas")
    [slot_id] = offer(app, staff[0], "spektro", (monday, "09:30", "10:45"))
    customer = signed_in(factories.customer())
    app_id = new_application(customer, "pakai_spektro")
    assert customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": slot_id}).status_code == 201
    receipt = customer.get(f"/api/v1/application/{app_id}").get_json()["result"]["receipt"]
    client = sign_in(app.test_client(), staff[0])
    html = calendar_html(client, "spektro", monday)
    assert "09.30–10.45" in html or "09:30–10:45" in html          # Asia/Makassar wall clock
    assert receipt in html and f"/backoffice/permohonan/{app_id}" in html
    assert "1/2 kosong" in html and "<caption>" in html and 'scope="col"' in html


def test_calendar_statements_do_not_grow_with_slots_and_bookings(app, factories, signed_in, monday):
    staff = factories.staff(AGENCY, "petugas")
    client = sign_in(app.test_client(), staff[0])
    path = f"/backoffice/jadwal/spektro?month={monday:%Y-%m}"
    offer(app, staff[0], "spektro", (monday, "08:00", "08:30"))
    few = count_statements(app, client, path)
    ids = offer(app, staff[0], "spektro", *[(monday + timedelta(days=d), "12:00", "12:30") for d in range(1, 4)])
    for slot_id in ids:
        customer = signed_in(factories.customer())
        app_id = new_application(customer, "pakai_spektro")
        assert customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": slot_id}).status_code == 201
    many = count_statements(app, client, path)
    assert many == few, (few, many)
    assert many <= CALENDAR_MAX, many


def test_offering_on_the_screen_refuses_times_outside_opening_hours(app, factories, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    client = sign_in(app.test_client(), staff[0])
    data = {"kind": "time", "day": monday.isoformat(), "start": "06:00", "end": "07:00",
            "month": f"{monday:%Y-%m}"}
    response = client.post("/backoffice/jadwal/spektro/tawarkan", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "di luar jam buka" in html and "08:00-15:00" in html
    data.update(start="09:00", end="10:00")
    html = client.post("/backoffice/jadwal/spektro/tawarkan", data=data, follow_redirects=True).get_data(as_text=True)
    assert "1 slot ditawarkan" in html
    assert "2/2 kosong" in calendar_html(client, "spektro", monday)


def test_another_agency_or_another_role_gets_404(app, factories, monday):
    stranger = sign_in(app.test_client(), factories.staff(OTHER, "petugas", "pengelola_aula")[0])
    assert stranger.get("/backoffice/jadwal/spektro").status_code == 404
    data = {"kind": "time", "day": monday.isoformat(), "start": "09:00", "end": "10:00"}
    assert stranger.post("/backoffice/jadwal/spektro/tawarkan", data=data).status_code == 404
    petugas = sign_in(app.test_client(), factories.staff(AGENCY, "petugas")[0])
    assert petugas.get("/backoffice/jadwal/aula").status_code == 404      # spektro only
    assert petugas.get("/backoffice/jadwal/").status_code == 302          # straight to its one resource


def test_a_free_slot_may_be_withdrawn_a_booked_one_not(app, factories, signed_in, monday):
    staff = factories.staff(AGENCY, "petugas")
    free_id, booked_id = offer(app, staff[0], "spektro", (monday, "08:00", "09:00"), (monday, "09:00", "10:00"))
    customer = signed_in(factories.customer())
    app_id = new_application(customer, "pakai_spektro")
    assert customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": booked_id}).status_code == 201
    client = sign_in(app.test_client(), staff[0])
    html = client.post(f"/backoffice/jadwal/slot/{booked_id}/tarik", data={"month": f"{monday:%Y-%m}"},
                       follow_redirects=True).get_data(as_text=True)
    assert "sudah dipesan dan tidak dapat ditarik" in html
    html = client.post(f"/backoffice/jadwal/slot/{free_id}/tarik", data={"month": f"{monday:%Y-%m}"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Slot ditarik." in html
    listed = signed_in(staff).get(f"/api/v1/booking/resource/{AGENCY}/spektro/slots?from={monday}&to={monday}")
    assert [s["id"] for s in listed.get_json()["result"]] == [booked_id]
    stranger = sign_in(app.test_client(), factories.staff(OTHER, "petugas")[0])
    assert stranger.post(f"/backoffice/jadwal/slot/{booked_id}/tarik", data={}).status_code == 404
