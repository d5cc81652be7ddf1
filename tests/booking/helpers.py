"""Shared steps of the booking tests: offering slots as staff, creating an application as a customer."""
from __future__ import annotations

from datetime import date, time

AGENCY, OTHER = "balai_aula", "balai_lain"


def offer(app, staff_id: int, resource: str, *requests, agency: str = AGENCY) -> list[int]:
    """Offer slots through the command; each request a SlotRequest or (day, "HH:MM", "HH:MM")."""
    from sqlalchemy import select

    from app.commands.booking import OfferSlotsCommand, SlotRequest
    from app.extensions import db
    from models import Agency, User

    with app.test_request_context():
        built = [r if isinstance(r, SlotRequest) else SlotRequest(r[0], time.fromisoformat(r[1]),
                                                                  time.fromisoformat(r[2])) for r in requests]
        agency_id = db.session.scalar(select(Agency.id).where(Agency.key == agency))
        slots = OfferSlotsCommand(db.session.get(User, staff_id), agency_id, resource, built).run()
        ids = [s.id for s in slots]
        db.session.remove()
        return ids


def whole_days(first: date, last: date):
    from app.commands.booking import SlotRequest

    return SlotRequest(first, last_day=last)


def new_application(customer, service: str) -> int:
    response = customer.create(service, fields={})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["result"]["id"]
