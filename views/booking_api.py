"""REST for bookings (rules: ``agencies.<key>.resources``, a service's ``booking``): the free slots
an application may book, the customer's pick, and a resource's slots with their bookings for its
staff. Times are ISO 8601 in the agency's zone. Permissions are those of applications (read: get,
pick: transition); who sees what is app/commands/booking.py's (another agency's resource: 404)."""
from __future__ import annotations

from datetime import date, timedelta

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from marshmallow import Schema
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.commands.booking import BookSlotCommand, booking_spec, free_slots, managed_resources
from app.core.errors import N_, NotFoundError, ValidationError, translate
from app.core.formatting import from_local, isoformat, tzinfo
from app.extensions import db
from app.rules.vocabulary import label_text
from app.security.access import ensure_visible
from models import Agency, Application
from models.booking import ResourceSlot
from views.api import platform_errors
from views.api_contract import ContractErrors, StrictInteger, json_body

MAX_DAYS = 93


class BookSchema(Schema):
    slot_id = StrictInteger(required=True)


def slot_json(slot: ResourceSlot, zone: str, *, with_bookings: bool = False) -> dict:
    body = {"id": slot.id, "resource": slot.resource_key, "start": isoformat(slot.starts_at, zone),
            "end": isoformat(slot.ends_at, zone), "whole_days": slot.whole_days, "capacity": slot.capacity,
            "free": slot.free_seats, "status": slot.status}
    if with_bookings:
        body["bookings"] = [{"id": b.id, "application_id": b.application_id, "seat": b.seat,
                             "number": b.application.number or b.application.receipt}
                            for b in slot.active_bookings]
    return body


class BookingApi(ContractErrors, BaseApi):
    resource_name = "booking"
    class_permission_name = "Application"
    method_permission_name = {"application_slots": "get", "book": "transition", "resource_slots": "get"}
    allow_browser_login = False
    openapi_spec_tag = "Bookings"
    openapi_spec_component_schemas = (BookSchema,)

    @expose("/application/<int:pk>/slots", methods=["GET"])
    @protect()
    @safe
    @platform_errors
    def application_slots(self, pk: int):
        """The free slots of the resource the application's service books, of its unit.
        ---
        get:
          parameters: [{in: path, name: pk, required: true, schema: {type: integer}}]
          responses:
            200:
              description: Free slots, earliest first
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      resource: {type: string}
                      result: {type: array, items: {type: object}}
            404: {description: Unknown application, or its service books nothing}
        """
        application = ensure_visible(db.session.get(Application, pk), g.user)
        spec = booking_spec(application)
        if spec is None:
            raise NotFoundError()
        zone = application.timezone
        return self.response(200, resource=spec.resource, unit=spec.unit,
                             result=[slot_json(s, zone) for s in free_slots(application)])

    @expose("/application/<int:pk>", methods=["POST"])
    @protect()
    @safe
    @platform_errors
    @json_body(BookSchema)
    def book(self, pk: int, body: dict, files: dict):
        """The customer books a free slot for the application (a new pick releases the previous one).
        ---
        post:
          parameters: [{in: path, name: pk, required: true, schema: {type: integer}}]
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Book'}
          responses:
            201:
              description: Booked
              content:
                application/json:
                  schema: {type: object, properties: {result: {type: object}}}
            403: {description: Not in a state where the slot may be picked}
            409: {description: 'slot_taken: the last seat was just booked by someone else'}
            422: {description: Slot unknown, withdrawn, past or of another resource}
        """
        booking = BookSlotCommand(pk, g.user, body["slot_id"]).run()
        application = db.session.get(Application, pk)
        return self.response(201, result={"id": booking.id, "slot": slot_json(booking.slot, application.timezone)})

    @expose("/resource/<agency_key>/<resource_key>/slots", methods=["GET"])
    @protect()
    @safe
    @platform_errors
    def resource_slots(self, agency_key: str, resource_key: str):
        """A resource's offered slots with their bookings, for the staff managing it (`from`, `to`:
        YYYY-MM-DD in the agency's zone; default the next 31 days).
        ---
        get:
          parameters:
          - {in: path, name: agency_key, required: true, schema: {type: string}}
          - {in: path, name: resource_key, required: true, schema: {type: string}}
          - {in: query, name: from, required: false, schema: {type: string, format: date}}
          - {in: query, name: to, required: false, schema: {type: string, format: date}}
          responses:
            200:
              description: Slots, earliest first
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      resource: {type: object}
                      result: {type: array, items: {type: object}}
            404: {description: Unknown resource, or not one the caller manages}
        """
        agency = db.session.scalar(select(Agency).where(Agency.key == agency_key))
        resource = next((r for r in managed_resources(g.user, agency) if r.key == resource_key), None) \
            if agency is not None else None
        if resource is None:
            raise NotFoundError()
        first, last = date_range(request.args.get("from"), request.args.get("to"), agency.timezone)
        slots = resource_slots(agency, resource.key, first, last)
        return self.response(200, resource={"key": resource.key, "label": label_text(resource.label),
                                            "capacity": resource.capacity},
                             result=[slot_json(s, agency.timezone, with_bookings=True) for s in slots])


def date_range(raw_from, raw_to, zone) -> tuple[date, date]:
    from app.core.formatting import local_date
    from models.base import utcnow

    try:
        first = date.fromisoformat(raw_from) if raw_from else local_date(utcnow(), zone)
        last = date.fromisoformat(raw_to) if raw_to else first + timedelta(days=31)
    except ValueError:
        raise ValidationError(details={"field_errors": {"from": translate(N_("Tanggal harus YYYY-MM-DD."))}}) from None
    if last < first or (last - first).days > MAX_DAYS:
        raise ValidationError(details={"field_errors": {"to": translate(
            N_("Rentang tanggal tidak sah (paling panjang %(days)s hari)."), days=MAX_DAYS)}})
    return first, last


def resource_slots(agency: Agency, resource_key: str, first: date, last: date) -> list[ResourceSlot]:
    """The open slots of a resource meeting the local days first..last, bookings and their applications
    loaded with them (three statements, whatever the number of slots)."""
    from datetime import datetime, time

    from models.booking import Booking

    zone = tzinfo(agency.timezone)
    start = from_local(datetime.combine(first, time.min), zone)
    end = from_local(datetime.combine(last + timedelta(days=1), time.min), zone)
    return list(db.session.scalars(
        select(ResourceSlot).where(ResourceSlot.agency_id == agency.id, ResourceSlot.resource_key == resource_key,
                                   ResourceSlot.status == "open", ResourceSlot.starts_at < end,
                                   ResourceSlot.ends_at > start)
        .options(joinedload(ResourceSlot.bookings).joinedload(Booking.application))
        .order_by(ResourceSlot.starts_at)).unique())
