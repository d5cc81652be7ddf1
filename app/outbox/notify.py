"""Notifications as outbox rows: rendered from the rules' templates in the transition's transaction,
delivered after commit by the worker. A recipient without an address gets a visible dead row."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from flask import current_app
from jinja2 import Undefined
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import insert, select

from app.core import formatting
from app.security.access import users_with_role
from app.core.formatting import format_datetime, format_money, format_phone, install_filters, tidy_sentence
from app.extensions import db
from app.rules.model import Rules
from app.workflow.fields import label_text
from models import Application, CustomerProfile, OutboxMessage, User

# The rules' notification texts are Indonesian: their dates and numbers are too, whatever the
# language of the staff member whose action sends them.
LOCALE = "id"
# Templates come from an agency administrator's rules file: render them sandboxed.
_env = SandboxedEnvironment(undefined=Undefined, autoescape=False)


def rupiah(value) -> str:
    """``Rp 1.500.000`` (kept here for the modules that import it; see app.core.formatting)."""
    return format_money(value)


def format_date(value, with_time: bool = False, zone=None) -> str:
    """A date (``30 November 2026``) or, ``with_time``, a time with its zone (app.core.formatting)."""
    if not value:
        return "-"
    if with_time and isinstance(value, datetime):
        return format_datetime(value, zone)
    return formatting.format_date(value, zone)


install_filters(_env)


@lru_cache(maxsize=512)
def _compiled(source: str):
    """A notification template compiled once per process (compiling cost more than rendering: about
    half of a transition's Python time went to ``from_string``). Keyed by the source text, so an
    edited template in a new rules version is a new entry."""
    return _env.from_string(source)


def render_text(source: str, context: dict) -> str:
    return tidy_sentence(_compiled(source or "").render(**context).strip())


def phone_of(user: User) -> str:
    profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user.id))
    return profile.phone if profile and profile.phone else ""


def display_name(user: User | None, profiles: dict | None = None) -> str:
    """The profile's full name, else the account's name. ``profiles`` (user id -> profile, from
    profiles_of) spares the statement when the caller has read them already."""
    if user is None:
        return ""
    if profiles is not None and user.id in profiles:
        profile = profiles[user.id]
    else:
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user.id))
    if profile:
        return profile.full_name
    return f"{user.first_name} {user.last_name}".strip()


def profiles_of(users) -> dict:
    """user id -> CustomerProfile (or None) for ``users``, in one statement."""
    ids = {u.id for u in users if u is not None and getattr(u, "id", None)}
    if not ids:
        return {}
    with db.session.no_autoflush:
        found = {p.user_id: p for p in db.session.scalars(
            select(CustomerProfile).where(CustomerProfile.user_id.in_(ids)))}
    return {i: found.get(i) for i in ids}


def resolve_recipients(target: str, application: Application, actor: User | None) -> list[User]:
    if target == "customer":
        return [application.customer]
    if target == "assignee":
        return [application.assignee] if application.assignee else []
    if target == "actor":
        return [actor] if actor is not None else []
    if target.startswith("role:"):
        return users_with_role(target[5:], application.agency_id, application.service_type_id)
    return []


def notification_context(application: Application, rules: Rules, *, actor: User | None,
                         note: str = "", values: dict | None = None, deadline=None,
                         step: str = "", step_at=None) -> dict:
    """What a notification template may use. ``step`` is the step just completed (the transition's
    timeline text) and ``step_at`` its time, so a message can say what happened, then what the
    application waits for now (``app.state_label``)."""
    service_key = application.service_type.key
    states = rules.states_for(service_key) if rules.has_service(service_key) else {}
    state = states.get(application.state) or {}
    base = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    label = state.get("label") or application.state
    zone = formatting.zone_key(application.agency)
    profiles = profiles_of([application.customer, actor])   # the customer and the actor: one statement
    return {
        "app": {
            "id": application.id, "number": application.number, "receipt": application.receipt,
            "reference": application.reference, "state": application.state,
            "state_label": label_text(label, "id"),
            "total": application.total_amount, "numbers": dict(application.numbers or {}),
            "due_at": format_datetime(application.due_at, zone, locale=LOCALE) if application.due_at else "",
            "submitted_at": format_datetime(application.submitted_at or application.created_at, zone,
                                            locale=LOCALE),
        },
        "service": {"name": application.service_type.name, "code": application.service_type.code},
        "agency": {"name": application.agency.name, "short_name": application.agency.short_name,
                   "phone": format_phone(application.agency.phone) if application.agency.phone else "", "email": application.agency.email},
        "customer": {"name": display_name(application.customer, profiles), "email": application.customer.email},
        "actor": {"name": display_name(actor, profiles)} if actor else {"name": "Sistem"},
        "note": note or "",
        "step": {"label": step or "",
                 "at": format_datetime(step_at, zone, locale=LOCALE) if step_at else ""},
        "values": values or {},
        "deadline": format_datetime(deadline, zone, locale=LOCALE) if deadline else "",
        "zone": zone, "locale": LOCALE,
        "links": {
            "portal": f"{base}/portal/permohonan/{application.id}",
            "backoffice": f"{base}/backoffice/permohonan/{application.id}",
            "tracking": f"{base}/lacak",
        },
    }


def queue_notifications(entries: list[dict], application: Application, rules: Rules, *,
                        actor: User | None, context: dict, audit_event_id: int | None) -> list[dict]:
    """One outbox row per recipient and channel for each ``notify`` entry, all in one INSERT; returns
    the rows' values."""
    rows = []
    templates = dict(rules.notifications())
    # every recipient first (their reads do not flush half-built rows), then the rows in one flush
    with db.session.no_autoflush:
        targets = [(entry, templates.get(entry["template"], {}),
                    resolve_recipients(entry["to"], application, actor)) for entry in entries]
        wants_phone = [r for entry, _t, recipients in targets if "whatsapp" in entry.get("channels", [])
                       for r in recipients]
        profiles = profiles_of(wants_phone) if wants_phone else {}
    for entry, template, recipients in targets:
        for recipient in recipients:
            for channel in entry.get("channels", []):
                variant = template.get(channel, {})
                subject = render_text(variant.get("subject", ""), context)
                body = render_text(variant.get("body", ""), context)
                if channel == "email":
                    address = recipient.email or ""
                elif channel == "whatsapp":
                    profile = profiles.get(recipient.id)
                    address = profile.phone if profile and profile.phone else ""
                else:
                    address = str(recipient.id)
                rows.append({"kind": "notification", "channel": channel, "application_id": application.id,
                             "audit_event_id": audit_event_id, "recipient_id": recipient.id,
                             "template": entry["template"], "payload": {"subject": subject, "body": body},
                             "recipient_address": address, "status": "pending" if address else "dead",
                             "last_error": "" if address else
                             f"recipient {recipient.username} has no address for {channel}"})
    # One INSERT for every row: ORM objects would cost one INSERT each, because flushing them needs
    # their ids back in order (RETURNING), which SQLite cannot batch (no insert sentinel); nobody
    # reads these rows back in this request, so they are inserted without RETURNING. Every row has
    # the same keys, so the driver gets them in one executemany (PostgreSQL: one multi-VALUES).
    if rows:
        db.session.execute(insert(OutboxMessage), rows)
    return rows
