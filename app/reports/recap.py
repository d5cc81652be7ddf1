"""What the recaps share: an application's subject ("Perihal", the field the rules mark
``subject: true``), the customer's own counters (the MELASTI manual's "Menunggu Verifikasi /
Disetujui / Ditolak / Selesai Diproses / Jumlah"), and the Excel workbook of a list of applications
with its times in each application's agency zone."""
from __future__ import annotations

from io import BytesIO
from typing import Callable, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.core.formatting import localize, zone_key, zone_name
from app.reports.workload import group_counts
from app.commands.rules.state import rules_state
from app.workflow.fields import subject_key
from models import Application, ServiceType

CUSTOMER_COUNTERS = ("waiting", "approved", "rejected", "completed", "total")
CUSTOMER_COUNTER_LABELS = {"waiting": _l("Menunggu verifikasi"), "approved": _l("Disetujui"),
                           "rejected": _l("Ditolak"), "completed": _l("Selesai diproses"),
                           "total": _l("Jumlah permohonan")}


def subject_of(application: Application) -> str:
    """The value of the service's subject field in the rules version the application started with."""
    data = rules_state().rules_for(application.rules_version_id).data
    spec = (data.get("services") or {}).get(application.service_type.key) or {}
    key = subject_key(spec.get("fields") or [])
    return str((application.data or {}).get(key) or "") if key else ""


def customer_counts(customer_id: int) -> dict[str, int]:
    """The customer's counters, from one grouped query. Groups as the staff dashboard's
    (``state_groups``): waiting = on the office's desk, not yet taken up; approved (*disetujui*)
    = taken up and in process; rejected = rejected or cancelled; completed = ended in success."""
    rows = db.session.execute(
        select(ServiceType.key, Application.rules_version_id, Application.state, func.count(Application.id))
        .join(ServiceType, ServiceType.id == Application.service_type_id)
        .where(Application.customer_id == customer_id)
        .group_by(ServiceType.key, Application.rules_version_id, Application.state)).all()
    counts = {key: 0 for key in CUSTOMER_COUNTERS}
    for service, version_id, state, n in rows:
        data = rules_state().rules_for(version_id).data
        spec = (data.get("services") or {}).get(service)
        if spec is None:
            continue
        groups = group_counts([(service, state, n)], {service: data["workflows"][spec["workflow"]]})[service]
        counts["waiting"] += groups["waiting"]
        counts["approved"] += groups["in_process"]
        counts["rejected"] += groups["rejected"] + groups["cancelled"]
        counts["completed"] += groups["approved"]
        counts["total"] += groups["total"]
    return counts


def recap_workbook(applications: Iterable[Application], header: list[str],
                   row_of: Callable[[Application, Callable], list]) -> BytesIO:
    """An .xlsx of ``applications``: ``row_of(application, when)`` gives the cells, ``when(value)``
    turns a stored UTC time into a real Excel date-time in that application's agency zone (Excel
    has no zones: say which in a column, ``zone_of``)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Rekap")
    sheet.append(header)
    for application in applications:
        tz = zone_key(application.agency)

        def when(value, tz=tz):
            if value is None:
                return None
            cell = WriteOnlyCell(sheet, value=localize(value, tz).replace(tzinfo=None))
            cell.number_format = "dd/mm/yyyy hh:mm"
            return cell

        sheet.append(row_of(application, when))
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def zone_of(application: Application) -> str:
    return zone_name(zone_key(application.agency))
