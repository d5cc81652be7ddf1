"""Jadwal sumber daya: the back-office calendar of each resource the staff member manages (rules:
``agencies.<key>.resources[].managed_by``) — a month table, server-rendered, with the slots offered
on each day, their free seats and the applications booked on them, times in the agency's zone — and
the form offering new slots (OfferSlotsCommand checks opening hours and overlaps).

Statements per page are fixed: the user and profile, the slots of the month with their bookings and
applications in one query (views/booking_api.resource_slots)."""
from __future__ import annotations

import calendar
from datetime import date, time

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm

from app.commands.booking import OfferSlotsCommand, SlotRequest, WithdrawSlotCommand, managed_resources
from app.core.errors import SatuPintuError
from app.core.formatting import format_date, format_time, local_date
from app.extensions import db
from app.rules.vocabulary import label_text
from app.security.access import staff_profile
from models import Agency
from views.backoffice.common import platform_errors
from views.booking_api import resource_slots

WEEKDAY_LABELS = (_l("Senin"), _l("Selasa"), _l("Rabu"), _l("Kamis"), _l("Jumat"), _l("Sabtu"), _l("Minggu"))


class ScheduleForm(FlaskForm):
    """CSRF only: the fields are read from request.form (one slot per submit)."""


def _agency() -> Agency:
    profile = staff_profile(g.user)
    if profile is None:
        abort(404)
    return db.session.get(Agency, profile.agency_id)


def _month(raw: str | None, today: date) -> date:
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


def _shift(month: date, delta: int) -> date:
    index = month.year * 12 + month.month - 1 + delta
    return date(index // 12, index % 12 + 1, 1)


class ResourceScheduleView(BaseView):
    route_base = "/backoffice/jadwal"
    class_permission_name = "ResourceSchedule"
    method_permission_name = {"index": "list", "calendar": "list", "offer": "offer", "withdraw": "offer"}
    default_view = "index"

    @expose("/")
    @has_access
    @platform_errors
    def index(self):
        agency = _agency()
        resources = managed_resources(g.user, agency)
        if len(resources) == 1:
            return redirect(url_for("ResourceScheduleView.calendar", resource_key=resources[0].key))
        return self.render_template("backoffice/schedule_index.html", agency=agency,
                                    resources=[(r.key, label_text(r.label), r.capacity) for r in resources])

    @expose("/<resource_key>")
    @has_access
    @platform_errors
    def calendar(self, resource_key: str):
        agency = _agency()
        resource = next((r for r in managed_resources(g.user, agency) if r.key == resource_key), None)
        if resource is None:
            abort(404)
        from models.base import utcnow

        zone = agency.timezone
        month = _month(request.args.get("month"), local_date(utcnow(), zone))
        weeks = calendar.Calendar().monthdatescalendar(month.year, month.month)
        slots = resource_slots(agency, resource.key, weeks[0][0], weeks[-1][-1])
        by_day: dict[date, list] = {}
        for slot in slots:
            first, last = local_date(slot.starts_at, zone), local_date(slot.ends_at, zone)
            day = first
            while day <= last:
                by_day.setdefault(day, []).append(slot)
                day = date.fromordinal(day.toordinal() + 1)
        cells = [[{"day": day, "in_month": day.month == month.month, "slots": [
            {"slot": s, "time": _("Sepanjang hari") if s.whole_days else
             f"{format_time(s.starts_at, zone, with_zone=False)}–{format_time(s.ends_at, zone, with_zone=False)}",
             "bookings": s.active_bookings} for s in by_day.get(day, [])]} for day in week] for week in weeks]
        hours = [(WEEKDAY_LABELS[i], (resource.opening_hours or {}).get(key) or _("tutup"))
                 for i, key in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))]
        return self.render_template(
            "backoffice/schedule.html", agency=agency, resource=resource, label=label_text(resource.label),
            month=month, month_label=format_date(month).split(" ", 1)[-1], weeks=cells, weekdays=WEEKDAY_LABELS,
            previous=_shift(month, -1).strftime("%Y-%m"), next=_shift(month, 1).strftime("%Y-%m"),
            hours=hours, form=ScheduleForm(), zone=zone, errors={})

    @expose("/<resource_key>/tawarkan", methods=["POST"])
    @has_access
    @platform_errors
    def offer(self, resource_key: str):
        agency = _agency()
        form = ScheduleForm()
        month = request.form.get("month", "")
        if not form.validate_on_submit():
            flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
            return redirect(url_for("ResourceScheduleView.calendar", resource_key=resource_key, month=month))
        try:
            request_ = _slot_request(request.form)
            slots = OfferSlotsCommand(g.user, agency.id, resource_key, [request_]).run()
        except ValueError:
            flash(_("Tanggal dan jam slot belum lengkap atau tidak sah."), "danger")
        except SatuPintuError as error:
            if error.status == 404:
                raise
            flash(error.text, "danger")
        else:
            flash(_("%(count)s slot ditawarkan.", count=len(slots)), "success")
        return redirect(url_for("ResourceScheduleView.calendar", resource_key=resource_key, month=month))

    @expose("/slot/<int:slot_id>/tarik", methods=["POST"])
    @has_access
    @platform_errors
    def withdraw(self, slot_id: int):
        form = ScheduleForm()
        if not form.validate_on_submit():
            abort(400)
        try:
            slot = WithdrawSlotCommand(g.user, slot_id).run()
        except SatuPintuError as error:
            if error.status == 404:
                raise
            flash(error.text, "danger")
            return redirect(request.referrer or url_for("ResourceScheduleView.index"))
        flash(_("Slot ditarik."), "success")
        return redirect(url_for("ResourceScheduleView.calendar", resource_key=slot.resource_key,
                                month=request.form.get("month", "")))


def _slot_request(data) -> SlotRequest:
    """One slot from the form: a day with from/to times, or (whole days) a first and last day."""
    day = date.fromisoformat(data.get("day", ""))
    if data.get("kind") == "days":
        last = data.get("last_day") or ""
        return SlotRequest(day, last_day=date.fromisoformat(last) if last else day)
    return SlotRequest(day, time.fromisoformat(data.get("start", "")), time.fromisoformat(data.get("end", "")))
