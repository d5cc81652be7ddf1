"""The rules workspace in the browser (``/ruang-aturan/``), on Flask-Admin behind Flask-AppBuilder's
roles: an agency administrator edits a draft of the agency's rules files and document templates,
checks it against the whole rules set, previews the workflow diagrams and a sample PDF, and
activates it as a new rules version; the platform administrator opens every agency's workspace and
the shared one (entry file, shared files, new offices).

Flask-AppBuilder decides who: the platform administrator (role ``Admin``), or a user holding
``can_edit`` on ``RulesWorkspace`` (granted to ``admin_instansi``) who is staff of the agency whose
workspace is asked for. Pages use Flask-AppBuilder's layout; every form carries Flask-Admin's
``SecureForm`` CSRF token (checked whatever ``WTF_CSRF_ENABLED`` says). Every save, upload, check,
discard and activation is written to the security log.
"""
from __future__ import annotations

import difflib
import json

import yaml
from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.form import SecureForm
from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select
from wtforms import MultipleFileField, TextAreaField

from app.security.access import is_admin, staff_profile
from app.commands.rules.activate import RulesStrandError
from app.extensions import db
from app.security.redirects import safe_redirect_target
from app.rules_workspace.checking import checked
from app.rules_workspace.files import (MAX_FILE_BYTES, MAX_FILES_PER_UPLOAD, SHARED, Workspace, WorkspaceError,
                                       clean_path, entry_name, upload_target)
from app.rules_workspace.publish import activate_workspace, source_diffs
from app.security.log import (RULES_WORKSPACE_ACTIVATE, RULES_WORKSPACE_CHECK, RULES_WORKSPACE_DISCARD,
                              RULES_WORKSPACE_SAVE, RULES_WORKSPACE_UPLOAD, record_security_event)
from models import Agency, RulesVersion

URL = "/ruang-aturan"
ENDPOINT = "ruang_aturan"
PERMISSION = ("can_edit", "RulesWorkspace")
STALE_FORM = _l("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.")


class ActionForm(SecureForm):
    """A button: only the CSRF token."""


class SaveForm(SecureForm):
    content = TextAreaField()


class UploadForm(SecureForm):
    files = MultipleFileField()


def _locale() -> str:
    return str(get_locale() or "id")


def _audit(kind: str, workspace: str, **detail) -> None:
    record_security_event(kind, detail=json.dumps({"workspace": workspace, **detail}, ensure_ascii=False,
                                                  default=str)[:2000])


def _rules_of(content: dict) -> dict:
    return content.get("rules", content) if isinstance(content, dict) else {}


def scoped_rules(content: dict, agency_key: str | None) -> dict:
    """What a version diff shows: everything, or an agency's own part (its agency entry, its
    services, the workflows they use)."""
    data = _rules_of(content)
    if agency_key is None:
        return data
    services = {key: spec for key, spec in (data.get("services") or {}).items() if spec.get("agency") == agency_key}
    workflows = {spec.get("workflow") for spec in services.values()}
    return {"agencies": {key: spec for key, spec in (data.get("agencies") or {}).items() if key == agency_key},
            "services": services,
            "workflows": {key: spec for key, spec in (data.get("workflows") or {}).items() if key in workflows}}


def version_diff(older: RulesVersion | None, newer: RulesVersion, agency_key: str | None) -> list[str]:
    def dump(version):
        if version is None:
            return []
        return yaml.safe_dump(scoped_rules(version.content, agency_key), allow_unicode=True, sort_keys=False,
                              default_flow_style=False, width=100).splitlines()
    return list(difflib.unified_diff(dump(older), dump(newer), f"v{older.id}" if older else "-",
                                     f"v{newer.id}", lineterm="", n=3))


class RulesWorkspaceView(AdminIndexView):
    """Flask-Admin's index view of its own ``Admin``: the whole workspace lives on one view."""

    # ------------------------------------------------------------------ access
    def is_accessible(self) -> bool:
        user = getattr(g, "user", None)
        if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "id", None):
            return False
        if is_admin(user):
            return True
        return (current_app.appbuilder.sm.has_access(*PERMISSION) and staff_profile(user) is not None)

    def inaccessible_callback(self, name, **kwargs):
        user = getattr(g, "user", None)
        if user is None or not getattr(user, "is_authenticated", False):
            target = safe_redirect_target(request.full_path.rstrip("?"), URL + "/")
            return redirect(current_app.appbuilder.get_url_for_login_with(target))
        abort(403)

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        if "ws" in kwargs and kwargs["ws"] not in self.visible_workspaces():
            abort(403)
        return None

    def visible_workspaces(self) -> dict[str, str]:
        """Workspace key → name, for the signed-in user."""
        user = g.user
        if is_admin(user):
            agencies = db.session.execute(select(Agency.key, Agency.name).order_by(Agency.name)).all()
            return {SHARED: _("Berkas bersama (berkas utama, berkas umum, instansi baru)"),
                    **{key: name for key, name in agencies}}
        profile = staff_profile(user)
        agency = db.session.get(Agency, profile.agency_id) if profile else None
        return {agency.key: agency.name} if agency else {}

    def page(self, template: str, status: int = 200, **context):
        appbuilder = current_app.appbuilder
        return self.render(template, appbuilder=appbuilder, base_template=appbuilder.base_template,
                           current_app=current_app, **context), status

    def workspace(self, ws: str) -> Workspace:
        return Workspace(ws)

    def _csrf_ok(self, form) -> bool:
        if form.validate():
            return True
        flash(str(STALE_FORM), "danger")
        return False

    # ------------------------------------------------------------------ pages
    @expose("/")
    def index(self):
        workspaces = self.visible_workspaces()
        if len(workspaces) == 1:
            return redirect(url_for(".workspace_page", ws=next(iter(workspaces))))
        return self.page("backoffice/rules_workspace/list.html", workspaces=workspaces)

    def _workspace_page(self, ws: str, *, check=None, status: int = 200):
        workspace = self.workspace(ws)
        return self.page("backoffice/rules_workspace/workspace.html", status, ws=ws,
                         ws_name=self.visible_workspaces()[ws], files=workspace.files(), check=check,
                         action_form=ActionForm(), upload_form=UploadForm(), entry=entry_name(),
                         max_kb=MAX_FILE_BYTES // 1024, max_files=MAX_FILES_PER_UPLOAD)

    @expose("/<ws>/")
    def workspace_page(self, ws):
        return self._workspace_page(ws)

    @expose("/<ws>/berkas", methods=("GET", "POST"))
    def edit(self, ws):
        workspace = self.workspace(ws)
        path = clean_path(request.values.get("path"))
        if path is None:
            abort(404)
        try:
            content = workspace.read(path) if request.method == "GET" else None
        except WorkspaceError as error:
            abort(error.status)
        form = SaveForm(request.form) if request.method == "POST" else SaveForm(content=content)
        findings, status = None, 200
        if request.method == "POST":
            if not self._csrf_ok(form):
                return self.page("backoffice/rules_workspace/edit.html", 400, ws=ws, path=path, form=form,
                                 findings=None, may_write=workspace.may_write(path))
            try:
                workspace.write(path, (form.content.data or "").encode("utf-8"))
            except WorkspaceError as error:
                flash(error.text, "danger")
                _audit(RULES_WORKSPACE_SAVE, ws, files=[path], result="refused", reason=error.text)
                return self.page("backoffice/rules_workspace/edit.html", error.status, ws=ws, path=path, form=form,
                                 findings=None, may_write=workspace.may_write(path))
            with checked(workspace, _locale()) as result:
                findings = result.findings
            _audit(RULES_WORKSPACE_SAVE, ws, files=[path], result="valid" if not findings else "problems",
                   problems=len(findings))
            if findings:
                flash(_("Draf %(path)s disimpan; pemeriksaan menemukan %(count)s masalah.", path=path,
                        count=len(findings)), "warning")
                status = 422
            else:
                flash(_("Draf %(path)s disimpan; seluruh aturan valid dengan draf ini.", path=path), "success")
        return self.page("backoffice/rules_workspace/edit.html", status, ws=ws, path=path, form=form,
                         findings=findings, may_write=workspace.may_write(path),
                         mode="htmlmixed" if path.endswith(".html") else "yaml")

    @expose("/<ws>/unggah", methods=("POST",))
    def upload(self, ws):
        workspace = self.workspace(ws)
        if not self._csrf_ok(UploadForm(request.form)):
            return self._workspace_page(ws, status=400)
        storages = [s for s in request.files.getlist("files") if s and s.filename]
        if not storages:
            flash(_("Pilih satu berkas atau lebih terlebih dahulu."), "danger")
            return self._workspace_page(ws, status=422)
        if len(storages) > MAX_FILES_PER_UPLOAD:
            flash(_("Paling banyak %(count)s berkas sekali unggah.", count=MAX_FILES_PER_UPLOAD), "danger")
            return self._workspace_page(ws, status=422)
        # every file is judged before any is kept: one bad name refuses the whole upload
        accepted, refused = [], []
        for storage in storages:
            target = upload_target(storage.filename)
            content = storage.read(MAX_FILE_BYTES + 1)
            if target is None:
                refused.append(_("Nama berkas %(name)s tidak diterima: pakai huruf, angka, _ atau -, "
                                 "berakhiran .yaml atau .html.", name=repr(storage.filename)))
            elif not workspace.may_write(target):
                refused.append(_("%(path)s bukan berkas instansi ini.", path=target))
            elif len(content) > MAX_FILE_BYTES:
                refused.append(_("%(path)s lebih dari %(size)s KB.", path=target, size=MAX_FILE_BYTES // 1024))
            else:
                accepted.append((target, content))
        if not refused:
            for target, content in accepted:
                try:
                    workspace.write(target, content)
                except WorkspaceError as error:
                    refused.append(error.text)
        names = [target for target, _content in accepted]
        if refused:
            for message in refused:
                flash(message, "danger")
            _audit(RULES_WORKSPACE_UPLOAD, ws, files=[s.filename for s in storages], result="refused",
                   reasons=refused)
            return self._workspace_page(ws, status=422)
        _audit(RULES_WORKSPACE_UPLOAD, ws, files=names, result="saved")
        flash(_("%(count)s berkas masuk ke draf: %(names)s. Periksa draf sebelum mengaktifkan.", count=len(names),
                names=", ".join(names)), "success")
        return redirect(url_for(".workspace_page", ws=ws))

    @expose("/<ws>/periksa", methods=("POST",))
    def check(self, ws):
        workspace = self.workspace(ws)
        if not self._csrf_ok(ActionForm(request.form)):
            return self._workspace_page(ws, status=400)
        with checked(workspace, _locale()) as result:
            findings, summary = result.findings, (result.rules.summary() if result.valid else None)
        _audit(RULES_WORKSPACE_CHECK, ws, files=workspace.draft_files(),
               result="valid" if not findings else "problems", problems=len(findings))
        if findings:
            flash(_("Pemeriksaan menemukan %(count)s masalah. Tidak ada yang diubah.", count=len(findings)), "danger")
        else:
            flash(_("Seluruh aturan valid dengan draf ini."), "success")
        return self._workspace_page(ws, check={"findings": findings, "summary": summary},
                                    status=422 if findings else 200)

    @expose("/<ws>/buang", methods=("POST",))
    def discard(self, ws):
        workspace = self.workspace(ws)
        if not self._csrf_ok(ActionForm(request.form)):
            return self._workspace_page(ws, status=400)
        path = request.form.get("path")
        files = [clean_path(path)] if path else workspace.draft_files()
        if path and files[0] is None:
            abort(404)
        workspace.discard(files[0] if path else None)
        _audit(RULES_WORKSPACE_DISCARD, ws, files=files, result="discarded")
        flash(_("Draf dibuang; berkas aktif tidak berubah."), "info")
        return redirect(url_for(".workspace_page", ws=ws))

    @expose("/<ws>/aktifkan", methods=("POST",))
    def activate(self, ws):
        workspace = self.workspace(ws)
        if not self._csrf_ok(ActionForm(request.form)):
            return self._workspace_page(ws, status=400)
        files = workspace.draft_files()
        try:
            activation = activate_workspace(workspace, actor_id=g.user.id, locale=_locale())
        except RulesStrandError as error:
            reasons = [error.text] + [_render(problem) for problem in error.problems]
            _audit(RULES_WORKSPACE_ACTIVATE, ws, files=files, result="stranding", reasons=reasons)
            for reason in reasons:
                flash(reason, "danger")
            return self._workspace_page(ws, status=409)
        except WorkspaceError as error:
            flash(error.text, "danger")
            _audit(RULES_WORKSPACE_ACTIVATE, ws, files=files, result="refused", reason=error.text)
            return self._workspace_page(ws, status=error.status)
        except OSError as error:   # a live file could not be replaced: every file was put back, nothing committed
            current_app.logger.exception("rules workspace %s: live files not replaced", ws)
            _audit(RULES_WORKSPACE_ACTIVATE, ws, files=files, result="failed", reason=str(error.strerror or error))
            flash(_("Berkas aktif tidak dapat diganti; aturan tidak diaktifkan dan tidak ada yang diubah."), "danger")
            return self._workspace_page(ws, status=500)
        if activation.version is None:
            findings = activation.check.findings
            _audit(RULES_WORKSPACE_ACTIVATE, ws, files=files, result="problems", problems=len(findings))
            flash(_("Aturan tidak diaktifkan: %(count)s masalah ditemukan. Tidak ada yang diubah.",
                    count=len(findings)), "danger")
            return self._workspace_page(ws, check={"findings": findings, "summary": None}, status=422)
        _audit(RULES_WORKSPACE_ACTIVATE, ws, files=list(activation.files), result="activated",
               version=activation.version.id)
        flash(_("Aturan versi %(id)s aktif; berkas %(names)s diperbarui.", id=activation.version.id,
                names=", ".join(activation.files)), "success")
        return redirect(url_for(".workspace_page", ws=ws))

    @expose("/<ws>/pratinjau")
    def preview(self, ws):
        from app.reports.svg import workflow_diagram, workflow_graph

        workspace = self.workspace(ws)
        with checked(workspace, _locale()) as result:
            if not result.valid:
                flash(_("Pratinjau memerlukan aturan yang valid: %(count)s masalah ditemukan.",
                        count=len(result.findings)), "danger")
                return self._workspace_page(ws, check={"findings": result.findings, "summary": None}, status=422)
            rules = result.rules
            services = dict(rules.services() if workspace.agency_key is None
                            else rules.services_of_agency(workspace.agency_key))
            selected = request.args.get("service")
            if selected not in services:   # first the services the draft adds or changes: what is being worked on
                live = _active_rules()
                drafted = [key for key in services if _differs(live, rules, key)]
                selected = next(iter(drafted or services), None)
            diagram = graph = None
            if selected:
                diagram = workflow_diagram(rules.workflow_for(selected), rules.roles())   # without JavaScript
                graph = workflow_graph(rules.workflow_for(selected), rules.roles())       # laid out by ELK
            own = {f.path for f in workspace.files()}
            documents = [(key, spec.get("template")) for key, spec in rules.documents()
                         if spec.get("template") in own]
        from views.backoffice.common import text
        return self.page("backoffice/rules_workspace/preview.html", ws=ws, services=services, selected=selected,
                         diagram=diagram, graph=graph, documents=documents, text=text)

    @expose("/<ws>/contoh.pdf")
    def sample_pdf(self, ws):
        from app.documents.render import RenderError, html_to_pdf, render_html
        from app.documents.samples import sample_context

        workspace = self.workspace(ws)
        document_key = request.args.get("document", "")
        with checked(workspace, _locale()) as result:
            if not result.valid:
                abort(422)
            spec = result.rules.document(document_key) if result.rules.has_document(document_key) else None
            if not spec or spec.get("template") not in {f.path for f in workspace.files()}:
                abort(404)
            template = result.root / spec["template"]
            try:
                context = sample_context(document_key, result.rules)
                pdf = html_to_pdf(render_html(template.read_text("utf-8"), context), template.parent)
            except RenderError as error:
                flash(_("Templat %(path)s tidak dapat dirender: %(error)s", path=spec["template"], error=str(error)),
                      "danger")
                return self._workspace_page(ws, status=422)
        response = Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="contoh-{document_key}.pdf"'
        response.headers["Content-Security-Policy"] = "sandbox"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @expose("/<ws>/versi")
    def versions(self, ws):
        rows = db.session.scalars(select(RulesVersion).order_by(RulesVersion.id.desc()).limit(50)).all()
        return self.page("backoffice/rules_workspace/versions.html", ws=ws, versions=rows)

    @expose("/<ws>/versi/<int:version_id>")
    def version_diff(self, ws, version_id):
        version = db.session.get(RulesVersion, version_id)
        if version is None:
            abort(404)
        older = db.session.scalar(select(RulesVersion).where(RulesVersion.id < version_id)
                                  .order_by(RulesVersion.id.desc()).limit(1))
        agency_key = None if ws == SHARED else ws
        visible = None if agency_key is None else self.workspace(ws).own_files()
        return self.page("backoffice/rules_workspace/diff.html", ws=ws, version=version, older=older,
                         diff=version_diff(older, version, agency_key), sources=source_diffs(version_id, visible))


def _active_rules():
    from app.commands.rules.state import rules_state

    active = db.session.scalar(select(RulesVersion).where(RulesVersion.active.is_(True)))
    return rules_state().rules_for(active.id) if active is not None else rules_state().file_rules


def _differs(live, rules, service_key: str) -> bool:
    """A service the draft adds, or whose spec or workflow it changes, against the active version."""
    if not live.has_service(service_key):
        return True
    return live.service(service_key) != rules.service(service_key) or \
        live.workflow_for(service_key) != rules.workflow_for(service_key)


def _render(problem) -> str:
    from app.rules.messages import render
    return render(problem, _locale())


def init_rules_workspace(app, appbuilder) -> None:
    """Mount the workspace (Flask-Admin, its own endpoint) and link it from the back office menu."""
    view = RulesWorkspaceView(name=_l("Ruang Kerja Aturan"), url=URL, endpoint=ENDPOINT)
    Admin(app, name="SatuPintu", url=URL, endpoint=ENDPOINT, index_view=view)
    appbuilder.add_link("Rules Workspace", href=URL + "/", label=_l("Ruang Kerja Aturan"), icon="fa-code",
                        category="Konfigurasi", category_label=_l("Konfigurasi"))
