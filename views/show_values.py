"""How Flask-AppBuilder's list and show screens write a value that has no formatter of its own
(the ``tampil`` filter of ``templates/appbuilder/general/widgets/``): a yes/no as *Ya*/*Tidak*,
nothing as ``-``, a relation's rows joined by commas (not ``[Admin]``), a time in its zone with the
zone's name (Flask-AppBuilder's own user tables store naive server-clock times). Anything else is
shown as it is."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import gettext as _

from app.core.formatting import format_date, format_datetime
from views.api_times import aware


def show_value(value):
    if value is True:
        return _("Ya")
    if value is False:
        return _("Tidak")
    if value is None or (isinstance(value, str) and not value.strip()):
        return "-"
    if isinstance(value, datetime):
        return format_datetime(aware(value))
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(show_value(v)) for v in value) or "-"
    return value


def init_show_values(app: Flask) -> None:
    app.add_template_filter(show_value, "tampil")
