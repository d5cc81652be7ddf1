"""Helpers shared by the back-office screens: labels, SLA badges, the user's agency and services."""
from __future__ import annotations

from datetime import datetime

from flask import g
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app.security.access import is_admin, staff_profile
from app.extensions import db
from app.core.formatting import as_utc, format_datetime, format_money
from app.commands.rules.state import rules_state
from app.commands.application.sla_clock import SlaClock, to_local
from app.workflow.calendar import sla_status
from app.rules.labels import rules_label
from models import Agency, Application, CustomerProfile, RulesVersion, ServiceType, User
from models.base import utcnow

SLA_BADGES = {  # status → (css class, label: Indonesian source, translated when shown)
    "on_time": ("label-success", _l("Tepat waktu")),
    "due_soon": ("label-warning", _l("Segera jatuh tempo")),
    "overdue": ("label-danger", _l("Terlambat")),
    "paused": ("label-default", _l("Menunggu pemohon")),
    "none": ("", ""),
}


text = rules_label  # a rules label (text or {id, en}) in the language being shown


def active_rules_data() -> dict:
    version = db.session.scalar(select(RulesVersion.id).where(RulesVersion.active.is_(True)))
    if version is None:
        return rules_state().file_rules.data
    return rules_state().rules_for(version).data


def rules_data_of(application: Application) -> dict:
    return rules_state().rules_for(application.rules_version_id).data


def visible_agencies(user) -> list[Agency]:
    if is_admin(user):
        return list(db.session.scalars(select(Agency).order_by(Agency.name)))
    profile = staff_profile(user)
    return [profile.agency] if profile else []


def visible_services(user, agency_id: int | None = None) -> list[ServiceType]:
    """The services a staff member handles (all of their agency's unless restricted); all for admins."""
    stmt = select(ServiceType).order_by(ServiceType.agency_id, ServiceType.name)
    if not is_admin(user):
        profile = staff_profile(user)
        if profile is None:
            return []
        if profile.services:
            return sorted(profile.services, key=lambda s: s.name)
        stmt = stmt.where(ServiceType.agency_id == profile.agency_id)
    if agency_id:
        stmt = stmt.where(ServiceType.agency_id == agency_id)
    return list(db.session.scalars(stmt))


def user_zone(user) -> str:
    """The time zone a staff member's own lists and filters use: their agency's (WIB otherwise)."""
    from app.core.formatting import zone_key
    profile = staff_profile(user)
    return zone_key(profile.agency if profile else None)


def customer_names(user_ids) -> dict[int, str]:
    ids = list({i for i in user_ids if i})
    if not ids:
        return {}
    names = {p.user_id: p.full_name + (f" — {p.organisation_name}" if p.organisation_name else "")
             for p in db.session.scalars(select(CustomerProfile).where(CustomerProfile.user_id.in_(ids)))}
    for user in db.session.scalars(select(User).where(User.id.in_([i for i in ids if i not in names]))):
        names[user.id] = f"{user.first_name} {user.last_name}".strip()
    return names


class SlaBadges:
    """SLA badge of applications: state deadline (or the whole service's), remaining working days.
    One calendar per agency per request."""

    def __init__(self, now: datetime | None = None):
        self.now = as_utc(now) if now else utcnow()
        self._clocks: dict[tuple[int, int], SlaClock] = {}

    def clock(self, application: Application) -> SlaClock:
        key = (application.agency_id, application.rules_version_id)
        if key not in self._clocks:
            self._clocks[key] = SlaClock(rules_data_of(application), application.agency)
        return self._clocks[key]

    def badge(self, application: Application) -> dict:
        if application.state_kind in ("final_success", "final_rejected", "final_cancelled"):
            return {"status": "none", "css": "", "label": "", "detail": ""}
        due = application.state_due_at or (application.due_at if application.sla_paused is None else None)
        if due is None:
            if application.sla_paused is not None:
                css, label = SLA_BADGES["paused"]
                return {"status": "paused", "css": css, "label": label, "detail": ""}
            return {"status": "none", "css": "", "label": "", "detail": ""}
        clock = self.clock(application)
        local_now, local_due = to_local(self.now, clock.tz), to_local(due, clock.tz)
        status = sla_status(local_now, local_due)
        days = clock.calendar.working_days_between(min(local_now, local_due), max(local_now, local_due))
        if status == "overdue":
            detail = ngettext("lewat %(num)d hari kerja", "lewat %(num)d hari kerja", days) if days \
                else _l("lewat hari ini")
        else:
            detail = ngettext("sisa %(num)d hari kerja", "sisa %(num)d hari kerja", days) if days else _l("hari ini")
        css, label = SLA_BADGES[status]
        return {"status": status, "css": css, "label": label, "detail": detail,
                "due": format_datetime(due, clock.tz)}


def local_time(value: datetime | None, tz: str | None = None) -> str:
    """A stored (UTC) time in the agency's zone with the zone's name (app.core.formatting)."""
    return format_datetime(value, tz)


def rupiah(value) -> str:
    return format_money(value)


def current_user():
    return g.user


def platform_errors(method):
    """Render a platform error (404 outside the user's scope, …) as the back office's error page."""
    from functools import wraps

    from app.core.errors import SatuPintuError

    @wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except SatuPintuError as error:
            db.session.rollback()
            return self.render_template("error.html", error=error), error.status
    return wrapper
