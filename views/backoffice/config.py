"""Configuration screens (administrators): extra days off, signatories, staff agency/services.

Agencies, service types, catalogue and bank accounts are the screens of views/admin.py. Values that
also live in the rules (names, prices, accounts) are overwritten by the next rules activation.
Secrets (signing keys) are never shown or edited here.
"""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.sqla.models import Role, User
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from wtforms import validators

from app.extensions import db
from app.security.access import ADMIN_ROLE
from models import AgencyDayOff, CustomerProfile, Signatory, StaffProfile


def unbound_staff_accounts() -> list[User]:
    """Accounts that may be bound to an agency: not yet any agency's, not a customer, not the platform
    administrator (binding one by mistake would hand it an agency's scoped screens)."""
    return db.session.scalars(select(User).where(
        User.id.not_in(select(StaffProfile.user_id)), User.id.not_in(select(CustomerProfile.user_id)),
        ~User.roles.any(Role.name == ADMIN_ROLE)).order_by(User.username)).all()


class AgencyDayOffView(ModelView):
    datamodel = SQLAInterface(AgencyDayOff)
    class_permission_name = "AgencyDayOffView"
    list_title = _("Hari Libur Tambahan")
    show_title = _("Detail Hari Libur Tambahan")
    add_title = _("Tambah Hari Libur")
    edit_title = _("Ubah Hari Libur")
    base_order = ("day", "desc")
    list_columns = ["agency", "day", "note"]
    show_columns = add_columns = edit_columns = ["agency", "day", "note"]
    search_columns = ["agency", "day"]
    label_columns = {"agency": _("Instansi"), "day": _("Tanggal"), "note": _("Keterangan")}


class SignatoryView(ModelView):
    datamodel = SQLAInterface(Signatory)
    class_permission_name = "SignatoryView"
    list_title = _("Penandatangan")
    show_title = _("Detail Penandatangan")
    add_title = _("Tambah Penandatangan")
    edit_title = _("Ubah Penandatangan")
    list_columns = ["agency", "name", "nip", "title", "role"]
    show_columns = ["agency", "key", "name", "nip", "title", "role", "user_id"]
    add_columns = ["agency", "key", "name", "nip", "title", "role"]
    edit_columns = ["name", "nip", "title", "role"]
    search_columns = ["agency", "name", "nip"]
    label_columns = {"agency": _("Instansi"), "key": _("Kunci"), "name": _("Nama"), "nip": _("NIP"),
                     "title": _("Jabatan"), "role": _("Peran"), "user_id": _("Akun pengguna")}


class StaffProfileView(ModelView):
    """Which agency (and which of its services) a staff account works for."""

    datamodel = SQLAInterface(StaffProfile)
    class_permission_name = "StaffProfileView"
    list_title = _("Petugas & Instansi")
    show_title = _("Detail Petugas")
    add_title = _("Tambah Petugas ke Instansi")
    edit_title = _("Ubah Petugas")
    list_columns = ["user.username", "user.first_name", "agency", "position", "nip"]
    show_columns = ["user", "agency", "services", "position", "nip"]
    add_columns = ["user", "agency", "services", "position", "nip"]
    edit_columns = ["agency", "services", "position", "nip"]
    search_columns = ["agency", "position", "nip"]
    label_columns = {"user": _("Akun"), "user.username": _("Nama pengguna"), "user.first_name": _("Nama"),
                     "agency": _("Instansi"), "services": _("Layanan yang ditangani (kosong: semua)"),
                     "position": _("Jabatan"), "nip": _("NIP")}
    description_columns = {"services": _("Kosongkan agar petugas menangani semua layanan instansinya.")}
    # the account by its user name, none picked in advance, only those not yet bound to an agency
    add_form_extra_fields = {"user": QuerySelectField(
        _("Akun"), query_func=unbound_staff_accounts, get_pk_func=lambda user: user.id,
        get_label=lambda user: f"{user.username} — {user.first_name} {user.last_name}".strip(),
        allow_blank=True, blank_text=_("— pilih akun —"), widget=Select2Widget(),
        validators=[validators.DataRequired()],
        description=_("Akun yang dibuat di Keamanan → Daftar Pengguna dan belum terikat pada instansi."))}
