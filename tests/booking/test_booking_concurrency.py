"""Many customers booking the last seat of one slot at the same moment (PostgreSQL: real concurrent
transactions): exactly one wins, every other gets the Indonesian message, and the database holds one
booking. With capacity 2 exactly two win."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from .helpers import AGENCY, new_application, offer, whole_days

pytestmark = pytest.mark.postgres   # deselected on SQLite (tests/conftest.py)

TAKEN = "Slot ini baru saja dipesan pemohon lain; pilih slot lain."
RACERS = 6


@pytest.fixture
def slow_inserts(monkeypatch):
    """Hold each booker inside its transaction right after taking its seat, so the others surely
    overlap it (they then wait on the unique index for it to commit)."""
    from app.commands import booking

    original = booking.take_seat

    def take_seat(slot, application, now):
        result = original(slot, application, now)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(booking, "take_seat", take_seat)


def race(app, requests):
    barrier = threading.Barrier(len(requests))
    answers = [None] * len(requests)

    def worker(index, path, body, token):
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            try:
                response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
                answers[index] = (response.status_code, response.get_json())
            except Exception as error:  # pragma: no cover - reported by the assertion below
                answers[index] = (599, {"exception": repr(error)})

    threads = [threading.Thread(target=worker, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def active_bookings(app, slot_id):
    from app.extensions import db
    from models.booking import Booking

    with app.app_context():
        count = db.session.scalar(select(func.count(Booking.id)).where(Booking.slot_id == slot_id,
                                                                       Booking.seat.is_not(None)))
        db.session.remove()
        return count


def racers(factories, signed_in, service):
    entries = []
    for _ in range(RACERS):
        customer = signed_in(factories.customer())
        entries.append((customer, new_application(customer, service)))
    return entries


def test_many_customers_book_one_seat_at_once_exactly_one_wins(app, factories, signed_in, monday, slow_inserts):
    staff = factories.staff(AGENCY, "pengelola_aula")
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday, monday))
    entries = racers(factories, signed_in, "sewa_aula")
    answers = race(app, [(f"/api/v1/booking/application/{app_id}", {"slot_id": slot_id}, customer.token)
                         for customer, app_id in entries])
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (RACERS - 1), answers
    assert all(body["message"] == TAKEN and body["error"] == "slot_taken"
               for status, body in answers if status == 409), answers
    assert active_bookings(app, slot_id) == 1


def test_capacity_two_at_once_exactly_two_win(app, factories, signed_in, monday, slow_inserts):
    staff = factories.staff(AGENCY, "petugas")
    [slot_id] = offer(app, staff[0], "spektro", (monday, "10:00", "11:00"))
    entries = racers(factories, signed_in, "pakai_spektro")
    answers = race(app, [(f"/api/v1/booking/application/{app_id}", {"slot_id": slot_id}, customer.token)
                         for customer, app_id in entries])
    assert sorted(status for status, _ in answers) == [201, 201] + [409] * (RACERS - 2), answers
    assert active_bookings(app, slot_id) == 2


def test_customers_submitting_the_wizard_for_the_last_seat_exactly_one_application_is_stored(
        app, factories, monday, slow_inserts):
    """The seat is taken at submission, in the application's transaction: the winners' application and
    booking are stored, every other customer gets the wizard back with the message on the slot field
    and has no application at all."""
    from app.extensions import db
    from models import Application
    from tests.conftest import sign_in

    staff = factories.staff(AGENCY, "pengelola_aula")
    [slot_id] = offer(app, staff[0], "aula", whole_days(monday, monday))
    users = [factories.customer() for _ in range(RACERS)]
    browsers = [sign_in(app.test_client(), user[0]) for user in users]
    barrier = threading.Barrier(RACERS)
    answers = [None] * RACERS

    def worker(index):
        with app.app_context():
            barrier.wait()
            try:
                response = browsers[index].post("/portal/ajukan/sewa_aula_bayar", data={
                    "action": "submit", "f.acara": "Rapat", "slot_id": str(slot_id)}, content_type="multipart/form-data")
                answers[index] = (response.status_code, response.get_data(as_text=True))
            except Exception as error:  # pragma: no cover - reported by the assertion below
                answers[index] = (599, repr(error))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [302] + [422] * (RACERS - 1), [(s, b[:300]) for s, b in answers]
    for status, body in answers:
        if status == 422:
            message = body.split('id="slot_id-error" role="alert">', 1)[1].split("</p>", 1)[0]
            # overlapping the winner: the seat taken meanwhile; after its commit: the slot is full
            assert message in (TAKEN, "Jadwal yang dipilih sudah penuh; pilih jadwal lain."), message
    assert any(TAKEN in body for status, body in answers if status == 422)   # the race was real
    assert active_bookings(app, slot_id) == 1
    with app.app_context():
        stored = db.session.scalar(select(func.count(Application.id)).where(
            Application.customer_id.in_([user[0] for user in users])))
        db.session.remove()
    assert stored == 1
