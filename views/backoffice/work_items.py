"""The work rows of an application on the staff screens (``work_items`` in the rules): the table on
the application page, the per-row assignment form, and each row's steps (enter results, verify,
validate, return). Every write goes through app/commands/work_items.py; what the application page
shows of the rows is views/backoffice/work_rows.py."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from app.security.access import users_with_role, workflow_roles
from app.commands.work_items import (AssignWorkItemsCommand, WorkItemStepCommand, ensure_rows,
                                     work_items_spec)
from app.core.errors import SatuPintuError
from app.extensions import db
from app.workflow.work_items import STATUS_LABELS, step_allowed
from models import Application, WorkItem
from views.backoffice.common import platform_errors, rules_of, text
from views.backoffice.desk import load, page_context
from views.backoffice.forms import build_transition_form, collect_values
from views.backoffice.work_rows import RowStepForm, acting_roles, user_display


class AssignForm(FlaskForm):
    pass


class WorkItemView(BaseView):
    """Per-row work on the application page; the same permissions as the application desk."""

    route_base = "/backoffice/permohonan"
    class_permission_name = "ApplicationDesk"
    method_permission_name = {"assign": "act", "enter": "act", "step": "act"}

    def _application(self, pk: int) -> Application:
        application = load(pk)
        if work_items_spec(application) is None:
            abort(404)
        return application

    @expose("/<int:pk>/baris/tugaskan", methods=["GET", "POST"])
    @has_access
    @platform_errors
    def assign(self, pk: int):
        """One form listing every row, each with a select of the staff holding the rows' role."""
        application = self._application(pk)
        spec = work_items_spec(application)
        form = AssignForm()
        errors, status = {}, 200
        if request.method == "POST":
            if not form.validate_on_submit():
                flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
                status = 422
            else:
                assignments = {int(k[4:]): v for k, v in request.form.items()
                               if k.startswith("row-") and k[4:].isdigit() and len(k) < 20}
                try:
                    AssignWorkItemsCommand(pk, g.user, assignments).run()
                except SatuPintuError as error:
                    errors = dict(error.details.get("field_errors") or {})
                    flash(error.text, "danger")
                    if error.status in (403, 404):
                        raise
                    status = 422
                else:
                    flash(_("Penugasan %(label)s disimpan.", label=text(spec.get("label"))), "success")
                    return redirect(url_for("ApplicationDeskView.show", pk=pk) + "#baris")
                application = self._application(pk)
        roles = acting_roles(application)
        if not any(step_allowed(spec, "assign", state=application.state, roles=roles, row_status=s,
                                is_row_assignee=False) for s in {r.status for r in application.work_items} or {"new"}):
            flash(_("Penugasan baris tidak tersedia untuk Anda pada status permohonan saat ini."), "danger")
            return redirect(url_for("ApplicationDeskView.show", pk=pk))
        rows = ensure_rows(application)
        db.session.commit()
        candidates = users_with_role(spec["assignee_role"], application.agency_id, application.service_type_id)
        role_label = text((rules_of(application).roles(application.agency.key).get(spec["assignee_role"]) or {}).get("label")) \
            or spec["assignee_role"]
        return self.render_template(
            "backoffice/work_items_assign.html", form=form, rows=rows, errors=errors,
            candidates=[(u.id, user_display(u)) for u in candidates], role_label=role_label,
            chosen={r.id: str(request.form.get(f"row-{r.id}", r.assignee_id or "")) for r in rows},
            items_label=text(spec.get("label")), **page_context(application)), status

    @expose("/<int:pk>/baris/<int:row_id>", methods=["GET", "POST"])
    @has_access
    @platform_errors
    def enter(self, pk: int, row_id: int):
        """The row's results form (its columns from the rules), for the row's assignee."""
        application = self._application(pk)
        row = db.session.get(WorkItem, row_id)
        if row is None or row.application_id != application.id:
            abort(404)
        spec = work_items_spec(application)
        columns = spec.get("columns", [])
        form = build_transition_form(application, columns)
        errors, status = {}, 200
        if not step_allowed(spec, "enter", state=application.state, roles=acting_roles(application),
                            row_status=row.status, is_row_assignee=row.assignee_id == g.user.id):
            if request.method == "POST":
                abort(403)
            flash(_("Langkah ini tidak tersedia untuk Anda pada baris ini."), "danger")
            return redirect(url_for("ApplicationDeskView.show", pk=pk))
        if request.method == "POST":
            if not form.validate_on_submit():
                flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
                status = 422
            else:
                values, files = collect_values(columns, request.form, request.files)
                version = request.form.get("version", "")
                try:
                    WorkItemStepCommand(row_id, g.user, "enter", values=values, files=files,
                                        expected_version=int(version) if version.isdigit() else None).run()
                except SatuPintuError as error:
                    errors = dict(error.details.get("field_errors") or {})
                    flash(error.text, "danger")
                    if error.status in (403, 404):
                        raise
                    status = error.status if error.status in (409, 413, 422) else 422
                    application = self._application(pk)
                    row = db.session.get(WorkItem, row_id)
                else:
                    flash(_("Hasil %(row)s disimpan.", row=row.name), "success")
                    return redirect(url_for("ApplicationDeskView.show", pk=pk) + "#baris")
        else:
            for column in columns:
                if column.get("type") != "file" and column["key"] in (row.values or {}):
                    form[column["key"]].data = str(row.values[column["key"]])
        form.version.data = str(row.version)
        return self.render_template("backoffice/work_item.html", form=form, row=row, errors=errors,
                                    items_label=text(spec.get("label")), **page_context(application)), status

    @expose("/<int:pk>/baris/<int:row_id>/<step>", methods=["POST"])
    @has_access
    @platform_errors
    def step(self, pk: int, row_id: int, step: str):
        """verify / validate / return (with its note) one row."""
        application = self._application(pk)
        row = db.session.get(WorkItem, row_id)
        if row is None or row.application_id != application.id or step not in ("verify", "validate", "return"):
            abort(404)
        form = RowStepForm()
        if not form.validate_on_submit():
            flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
            return redirect(url_for("ApplicationDeskView.show", pk=pk) + "#baris")
        version = form.version.data or ""
        try:
            WorkItemStepCommand(row_id, g.user, step, note=form.note.data or "",
                                expected_version=int(version) if version.isdigit() else None).run()
        except SatuPintuError as error:
            if error.status in (403, 404):
                raise
            flash("; ".join((error.details.get("field_errors") or {}).values()) or error.text, "danger")
        else:
            flash(_("%(row)s: %(status)s.", row=row.name, status=_(STATUS_LABELS[row.status])), "success")
        return redirect(url_for("ApplicationDeskView.show", pk=pk) + "#baris")
