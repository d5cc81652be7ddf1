"""Configuration screens (administrators): extra days off, signatories, staff agency/services.

Agencies, service types, catalogue and bank accounts are the screens of views/admin.py. Values that
also live in the rules (names, prices, accounts) are overwritten by the next rules activation.
Secrets (signing keys) are never shown or edited here.
"""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from models import AgencyDayOff, Signatory, StaffProfile


class AgencyDayOffView(ModelView):
    datamodel = SQLAInterface(AgencyDayOff)
    class_permission_name = "AgencyDayOffView"
    list_title = _("Hari Libur Tambahan")
    base_order = ("day", "desc")
    list_columns = ["agency", "day", "note"]
    show_columns = add_columns = edit_columns = ["agency", "day", "note"]
    search_columns = ["agency", "day"]
    label_columns = {"agency": _("Instansi"), "day": _("Tanggal"), "note": _("Keterangan")}


class SignatoryView(ModelView):
    datamodel = SQLAInterface(Signatory)
    class_permission_name = "SignatoryView"
    list_title = _("Penandatangan")
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
    list_columns = ["user.username", "user.first_name", "agency", "position", "nip"]
    show_columns = ["user", "agency", "services", "position", "nip"]
    add_columns = ["user", "agency", "services", "position", "nip"]
    edit_columns = ["agency", "services", "position", "nip"]
    search_columns = ["agency", "position", "nip"]
    label_columns = {"user": _("Akun"), "user.username": _("Nama pengguna"), "user.first_name": _("Nama"),
                     "agency": _("Instansi"), "services": _("Layanan yang ditangani (kosong: semua)"),
                     "position": _("Jabatan"), "nip": _("NIP")}
    description_columns = {"services": _("Kosongkan agar petugas menangani semua layanan instansinya.")}
