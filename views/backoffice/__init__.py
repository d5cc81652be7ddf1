"""The staff back office: work queue, application page and transition forms, complaints and
messages, dashboard, recap with Excel export, IKM report, rules screen, configuration screens."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _


def register(appbuilder: AppBuilder) -> None:
    from views.backoffice.complaints import ComplaintDeskView
    from views.backoffice.config import AgencyDayOffView, SignatoryView, StaffProfileView
    from views.backoffice.desk import ApplicationDeskView
    from views.backoffice.queue import WorkQueueView
    from views.backoffice.reports import DashboardView, IkmReportView, RecapView
    from views.backoffice.rules import RulesScreenView

    appbuilder.add_view(WorkQueueView, "Work Queue", label=_("Perlu Tindakan Saya"), icon="fa-inbox",
                        category="Permohonan", category_label=_("Permohonan"))
    appbuilder.add_view(ComplaintDeskView, "Complaints", label=_("Pengaduan & Pesan"), icon="fa-comments",
                        category="Permohonan", category_label=_("Permohonan"))
    appbuilder.add_view_no_menu(ApplicationDeskView)
    from views.backoffice.work_items import WorkItemView
    appbuilder.add_view_no_menu(WorkItemView)
    from views.backoffice.cart import CartAdjustView
    appbuilder.add_view_no_menu(CartAdjustView)
    from views.backoffice.schedule import ResourceScheduleView
    appbuilder.add_view(ResourceScheduleView, "Resource Schedule", label=_("Jadwal Sumber Daya"), icon="fa-calendar-check-o",
                        category="Permohonan", category_label=_("Permohonan"))
    for view, name, label, icon in (
        (DashboardView, "Dashboard", _("Dasbor"), "fa-dashboard"),
        (RecapView, "Recap", _("Rekap & Ekspor Excel"), "fa-table"),
        (IkmReportView, "IKM Report", _("Laporan IKM"), "fa-smile-o"),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, category="Laporan", category_label=_("Laporan"))
    appbuilder.add_view(RulesScreenView, "Rules", label=_("Aturan & Alur Kerja"), icon="fa-sitemap",
                        category="Konfigurasi", category_label=_("Konfigurasi"))
    for view, name, label, icon in (
        (AgencyDayOffView, "Days Off", _("Hari Libur Tambahan"), "fa-calendar"),
        (SignatoryView, "Signatories", _("Penandatangan"), "fa-pencil"),
        (StaffProfileView, "Staff Profiles", _("Petugas & Instansi"), "fa-id-badge"),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, category="Konfigurasi",
                            category_label=_("Konfigurasi"))

