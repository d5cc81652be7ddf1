"""Registers every screen and API on Flask-AppBuilder (menus in Bahasa Indonesia)."""
from __future__ import annotations

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _


def register(appbuilder: AppBuilder, app: Flask) -> None:
    from views import admin, api

    appbuilder.add_view(admin.ApplicationView, "Applications", label=_("Daftar Permohonan"),
                        icon="fa-folder-open", category="Permohonan", category_label=_("Permohonan"))
    appbuilder.add_view(admin.AuditEventView, "Audit", label=_("Jejak Audit"), icon="fa-history",
                        category="Permohonan", category_label=_("Permohonan"))
    for view, name, label, icon in (
        (admin.AgencyView, "Agencies", _("Instansi"), "fa-building"),
        (admin.ServiceTypeView, "Service Types", _("Jenis Layanan"), "fa-list"),
        (admin.CatalogueItemView, "Catalogue", _("Katalog & Tarif"), "fa-tags"),
        (admin.BankAccountView, "Bank Accounts", _("Rekening Bank"), "fa-university"),
        (admin.RulesVersionView, "Rules Versions", _("Versi Aturan"), "fa-code-fork"),
        (admin.OutboxView, "Outbox", _("Antrean Kirim"), "fa-paper-plane"),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, category="Konfigurasi",
                            category_label=_("Konfigurasi"))
    # --- registrations of later modules go below this line (one call each) ---

    for api_class in (api.ApplicationApi, admin.AgencyApi, admin.ServiceTypeApi, admin.CatalogueItemApi,
                      admin.AuditEventApi, admin.RulesVersionApi, admin.OutboxApi):
        appbuilder.add_api(api_class)
