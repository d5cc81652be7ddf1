"""The rules screen: the active version, its check result, each workflow as an SVG diagram, the
stored versions, and (administrators only) uploading a new rules file."""
from __future__ import annotations

import os
import uuid

from flask import flash, g, redirect, request, url_for
from flask_babel import get_locale, gettext, gettext as _
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select

from app.security.access import is_admin
from app.commands.rules.activate import ActivateRulesCommand, RulesStrandError
from app.extensions import db
from app.core.errors import translate
from app.reports.svg import BUILTIN_ROLES, workflow_diagram, workflow_graph
from app.rules.loader import check_rules
from app.commands.rules.state import rules_state
from models import RulesVersion
from views.backoffice.common import platform_errors, text, visible_services
from views.backoffice.forms import RulesUploadForm

MAX_RULES_BYTES = 2 * 1024 * 1024


def check_uploaded(content: bytes, filename: str):
    """Check an uploaded entry file beside the current one (so its includes and templates resolve).
    Returns (rules, [problem texts]) with the upload's own name in the messages."""
    base_dir = rules_state().file_rules.base_dir or rules_state().path.parent
    temporary = base_dir / f".upload-{uuid.uuid4().hex}.yaml"
    temporary.write_bytes(content)
    try:
        rules, problems = check_rules(os.path.relpath(temporary))
    finally:
        temporary.unlink(missing_ok=True)
    locale = str(get_locale() or "id")
    shown = [p.text(locale).replace(os.path.relpath(temporary), filename).replace(str(temporary), filename)
             for p in problems]
    return rules, shown


def safe_filename(name: str) -> str:
    name = os.path.basename(name or "").strip() or "workflow_rules.yaml"
    return name[:120]


class RulesScreenView(BaseView):
    route_base = "/backoffice/aturan"
    class_permission_name = "RulesScreen"
    method_permission_name = {"index": "show", "upload": "upload"}
    default_view = "index"

    def _page(self, problems=None, uploaded_name=None, status=200):
        active = db.session.scalar(select(RulesVersion).where(RulesVersion.active.is_(True)))
        versions = db.session.scalars(select(RulesVersion).order_by(RulesVersion.id.desc()).limit(50)).all()
        rules = rules_state().rules_for(active.id) if active else rules_state().file_rules
        services = [s for s in visible_services(g.user) if rules.has_service(s.key)]
        selected = request.args.get("service") or (services[0].key if services else None)
        diagram, graph, workflow_key, transitions = None, None, None, []
        if selected in {s.key for s in services}:
            workflow_key = rules.workflow_key_for(selected)
            workflow = rules.workflow(workflow_key)
            roles = rules.roles(rules.service(selected)["agency"])  # that agency's labels
            diagram = workflow_diagram(workflow, roles)  # without JavaScript
            graph = workflow_graph(workflow, roles)  # laid out by ELK in the browser
            states = rules.states(workflow_key)
            for t in rules.transitions(workflow_key):
                transitions.append({
                    "label": text(t.get("label")), "action": t["action"],
                    "from": ", ".join(text(states[s].get("staff_label") or states[s].get("label")) for s in t["from"]),
                    "to": text(states[t["to"]].get("staff_label") or states[t["to"]].get("label")),
                    "by": ", ".join((translate(BUILTIN_ROLES[r]) if r in BUILTIN_ROLES else "")
                                    or text((roles.get(r) or {}).get("label")) or r for r in t["by"]),
                    "form": ", ".join(text(f.get("label")) for f in t.get("form") or [])})
        return self.render_template(
            "backoffice/rules.html", active=active, versions=versions, services=services, selected=selected,
            diagram=diagram, graph=graph, workflow_key=workflow_key, transitions=transitions, problems=problems,
            uploaded_name=uploaded_name, form=RulesUploadForm(), can_upload=is_admin(g.user) or
            self.appbuilder.sm.has_access("can_upload", "RulesScreen")), status

    @expose("/")
    @has_access
    @platform_errors
    def index(self):
        return self._page()

    @expose("/unggah", methods=["POST"])
    @has_access
    @platform_errors
    def upload(self):
        form = RulesUploadForm()
        if not form.validate_on_submit():
            flash(gettext("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
            return redirect(url_for(".index"))
        storage = request.files.get("rules_file")
        if storage is None or not storage.filename:
            flash(_("Pilih berkas aturan (YAML) terlebih dahulu."), "danger")
            return redirect(url_for(".index"))
        name = safe_filename(storage.filename)
        content = storage.read(MAX_RULES_BYTES + 1)
        if len(content) > MAX_RULES_BYTES:
            return self._page([_("%(name)s: berkas lebih dari 2 MB", name=name)], name, 422)
        rules, problems = check_uploaded(content, name)
        if problems:
            flash(_("Aturan ditolak: %(count)s masalah ditemukan. Tidak ada yang diubah.", count=len(problems)), "danger")
            return self._page(problems, name, 422)
        try:
            version = ActivateRulesCommand(rules, source_name=name, actor_id=g.user.id).run()
            db.session.commit()
        except RulesStrandError as error:
            db.session.rollback()
            flash(error.text, "danger")
            from app.rules.messages import render
            return self._page([render(problem, str(get_locale() or "id")) for problem in error.problems], name, 409)
        flash(_("Aturan versi %(id)s aktif.", id=version.id), "success")
        return redirect(url_for(".index"))
