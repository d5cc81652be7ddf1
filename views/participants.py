"""Back office for participant groups (rules: an agency's ``participant_groups``): owner
registrations asked by equipment providers, and the agency's registers of instruments and owners.

Every list is scoped to the staff member's agency (the platform administrator sees all); deciding a
registration also needs one of the roles the rules name in ``manages_customers.approved_by``.
"""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import or_, select
from wtforms import ValidationError as FormValidationError

from app.commands.providers import (DecideOwnerRegistrationCommand, decider_agency_ids,
                                    pending_registrations)
from app.core.errors import NotFoundError, ValidationError
from app.extensions import db
from models import Application, Asset
from models.participants import Participant
from views.agency_admin import OwnAgencyFilter
from views.backoffice.common import customer_names, local_time


def _assets_of(agency_id: int):
    """Instruments the agency has seen: applied for there, or owned by one of its participants."""
    return or_(Asset.id.in_(select(Application.asset_id).where(Application.agency_id == agency_id,
                                                               Application.asset_id.is_not(None))),
               Asset.owner_id.in_(select(Participant.user_id).where(Participant.agency_id == agency_id)))


class InstrumentRegisterView(ModelView):
    """Register of instruments (UTTP) and their owners, for the staff of the agency."""

    datamodel = SQLAInterface(Asset)
    route_base = "/backoffice/register-alat"
    class_permission_name = "InstrumentRegister"
    base_permissions = {"can_list", "can_show"}
    base_filters = [["id", OwnAgencyFilter, _assets_of]]
    list_columns = ["name", "kind", "brand", "model", "serial_number", "capacity", "owner.first_name",
                    "owner.last_name", "owner.email"]
    show_columns = list_columns + ["location"]
    search_columns = ["name", "kind", "brand", "model", "serial_number", "capacity", "location"]
    order_columns = ["name", "kind", "brand", "serial_number"]
    label_columns = {"name": _l("Nama alat"), "kind": _l("Jenis"), "brand": _l("Merek"), "model": _l("Model/tipe"),
                     "serial_number": _l("Nomor seri"), "capacity": _l("Kapasitas"), "location": _l("Lokasi alat"),
                     "owner.first_name": _l("Pemilik"), "owner.last_name": _l("(nama belakang)"),
                     "owner.email": _l("Email pemilik")}
    list_title = _l("Register Alat dan Pemilik")
    show_title = _l("Data Alat")


class ParticipantRegisterView(ModelView):
    """The agency's participants and their group (e.g. Pemilik Alat / Penyedia Alat)."""

    datamodel = SQLAInterface(Participant)
    route_base = "/backoffice/register-peserta"
    class_permission_name = "ParticipantRegister"
    base_permissions = {"can_list", "can_show"}
    base_filters = [["id", OwnAgencyFilter, lambda agency_id: Participant.agency_id == agency_id]]
    list_columns = ["user.first_name", "user.last_name", "user.email", "group_key", "agency.name", "created_at"]
    show_columns = list_columns
    search_columns = ["group_key"]
    order_columns = ["group_key", "created_at"]
    label_columns = {"user.first_name": _l("Peserta"), "user.last_name": _l("(nama belakang)"),
                     "user.email": _l("Email"), "group_key": _l("Kelompok peserta"), "agency.name": _l("Instansi"),
                     "created_at": _l("Terdaftar")}
    list_title = _l("Register Peserta")


class OwnerRegistrationView(BaseView):
    """Owner registrations asked by equipment providers: approve (the PIC gets an account and an
    email) or refuse with a note. Another agency's request is a 404."""

    route_base = "/backoffice/pendaftaran-pemilik"
    class_permission_name = "OwnerRegistration"
    method_permission_name = {"list": "list", "decide": "decide"}
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        rows = pending_registrations(g.user)
        names = customer_names({r.provider_id for r in rows})
        entries = [{"r": r, "provider": names.get(r.provider_id, "-"),
                    "requested": local_time(r.requested_at, r.agency.timezone or "Asia/Jakarta")} for r in rows]
        return self.render_template("backoffice/owner_registrations.html", entries=entries,
                                    may_decide=decider_agency_ids(g.user) != [],
                                    title=_l("Pendaftaran Pemilik Alat"))

    @expose("/<int:pk>/putuskan", methods=["POST"])
    @has_access
    def decide(self, pk: int):
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            try:
                validate_csrf(request.form.get("csrf_token"))
            except (FormValidationError, CSRFError):
                abort(400)
        approve = request.form.get("keputusan") == "setujui"
        try:
            row = DecideOwnerRegistrationCommand(g.user, pk, approve, request.form.get("note") or "").run()
        except NotFoundError:
            abort(404)
        except ValidationError as error:
            db.session.rollback()
            flash("; ".join(error.details.get("field_errors", {}).values()) or error.text, "danger")
            return redirect(url_for(".list"))
        if approve:
            flash(_("%(name)s terdaftar sebagai pemilik alat; PIC diberi tahu lewat email.", name=row.name), "success")
        else:
            flash(_("Pendaftaran pemilik %(name)s ditolak.", name=row.name), "info")
        return redirect(url_for(".list"))


def register(appbuilder) -> None:
    for view, name, label, icon in (
        (OwnerRegistrationView, "Owner Registrations", _l("Pendaftaran Pemilik Alat"), "fa-user-check"),
        (InstrumentRegisterView, "Instrument Register", _l("Register Alat dan Pemilik"), "fa-balance-scale"),
        (ParticipantRegisterView, "Participant Register", _l("Register Peserta"), "fa-users"),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, category="Peserta", category_label=_l("Peserta"))
