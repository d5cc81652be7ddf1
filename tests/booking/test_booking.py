"""Bookings: staff offer slots inside opening hours, customers pick a free one, capacity is a hard
limit, cancelling or rejecting frees the seat, the API shows it, and another agency sees nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.errors import NotFoundError, ValidationError

from .helpers import AGENCY, OTHER, new_application, offer, whole_days

TAKEN = "Slot ini baru saja dipesan pemohon lain; pilih slot lain."


def test_slots_outside_opening_hours_or_on_closed_days_are_refused(app, factories, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    with pytest.raises(ValidationError) as error:
        offer(app, staff[0], "spektro", (monday, "07:00", "09:00"))
    assert "di luar jam buka" in error.value.text and "08:00-15:00" in error.value.text
    with pytest.raises(ValidationError):
        offer(app, staff[0], "spektro", (monday, "14:00", "15:30"))
    with pytest.raises(ValidationError) as error:
        offer(app, staff[0], "spektro", (monday + timedelta(days=5), "09:00", "10:00"))   # Saturday
    assert "tutup" in error.value.text
    with pytest.raises(ValidationError) as error:      # whole days running into the weekend
        offer(app, staff[0], "aula", whole_days(monday + timedelta(days=4), monday + timedelta(days=7)))
    assert "tutup" in error.value.text
    with pytest.raises(ValidationError):
        offer(app, staff[0], "spektro", (monday, "10:00", "09:00"))
    assert offer(app, staff[0], "spektro", (monday, "08:00", "15:00"))


def test_slots_of_one_resource_may_not_overlap(app, factories, monday):
    staff = factories.staff(AGENCY, "petugas")
    offer(app, staff[0], "spektro", (monday, "09:00", "11:00"))
    with pytest.raises(ValidationError) as error:
        offer(app, staff[0], "spektro", (monday, "10:00", "12:00"))
    assert "bertumpang tindih" in error.value.text
    assert offer(app, staff[0], "spektro", (monday, "11:00", "12:00"))   # touching is fine


def test_only_the_managing_roles_of_the_agency_may_offer(app, factories, monday):
    petugas = factories.staff(AGENCY, "petugas")             # manages spektro, not aula
    with pytest.raises(NotFoundError):
        offer(app, petugas[0], "aula", whole_days(monday, monday))
    stranger = factories.staff(OTHER, "petugas", "pengelola_aula")
    with pytest.raises(NotFoundError):
        offer(app, stranger[0], "spektro", (monday, "09:00", "10:00"))


def test_customer_picks_a_day_slot_and_the_api_shows_it_in_the_agency_zone(app, factories, signed_in, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday, monday + timedelta(days=1)))
    customer = signed_in(factories.customer())
    app_id = new_application(customer, "sewa_aula")
    assert "kirim" in [a["action"] for a in customer.get(f"/api/v1/application/{app_id}/actions")
                       .get_json()["result"]]
    blocked = customer.transition(app_id, "kirim")
    assert blocked.status_code == 422, blocked.get_json()          # slot_chosen: no booking yet

    free = customer.get(f"/api/v1/booking/application/{app_id}/slots").get_json()
    assert slot_id in [s["id"] for s in free["result"]]
    picked = customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": slot_id})
    assert picked.status_code == 201, picked.get_json()

    detail = customer.get(f"/api/v1/application/{app_id}").get_json()["result"]
    booking = detail["booking"]
    assert booking["slot_id"] == slot_id and booking["resource"] == "aula" and booking["whole_days"]
    assert booking["start"] == f"{monday.isoformat()}T08:00:00+08:00"          # Asia/Makassar
    assert booking["end"] == f"{(monday + timedelta(days=1)).isoformat()}T16:00:00+08:00"
    assert customer.transition(app_id, "kirim").status_code == 200
    # the seat is taken: nobody else is offered the slot
    other = signed_in(factories.customer())
    other_app = new_application(other, "sewa_aula")
    assert slot_id not in [s["id"] for s in other.get(f"/api/v1/booking/application/{other_app}/slots")
                           .get_json()["result"]]
    taken = other.post(f"/api/v1/booking/application/{other_app}", {"slot_id": slot_id})
    assert taken.status_code == 409 and taken.get_json()["message"] == TAKEN, taken.get_json()


def test_a_slot_of_another_unit_or_resource_is_not_bookable(app, factories, signed_in, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    [time_slot] = offer(app, staff[0], "spektro", (monday, "09:00", "10:00"))
    customer = signed_in(factories.customer())
    app_id = new_application(customer, "sewa_aula")
    response = customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": time_slot})
    assert response.status_code == 422, response.get_json()


def test_capacity_two_takes_two_bookings_and_refuses_the_third(app, factories, signed_in, monday):
    staff = factories.staff(AGENCY, "petugas")
    [slot_id] = offer(app, staff[0], "spektro", (monday, "13:00", "14:00"))
    answers = []
    for _ in range(3):
        customer = signed_in(factories.customer())
        app_id = new_application(customer, "pakai_spektro")
        answers.append(customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": slot_id}))
    assert [r.status_code for r in answers] == [201, 201, 409]
    assert answers[2].get_json()["message"] == TAKEN
    staff_api = signed_in(staff)
    listed = staff_api.get(f"/api/v1/booking/resource/{AGENCY}/spektro/slots?from={monday}&to={monday}").get_json()
    [slot] = [s for s in listed["result"] if s["id"] == slot_id]
    assert slot["free"] == 0 and sorted(b["seat"] for b in slot["bookings"]) == [1, 2]


def test_cancelling_or_rejecting_frees_the_seat_and_repicking_moves_it(app, factories, signed_in, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    first_slot, second_slot = offer(app, staff[0], "aula", whole_days(monday, monday),
                                    whole_days(monday + timedelta(days=1), monday + timedelta(days=1)))
    customer = signed_in(factories.customer())
    app_id = new_application(customer, "sewa_aula")
    assert customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": first_slot}).status_code == 201
    assert customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": second_slot}).status_code == 201
    assert customer.get(f"/api/v1/application/{app_id}").get_json()["result"]["booking"]["slot_id"] == second_slot

    other = signed_in(factories.customer())
    other_app = new_application(other, "sewa_aula")
    assert other.post(f"/api/v1/booking/application/{other_app}", {"slot_id": first_slot}).status_code == 201
    assert customer.transition(app_id, "kirim").status_code == 200
    officer = signed_in(staff)
    assert officer.transition(app_id, "tolak").status_code == 200            # rejected: seat freed
    assert customer.get(f"/api/v1/application/{app_id}").get_json()["result"]["booking"] is None
    third = signed_in(factories.customer())
    third_app = new_application(third, "sewa_aula")
    assert third.post(f"/api/v1/booking/application/{third_app}", {"slot_id": second_slot}).status_code == 201
    assert third.transition(third_app, "batalkan").status_code == 200      # cancelled: freed again
    assert second_slot in [s["id"] for s in other.get(f"/api/v1/booking/application/{other_app}/slots")
                           .get_json()["result"]]


def test_picking_is_refused_outside_the_pick_states(app, factories, signed_in, monday):
    staff = factories.staff(AGENCY, "pengelola_aula")
    first, second = offer(app, staff[0], "aula", whole_days(monday, monday),
                          whole_days(monday + timedelta(days=2), monday + timedelta(days=2)))
    customer = signed_in(factories.customer())
    app_id = new_application(customer, "sewa_aula")
    assert customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": first}).status_code == 201
    assert customer.transition(app_id, "kirim").status_code == 200
    moved = customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": second})
    assert moved.status_code == 403, moved.get_json()


# -- another agency: hostile table ------------------------------------------------------------
HOSTILE = [
    ("resource slots of another agency", "get", "/api/v1/booking/resource/{agency}/spektro/slots"),
    ("another agency's application's slots", "get", "/api/v1/booking/application/{app_id}/slots"),
    ("booking for another's application", "post", "/api/v1/booking/application/{app_id}"),
]


@pytest.mark.parametrize("name,method,path", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_another_agency_sees_nothing(app, factories, signed_in, monday, name, method, path):
    staff = factories.staff(AGENCY, "petugas")
    [slot_id] = offer(app, staff[0], "spektro", (monday, "08:00", "08:30"))
    customer = signed_in(factories.customer())
    app_id = new_application(customer, "pakai_spektro")
    stranger = signed_in(factories.staff(OTHER, "petugas", "pengelola_aula"))
    url = path.format(agency=AGENCY, app_id=app_id)
    response = stranger.get(url) if method == "get" else stranger.post(url, {"slot_id": slot_id})
    assert response.status_code == 404, response.get_json()
    other_customer = signed_in(factories.customer())
    response = other_customer.get(url) if method == "get" else other_customer.post(url, {"slot_id": slot_id})
    assert response.status_code in (403, 404), response.get_json()


# -- the portal: the customer picks on the application page ------------------------------------
def test_customer_picks_on_the_portal_and_a_taken_slot_says_so(app, factories, signed_in, monday):
    from tests.conftest import sign_in

    staff = factories.staff(AGENCY, "pengelola_aula")
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday + timedelta(days=3), monday + timedelta(days=3)))
    first, second = factories.customer(), factories.customer()
    first_app = new_application(signed_in(first), "sewa_aula")
    second_app = new_application(signed_in(second), "sewa_aula")
    browser = sign_in(app.test_client(), first[0])
    page = browser.get(f"/portal/permohonan/{first_app}").get_data(as_text=True)
    assert "Jadwal Aula Serbaguna" in page and f'name="slot_id" value="{slot_id}"' in page and "Asia/Makassar" in page
    response = browser.post(f"/portal/permohonan/{first_app}/jadwal", data={"slot_id": str(slot_id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = browser.get(f"/portal/permohonan/{first_app}").get_data(as_text=True)
    assert "Dipesan:" in page

    other = sign_in(app.test_client(), second[0])
    assert f'name="slot_id" value="{slot_id}"' not in other.get(f"/portal/permohonan/{second_app}").get_data(as_text=True)
    response = other.post(f"/portal/permohonan/{second_app}/jadwal", data={"slot_id": str(slot_id)})
    assert response.status_code == 409
    assert TAKEN in response.get_data(as_text=True)
    assert other.post(f"/portal/permohonan/{first_app}/jadwal", data={"slot_id": str(slot_id)}).status_code == 404


def test_a_tariff_counts_the_booked_days_of_the_resource_slot(app, factories, signed_in, monday):
    """``booked_days`` of a computed tariff (create_invoice.amount_expr) is the booking's length in
    agency-local calendar days, both ends counted: Monday 08:00 to Wednesday 16:00 WITA is 3."""
    from app.commands.application.effects import booked_days
    from app.extensions import db
    from models import Application

    staff = factories.staff(AGENCY, "pengelola_aula")
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday, monday + timedelta(days=2)))
    customer = signed_in(factories.customer())
    app_id = new_application(customer, "sewa_aula")
    with app.app_context():
        assert booked_days(db.session.get(Application, app_id), "Asia/Makassar") == 0
    assert customer.post(f"/api/v1/booking/application/{app_id}", {"slot_id": slot_id}).status_code == 201
    with app.app_context():
        assert booked_days(db.session.get(Application, app_id), "Asia/Makassar") == 3
