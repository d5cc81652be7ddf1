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
    from views.show_values import init_show_values
    init_show_values(app)  # Ya/Tidak, "-" and joined lists on Flask-AppBuilder's list and show screens
    from views.home import init_favicon
    init_favicon(app)  # /favicon.ico, our own icon, linked from every layout
    from views.backoffice import register as register_backoffice
    register_backoffice(appbuilder)  # staff back office (issue 4)
    from app.portal import init_portal
    init_portal(app)  # customer portal (issue 5)
    from views.customer_admin import CustomerActivationView
    appbuilder.add_view(CustomerActivationView, "Customer Activation", label=_("Aktivasi Akun Pelanggan"),
                        icon="fa-user-plus", category="Security")  # admin activation (issue 5)
    from app.portal import init_portal_followup
    init_portal_followup(app)  # portal: applying, my requests, support, public tracking (issue 5b)
    from views.documents import init_documents
    init_documents(app)  # /verify/<code>, downloads of generated documents and files (documents issue)
    from views.outbox_admin import register_outbox_admin
    register_outbox_admin(appbuilder)  # failed deliveries + document template versions (documents issue)
    from views.agency_admin import register as register_agency_admin
    register_agency_admin(appbuilder)  # agency administrators (admin_instansi): scoped configuration screens
    from app.ops import init_ops
    init_ops(app)  # /healthz, /readyz, /metrics, `flask doctor`, `flask backup` (issue 9)
    from views.security_log import register_security_log
    register_security_log(appbuilder)  # the security log, administrators only (issue 8)
    from views.participants import register as register_participants
    register_participants(appbuilder)  # participant groups: owner registrations, instrument/owner registers (issue 14)
    from views.backoffice.rules_workspace import init_rules_workspace
    init_rules_workspace(app, appbuilder)  # the rules workspace on Flask-Admin, /ruang-aturan/ (issue 13)
    from views.api_contract import init_api_contract
    init_api_contract(appbuilder, app)  # completed OpenAPI, 401 for every bad token, JSON errors (issue 8)

    for api_class in (api.ApplicationApi, admin.AgencyApi, admin.ServiceTypeApi, admin.CatalogueItemApi,
                      admin.AuditEventApi, admin.RulesVersionApi, admin.OutboxApi, admin.BankAccountApi,
                      admin.AgencyDayOffApi, admin.SignatoryApi, admin.ComplaintApi, admin.MessageApi):
        appbuilder.add_api(api_class)
    from views.booking_api import BookingApi
    appbuilder.add_api(BookingApi)  # bookings of agencies' resources (issue 13 item 6)
    from views.rules_schema import RulesSchemaApi
    appbuilder.add_api(RulesSchemaApi)  # the rules format's JSON Schema, public (issue 11)
