"""The security log screen for administrators: read-only list with filters (Keamanan → Log Keamanan)."""
from __future__ import annotations

from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from app.core.formatting import format_datetime
from app.security.log import KIND_LABELS
from models.security import SecurityEvent


def _when(value) -> str:
    """Stored in UTC; the security log belongs to no agency: shown in the platform's zone
    (``DEFAULT_TIMEZONE``) with its name, to the second."""
    return format_datetime(value, seconds=True) if value else "-"


def _kind(value) -> str:
    return str(KIND_LABELS.get(value, value))


class SecurityEventView(ModelView):
    datamodel = SQLAInterface(SecurityEvent)
    class_permission_name = "SecurityEventView"
    base_permissions = ["can_list", "can_show"]
    base_order = ("id", "desc")
    list_title = _("Log Keamanan")
    show_title = _("Peristiwa Keamanan")
    list_columns = ["created_at", "kind", "username", "user_id", "ip", "method", "path", "detail"]
    show_columns = list_columns
    search_columns = ["created_at", "kind", "username", "user_id", "ip", "method", "path", "detail"]
    formatters_columns = {"created_at": _when, "kind": _kind}
    label_columns = {"created_at": _("Waktu"), "kind": _("Jenis"), "username": _("Pengguna"),
                     "user_id": _("ID pengguna"), "ip": _("Alamat IP"), "method": _("Metode"),
                     "path": _("Alamat"), "detail": _("Keterangan")}
    page_size = 50


def register_security_log(appbuilder) -> None:
    appbuilder.add_view(SecurityEventView, "Security Log", label=_("Log Keamanan"), icon="fa-shield",
                        category="Security")
