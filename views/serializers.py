"""Plain-dict views of applications for the API and templates; never a password hash or a secret."""
from __future__ import annotations

from functools import cache

from app.core.formatting import isoformat, zone_name
from app.outbox.notify import display_name
from app.rules.labels import rules_label
from app.commands.rules.state import rules_state
from models import Application


label = rules_label  # a rules label (text or {id, en}) in the language being shown


def state_labels(application: Application, state: str | None = None) -> dict:
    states = rules_state().rules_for(application.rules_version_id).states_for(application.service_type.key)
    spec = states.get(state or application.state) or {}
    customer = label(spec.get("label") or (state or application.state))
    return {"customer": customer, "staff": label(spec.get("staff_label")) or customer,
            "kind": spec.get("kind") or "working"}


def iso(value, zone=None):
    """ISO 8601 with the offset of ``zone`` (the application's agency), e.g. 2026-11-30T01:29:00+08:00."""
    return isoformat(value, zone) if value is not None else None


def user_name_column(user_id, profile_name=None):
    """The display name (as display_name computes it: the profile's full name, else the account's
    name) of the user whose id is the column ``user_id``, as a column: a list needs no statement per
    row. ``profile_name`` replaces the profile's full name by another expression over the profile."""
    from flask_appbuilder.security.sqla.models import User
    from sqlalchemy import func, select

    from models import CustomerProfile

    profile = (select(CustomerProfile.full_name if profile_name is None else profile_name)
               .where(CustomerProfile.user_id == user_id).scalar_subquery())
    account = select(func.trim(User.first_name + " " + User.last_name)).where(User.id == user_id).scalar_subquery()
    return func.coalesce(profile, account)


def customer_name_column(with_organisation: bool = False):
    """The customer's display name as a column of a select over Application (as ``display_name``;
    with ``with_organisation`` as the back office's ``customer_names``: "name — organisation")."""
    from sqlalchemy import case, func

    from models import CustomerProfile

    name = None
    if with_organisation:
        name = case((func.coalesce(CustomerProfile.organisation_name, "") != "",
                     CustomerProfile.full_name + " — " + CustomerProfile.organisation_name),
                    else_=CustomerProfile.full_name)
    return user_name_column(Application.customer_id, name).label("customer_name")


def application_summary(application: Application, customer_name: str | None = None) -> dict:
    labels = state_labels(application)
    tz = application.timezone

    def iso(value):  # every time of an application in its agency's zone
        return isoformat(value, tz) if value is not None else None

    return {
        "id": application.id, "number": application.number, "receipt": application.receipt,
        "service": application.service_type.key, "service_name": application.service_type.display_name,
        "agency": application.agency.key, "state": application.state,
        "state_label": labels["customer"], "state_staff_label": labels["staff"],
        "state_kind": application.state_kind, "request_kind": application.request_kind,
        "customer_name": display_name(application.customer) if customer_name is None else customer_name,
        "created_at": iso(application.created_at), "submitted_at": iso(application.submitted_at),
        "due_at": iso(application.due_at), "state_due_at": iso(application.state_due_at),
        "sla_paused": application.sla_paused is not None, "version": application.version,
        "timezone": tz, "timezone_name": zone_name(tz),
    }


def _actor_name(event) -> str:
    name = getattr(event, "_actor_name", None)       # set by events_with_actors (one statement)
    if name is not None:
        return name
    return display_name(event.actor) if event.actor else "Sistem"


def events_with_actors(application_id: int) -> list:
    """The application's audit events, oldest first, each with its actor's display name, in one
    statement (the timeline otherwise loads the actor and their profile per event)."""
    from sqlalchemy import select

    from app.extensions import db
    from models import AuditEvent

    rows = db.session.execute(select(AuditEvent, user_name_column(AuditEvent.actor_id))
                              .where(AuditEvent.application_id == application_id)
                              .order_by(AuditEvent.created_at, AuditEvent.id)).all()
    events = []
    for event, name in rows:
        event._actor_name = name if event.actor_id is not None else "Sistem"
        events.append(event)
    return events


def timeline(application: Application, events) -> list[dict]:
    tz = application.timezone
    return [{
        "id": e.id, "action": e.action, "label": e.timeline_label or e.action_label,
        "from_state": e.from_state, "to_state": e.to_state,
        "to_state_label": state_labels(application, e.to_state)["customer"],
        "note": e.note, "actor": _actor_name(e),
        "at": iso(e.created_at, tz),
    } for e in events]


# the collections the detail shows -> the to-one relations of their rows it shows too (read_detail)
DETAIL_COLLECTIONS = {"cart_lines": ("item",), "files": ("file",), "payments": ("bank_account",),
                      "slots": (), "documents": (), "work_items": ()}


def read_detail(pk: int):
    """The application ``pk`` with everything its detail shows, in ONE statement (_detail_statement).

    Returns ``(application, customer_name, events, booking)`` or None.
    """
    from sqlalchemy.orm.attributes import set_committed_value

    from app.extensions import db

    rows = db.session.execute(_detail_statement(), {"pk": pk}).unique().all()
    if not rows:
        return None
    events, booking = [], None
    for _application, _name, event, actor_name, booked, booked_slot in rows:
        if event is not None:
            event._actor_name = actor_name if event.actor_id is not None else "Sistem"
            events.append(event)
        if booked is not None and booking is None:
            set_committed_value(booked, "slot", booked_slot)
            booking = booked
    return rows[0][0], rows[0][1], events, booking


@cache
def _detail_statement():
    """Service type and agency are joined to the application (bound parameter ``pk``); the
    collections (cart lines with their item, files with their stored file, payments with their bank
    account, slots, documents, work rows), the audit events with their actor's name and the active
    booking with its slot come from the same statement: the application row is crossed with a small
    list of kinds 1..8 and each child table is outer-joined only on the row of its own kind. The result
    has one row per child (the sum of the collections' sizes, never their product) and the ORM fills
    each collection from its rows. Built once per process: making it (a dozen ORM joins) cost more
    Python time than running it."""
    from sqlalchemy import and_, bindparam, select
    from sqlalchemy.orm import aliased, joinedload

    from app.core.database import collections_in_one_statement, extra_kinds
    from models import AuditEvent, Booking, ResourceSlot

    collections = DETAIL_COLLECTIONS
    joined, loaders, order, kind = collections_in_one_statement(Application, collections)
    loaders += [joinedload(Application.service_type), joinedload(Application.agency)]
    events_kind, booking_kind = extra_kinds(collections)
    slot = aliased(ResourceSlot)
    joined = (joined.outerjoin(AuditEvent, and_(AuditEvent.application_id == Application.id, kind == events_kind))
              .outerjoin(Booking, and_(Booking.application_id == Application.id, Booking.seat.is_not(None),
                                       kind == booking_kind))
              .outerjoin(slot, Booking.slot_id == slot.id))
    return (select(Application, customer_name_column(), AuditEvent, user_name_column(AuditEvent.actor_id), Booking,
                   slot)
            .select_from(joined).where(Application.id == bindparam("pk")).options(*loaders)
            .order_by(*order, AuditEvent.created_at, AuditEvent.id, Booking.id))


def booking_detail(application: Application, booking=False) -> dict | None:
    """The application's booked slot (resource, times in the agency's zone), or None; no statement for a
    service without bookings."""
    from app.commands.booking import active_booking

    if application.service_spec.booking is None:
        return None
    if booking is False:     # not read with the application (read_detail reads it)
        booking = active_booking(application)
    if booking is None:
        return None
    slot, tz = booking.slot, application.timezone
    return {"id": booking.id, "slot_id": slot.id, "resource": slot.resource_key, "whole_days": slot.whole_days,
            "start": isoformat(slot.starts_at, tz), "end": isoformat(slot.ends_at, tz),
            "booked_at": isoformat(booking.created_at, tz)}


def application_detail(application: Application, events, customer_name: str | None = None,
                       booking=False) -> dict:
    body = application_summary(application, customer_name)
    tz = application.timezone

    def iso(value):
        return isoformat(value, tz) if value is not None else None

    body.update({
        "data": application.data, "company": application.company, "location": application.location,
        "numbers": application.numbers,
        "deadlines": {key: iso(value) for key, value in application.deadlines_at.items()},
        "asset_id": application.asset_id, "assignee_id": application.assignee_id,
        "total_amount": str(application.total_amount),
        "cart": [{"code": line.item.code, "name": line.item.name, "unit": line.item.unit,
                  "quantity": line.quantity, "unit_price": str(line.unit_price),
                  "amount": str(line.amount), "note": line.note} for line in application.cart_lines],
        "files": [{"id": f.id, "purpose": f.purpose, "doc_key": f.doc_key, "name": f.file.original_name,
                   "kind": f.file.kind, "size": f.file.size, "sha256": f.file.sha256,
                   "superseded": f.superseded, "at": iso(f.created_at)} for f in application.files],
        "payments": [{"id": p.id, "amount": str(p.amount), "status": p.status,
                      "billing_code": p.billing_code, "computation": p.computation, "kind": p.kind,
                      "refund_account": p.refund_account, "refund_of": p.refund_of_id, "reference_no": p.reference_no,
                      "paid_on": p.paid_on, "bank_account": repr(p.bank_account) if p.bank_account else None,
                      "has_proof": p.proof_file_id is not None, "note": p.note,
                      "amount_received": None if p.amount_received is None else str(p.amount_received),
                      "shortfall": str(p.shortfall), "bank_reference": p.bank_reference, "ntpn": p.ntpn,
                      "due_at": iso(p.due_at), "submitted_at": iso(p.submitted_at), "decided_at": iso(p.decided_at),
                      "superseded_at": iso(p.superseded_at), "created_at": iso(p.created_at)}
                     for p in application.payments],
        "slots": [{"id": s.id, "start": iso(s.starts_at), "end": iso(s.ends_at),
                   "location": s.location, "status": s.status} for s in application.slots],
        "documents": [{"id": d.id, "key": d.doc_key, "kind": d.kind, "number": d.number,
                       "status": d.status, "signed": d.signed, "verify_code": d.verify_code,
                       "valid_from": d.valid_from.isoformat() if d.valid_from else None,
                       "valid_until": d.valid_until.isoformat() if d.valid_until else None}
                      for d in application.documents],
        "timeline": timeline(application, events),
        "booking": booking_detail(application, booking),
    })
    return body


def work_items_detail(application: Application) -> list[dict]:
    """The application's work rows (``work_items`` in the rules) for staff: assignee, status, values
    and the ids of their raw-data files (downloadable at /unduh/berkas/<id>)."""
    tz = application.timezone
    return [{"id": row.id, "position": row.position, "code": row.code, "name": row.name,
             "assignee_id": row.assignee_id, "status": row.status, "values": dict(row.values or {}),
             "files": {key: list(ids) for key, ids in (row.files or {}).items()}, "note": row.note,
             "version": row.version, "updated_at": isoformat(row.updated_at, tz) if row.updated_at else None}
            for row in application.work_items]
