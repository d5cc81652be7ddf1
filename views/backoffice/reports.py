"""Dashboard, recap with Excel export, and the IKM report — scoped to the user's agency."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import g, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_appbuilder import BaseView, expose, has_access

from app.security.access import is_admin
from app.extensions import db
from app.reports.ikm import compute_ikm, question_elements
from app.reports.queries import (COUNT_CAP, Period, capped_count, duration_rows, scoped, search_filter,
                                 sla_rows, state_count_rows, survey_answers)
from app.reports.recap import subject_of
from app.reports.svg import bar_chart
from app.reports.workload import GROUPS, group_counts
from app.commands.rules.state import rules_state
from models import Application
from app.core.formatting import localize, zone_key, zone_name
from models.base import utcnow
from views.backoffice.common import (platform_errors, user_zone, active_rules_data, customer_names, local_time, text, visible_agencies,
                                     visible_services)
from views.backoffice.queue import parse_date

GROUP_LABELS = {"waiting": _l("Menunggu verifikasi"), "in_process": _l("Diproses"), "approved": _l("Disetujui"),
                "rejected": _l("Ditolak"), "cancelled": _l("Dibatalkan"), "completed": _l("Selesai"),
                "total": _l("Total")}
EXPORT_LIMIT = 100_000
PAGE_SIZE = 25


def filters():
    """Agency, services and period from the query string, limited to what the user may see."""
    user = g.user
    agencies = visible_agencies(user)
    agency_id = request.args.get("agency", type=int)
    if not is_admin(user) or agency_id not in {a.id for a in agencies}:
        agency_id = agencies[0].id if agencies and not is_admin(user) else agency_id
    services = visible_services(user, agency_id)
    service_id = request.args.get("service", type=int)
    if service_id not in {s.id for s in services}:
        service_id = None
    chosen = next((a for a in agencies if a.id == agency_id), None)
    zone = zone_key(chosen) if chosen else user_zone(user)
    today = localize(utcnow(), zone).date()
    start = parse_date(request.args.get("from"))
    end = parse_date(request.args.get("to"))
    if "from" not in request.args and "to" not in request.args:
        start = date(today.year, 1, 1)
    return {"agencies": agencies, "agency_id": agency_id, "services": services, "service_id": service_id,
            "period": Period(start, end, zone), "start": start, "end": end, "zone": zone}


def duration_text(seconds: float) -> str:
    if seconds >= 86400:
        return _("%(n)s hari", n=f"{seconds / 86400:.1f}".replace(".", ","))
    if seconds >= 3600:
        return _("%(n)s jam", n=f"{seconds / 3600:.1f}".replace(".", ","))
    if seconds < 60:
        return _("< 1 menit")
    return _("%(n)s menit", n=f"{seconds / 60:.0f}")


class DashboardView(BaseView):
    route_base = "/backoffice/dasbor"
    class_permission_name = "Dashboard"
    method_permission_name = {"index": "show"}
    default_view = "index"

    @expose("/")
    @has_access
    @platform_errors
    def index(self):
        f = filters()
        service_ids = [f["service_id"]] if f["service_id"] else [s.id for s in f["services"]]
        stmt = scoped(g.user, agency_id=f["agency_id"], service_ids=service_ids, period=f["period"])
        data = active_rules_data()
        services = {s.key: s for s in f["services"] if s.id in service_ids}
        workflows_of = {key: data["workflows"][data["services"][key]["workflow"]]
                        for key in services if key in data["services"]}
        counts = group_counts(state_count_rows(stmt), workflows_of) if services else {}
        totals = {g_: sum(c[g_] for c in counts.values()) for g_ in (*GROUPS, "completed", "total")}
        sla = sla_rows(stmt, utcnow()) if services else {}
        durations = duration_rows(stmt) if services else {}
        per_service = []
        for key, service in services.items():
            c = counts.get(key, {g_: 0 for g_ in (*GROUPS, "completed", "total")})
            s = sla.get(key, {"finished": 0, "on_time": 0, "overdue": 0, "state_overdue": 0})
            workflow = workflows_of.get(key, {"states": {}})
            states = [(text(spec.get("staff_label") or spec.get("label")) or state, *durations.get(key, {})[state])
                      for state, spec in workflow["states"].items() if state in durations.get(key, {})]
            per_service.append({"service": service, "counts": c, "sla": s,
                                "compliance": (100 * s["on_time"] / s["finished"]) if s["finished"] else None,
                                "durations": [(label, duration_text(avg), n) for label, avg, n in states]})
        chart = bar_chart([(p["service"].name, [p["counts"][g_] for g_ in GROUPS]) for p in per_service],
                          [GROUP_LABELS[g_] for g_ in GROUPS], title=_("Permohonan per layanan"))
        sla_chart = bar_chart([(p["service"].name, [p["sla"]["on_time"], p["sla"]["finished"] - p["sla"]["on_time"]])
                               for p in per_service if p["sla"]["finished"]],
                              [_("Selesai tepat waktu"), _("Selesai terlambat")], title=_("Kepatuhan waktu layanan (SLA)"))
        finished = sum(p["sla"]["finished"] for p in per_service)
        on_time = sum(p["sla"]["on_time"] for p in per_service)
        return self.render_template(
            "backoffice/dashboard.html", f=f, per_service=per_service, totals=totals, labels=GROUP_LABELS,
            chart=chart, sla_chart=sla_chart, compliance=(100 * on_time / finished) if finished else None,
            overdue=sum(p["sla"]["overdue"] for p in per_service),
            state_overdue=sum(p["sla"]["state_overdue"] for p in per_service))


def recap_statement(f):
    service_ids = [f["service_id"]] if f["service_id"] else [s.id for s in f["services"]]
    stmt = scoped(g.user, agency_id=f["agency_id"], service_ids=service_ids or [-1], period=f["period"])
    q = request.args.get("q", "").strip()
    if q:
        stmt = stmt.where(search_filter(q))
    state = request.args.get("state", "").strip()
    if state:
        stmt = stmt.where(Application.state == state)
    return stmt


class RecapView(BaseView):
    route_base = "/backoffice/rekap"
    class_permission_name = "Recap"
    method_permission_name = {"index": "list", "export": "export"}
    default_view = "index"

    @expose("/")
    @has_access
    @platform_errors
    def index(self):
        f = filters()
        page = max(0, request.args.get("page", 0, type=int))
        stmt = recap_statement(f)
        count = capped_count(stmt)
        rows = db.session.scalars(stmt.order_by(Application.id.desc()).offset(page * PAGE_SIZE).limit(PAGE_SIZE)).all()
        names = customer_names(a.customer_id for a in rows)
        return self.render_template("backoffice/recap.html", f=f, rows=rows, names=names, count=count,
                                    subject_of=subject_of,
                                    capped=count > COUNT_CAP, page=page, page_size=PAGE_SIZE,
                                    has_next=count > (page + 1) * PAGE_SIZE, local_time=local_time)

    @expose("/excel")
    @has_access
    @platform_errors
    def export(self):
        from openpyxl import Workbook

        f = filters()
        stmt = recap_statement(f).order_by(Application.id.desc()).limit(EXPORT_LIMIT)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Rekap")
        header = [_("No."), _("Nomor permohonan"), _("Resi"), _("Layanan"), _("Klasifikasi"), _("Pemohon"),
                  _("Perihal"), _("Diajukan"), _("Batas waktu layanan"), _("Status"), _("Selesai"), _("Zona waktu")]
        sheet.append(header)
        number = 0
        batch: list[Application] = []

        def cell(value, tz):
            """A real Excel date-time (sortable) in the agency's wall-clock time; the zone's name is
            in the last column (Excel has no time zones)."""
            if value is None:
                return None
            from openpyxl.cell import WriteOnlyCell
            c = WriteOnlyCell(sheet, value=localize(value, tz).replace(tzinfo=None))
            c.number_format = "dd/mm/yyyy hh:mm"
            return c

        def flush():
            nonlocal number
            names = customer_names(a.customer_id for a in batch)
            for a in batch:
                number += 1
                tz = zone_key(a.agency)
                sheet.append([number, a.number or "", a.receipt or "", a.service_type.name,
                              a.service_type.class_label, names.get(a.customer_id, ""), subject_of(a),
                              cell(a.submitted_at or a.created_at, tz), cell(a.due_at, tz), a.state_staff_label,
                              cell(a.closed_at, tz), zone_name(tz)])
            batch.clear()

        for application in db.session.scalars(stmt).yield_per(500):
            batch.append(application)
            if len(batch) >= 500:
                flush()
        flush()
        buffer = BytesIO()
        workbook.save(buffer)
        buffer.seek(0)
        name = f"rekap-permohonan-{localize(utcnow(), f['zone']).date().isoformat()}.xlsx"
        return send_file(buffer, as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class IkmReportView(BaseView):
    route_base = "/backoffice/ikm"
    class_permission_name = "IkmReport"
    method_permission_name = {"index": "show"}
    default_view = "index"

    @expose("/")
    @has_access
    @platform_errors
    def index(self):
        f = filters()
        service = next((s for s in f["services"] if s.id == f["service_id"]), None) or \
            (f["services"][0] if f["services"] else None)
        result, survey = None, None
        if service is not None:
            data = rules_state().rules_for(service.rules_version_id).data
            survey_key = data["services"].get(service.key, {}).get("survey")
            survey = data.get("surveys", {}).get(survey_key) if survey_key else None
            if survey:
                result = compute_ikm(survey_answers(service.id, f["period"], g.user), question_elements(survey))
        return self.render_template("backoffice/ikm.html", f=f, service=service, survey=survey, result=result,
                                    title_text=text(survey.get("title")) if survey else "")
