"""SLA bookkeeping on state changes: the state's own deadline and the whole service's standard time."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.core.formatting import from_local, localize
from app.rules.model import Rules
from app.workflow.calendar import DAY_UNITS, WorkingCalendar, sla_unit
from models import Agency, AgencyDayOff, Application

FINAL_KINDS = ("final_success", "final_rejected", "final_cancelled")


def agency_calendar(rules: Rules, agency: Agency) -> WorkingCalendar:
    """National holidays (with cuti bersama) plus the agency's days off from the rules and the admin screens."""
    days = set(rules.agency(agency.key).get("extra_days_off") or []) if rules.has_agency(agency.key) else set()
    days |= set(db.session.scalars(select(AgencyDayOff.day).where(AgencyDayOff.agency_id == agency.id)))
    return WorkingCalendar.from_rules(rules.calendar(), days)


def to_local(utc: datetime, tz: str) -> datetime:
    """An aware time as the agency's naive wall-clock time, for the calendar's arithmetic."""
    return localize(utc, tz).replace(tzinfo=None)


def to_utc(local: datetime, tz: str) -> datetime:
    """The agency's naive wall-clock time back to an aware UTC time."""
    return from_local(local, tz)


def local_value_to_utc(value, tz: str) -> datetime:
    """A date or date-time typed in the agency's zone (ISO text or object) as aware UTC; a bare
    date means the end of that day."""
    if isinstance(value, str):
        text = value.strip().replace(" ", "T")
        value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    if value.tzinfo is not None:
        return value.astimezone(timezone.utc)
    return to_utc(value, tz)


def clock_stops(state_spec: dict) -> bool:
    clock = state_spec.get("clock")
    if clock is None:
        return state_spec.get("kind") == "waiting_customer"
    return clock == "stops"


class SlaClock:
    """Computes deadlines for one application in its agency's time zone and calendar."""

    def __init__(self, rules: Rules, agency: Agency):
        self.tz = agency.timezone or "Asia/Jakarta"
        self.calendar = agency_calendar(rules, agency)

    def due(self, start_utc: datetime, sla: dict) -> datetime:
        """The deadline ``sla`` after ``start_utc``, aware UTC. Deadlines counted in days (working or
        calendar) end at the close of a working day in the agency's zone — never on a weekend, a
        holiday or cuti bersama; deadlines in hours or minutes are exact."""
        local = self.calendar.add(to_local(start_utc, self.tz), sla)
        if sla_unit(sla)[0] in DAY_UNITS:
            local = self.calendar.end_of_working_day(local)
        return to_utc(local, self.tz)

    def remaining(self, now_utc: datetime, due_utc: datetime, sla: dict) -> dict:
        return self.calendar.remaining(to_local(now_utc, self.tz), to_local(due_utc, self.tz), sla)

    def enter_state(self, application: Application, *, to_state: str, state_spec: dict,
                    service_spec: dict, now: datetime) -> None:
        application.state = to_state
        application.state_kind = state_spec.get("kind", "working")
        application.state_entered_at = now
        application.state_overdue_handled = False
        application.state_due_at = self.due(now, state_spec["sla"]) if state_spec.get("sla") else None

        service_sla = service_spec.get("sla")
        # Submitted: the first time the application is in the office's hands (not a draft).
        if application.submitted_at is None and application.state_kind not in ("waiting_customer", *FINAL_KINDS):
            application.submitted_at = now
            if service_sla:
                application.due_at = self.due(now, service_sla)
        if application.state_kind in FINAL_KINDS:
            application.closed_at = now
            application.sla_paused = None
            return
        if not service_sla or application.submitted_at is None:
            return
        if clock_stops(state_spec):
            if application.sla_paused is None and application.due_at is not None:
                application.sla_paused = {
                    "since": now.isoformat(),
                    "remaining": self.remaining(now, application.due_at, service_sla),
                }
        elif application.sla_paused is not None:
            application.due_at = self.due(now, application.sla_paused["remaining"])
            application.sla_paused = None
