"""The application page for staff, the transition forms generated from the rules, and the
application's message thread. Every status change goes through ApplicationTransitionCommand."""
from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select

from app.security.access import ensure_visible
from app.commands.application.create import COMPANY_FIELDS, LOCATION_FIELDS
from app.commands.application.transition import ApplicationTransitionCommand, form_version, refusal
from app.commands.message import PostMessageCommand
from app.core.errors import ConflictError, SatuPintuError, translate
from app.extensions import db
from app.core.formatting import format_date, format_number, format_phone, typed_datetime
from app.rules.labels import display_language
from app.workflow.effects import effect_name_and_args
from app.workflow.fields import condition_holds
from models import Application, ApplicationFile, AuditEvent, Message, SurveyResponse, User
from views.api import available_actions
from views.backoffice.common import (platform_errors, SlaBadges, customer_names, local_time, rules_of, rupiah,
                                     text)
from views.backoffice.forms import MessageForm, build_transition_form, collect_values
from views.backoffice.work_rows import rows_context

PURPOSES = {"requirement": _l("Persyaratan"), "payment_proof": _l("Bukti bayar"), "result": _l("Hasil layanan"),
            "other": _l("Lampiran"), "asset_photo": _l("Foto alat")}
PAYMENT_STATUSES = {"unpaid": _l("Belum dibayar"), "submitted": _l("Menunggu verifikasi"), "valid": _l("Valid"),
                    "suspended": _l("Ditangguhkan"), "invalid": _l("Tidak valid")}
DOCUMENT_STATUSES = {"pending": _l("Sedang dibuat"), "ready": _l("Siap"), "failed": _l("Gagal dibuat")}
SLOT_STATUSES = {"offered": _l("Ditawarkan"), "chosen": _l("Dipilih pemohon"), "withdrawn": _l("Dibatalkan")}
PREVIEWABLE = {"pdf", "png", "jpg", "gif"}


def load(pk: int) -> Application:
    return ensure_visible(db.session.get(Application, pk), g.user)


def user_name(user: User | None) -> str:
    if user is None:
        return "Sistem"
    return customer_names([user.id]).get(user.id) or user.username


class GroupTable(str):
    """A repeatable group's rows (issue 13) for the staff page: a table (``columns``: the sub-fields'
    labels, ``rows``: their values as written), and as text one row per line for other readers."""

    columns: list[str]
    rows: list[list[str]]

    @classmethod
    def of(cls, spec: dict, value: Any, tz: str | None) -> "GroupTable | None":
        rows = [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []
        if not rows:
            return None
        subs = [sub for sub in spec.get("fields") or [] if sub.get("type") != "file"]
        cells = [[cell for _label, cell in field_rows([dict(sub, show_if=None) for sub in subs], row, tz)]
                 for row in rows]
        columns = [translate(text(sub.get("label"))) or sub["key"] for sub in subs]
        table = cls("\n".join("; ".join(f"{c}: {v}" for c, v in zip(columns, line)) for line in cells))
        table.columns, table.rows = columns, cells
        return table


def field_rows(specs: list[dict], values: dict, tz: str | None = None) -> list[tuple[str, str]]:
    rows = []
    for spec in specs:
        if spec.get("type") == "file" or not condition_holds(spec.get("show_if"), lambda k: values.get(k)):
            continue
        value = values.get(spec["key"])
        if spec.get("type") == "group":
            value = GroupTable.of(spec, value, tz)
        elif spec.get("type") == "select":
            options = {str(o["value"]): text(o.get("label")) for o in spec.get("options", [])}
            value = options.get(str(value), value)
        elif spec.get("type") == "checkbox":
            value = gettext("Ya") if value else gettext("Tidak")
        elif spec.get("type") == "money" and value not in (None, ""):
            value = rupiah(value)
        elif spec.get("type") in ("number", "integer") and value not in (None, ""):
            value = format_number(value)
        elif spec.get("type") == "phone" and value not in (None, ""):
            value = format_phone(value)
        elif spec.get("type") == "date" and value not in (None, ""):
            value = format_date(value)
        elif spec.get("type") == "datetime" and value not in (None, ""):
            value = typed_datetime(value, tz)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        # the platform's own sections (company, location) have catalog entries; a rules label passes as is
        label = text(spec.get("label"))
        rows.append((translate(label) if label else spec["key"],
                     "-" if value in (None, "") else value if isinstance(value, GroupTable) else str(value)))
    return rows


def _declaration(service: dict, application: Application, events, tz: str) -> dict | None:
    """The service's declaration (MELASTI's integrity statement), whether the applicant accepted
    it and when: it is ticked on the submission, so its time is the creation event's."""
    if not service.get("declaration"):
        return None
    at = next((e.created_at for e in events if e.action == "create"), None) \
        or application.submitted_at or application.created_at
    return {"text": text(service.get("declaration")), "accepted": bool(application.declaration_accepted),
            "at": local_time(at, tz) if application.declaration_accepted else ""}


def page_context(application: Application) -> dict:
    rules = rules_of(application)
    service = rules.service(application.service_type.key)
    states = rules.states_for(application.service_type.key)
    transitions = rules.transitions_for(application.service_type.key)
    tz = application.agency.timezone or "Asia/Jakarta"

    def state_label(key):
        spec = states.get(key or "") or {}
        return text(spec.get("staff_label") or spec.get("label")) or (key or "-")

    def action_text(event):  # the stored (Indonesian) label, or the rules' label in the language shown
        spec = next((t for t in transitions if t["action"] == event.action
                     and (event.from_state is None or event.from_state in t["from"])), None)
        return text(spec.get("label")) if spec and display_language() != "id" else translate(event.action_label or event.action)

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.application_id == application.id)
                                .order_by(AuditEvent.created_at, AuditEvent.id)).all()
    actors = {e.actor_id for e in events if e.actor_id}
    names = customer_names(actors | {application.customer_id})
    system = _l("Sistem")
    timeline = [{"at": local_time(e.created_at, tz), "who": names.get(e.actor_id, system) if e.actor_id else system,
                 "what": action_text(e), "from": state_label(e.from_state) if e.from_state else "",
                 "to": state_label(e.to_state), "note": e.note} for e in events]
    doc_labels = {d["key"]: text(d.get("label")) for d in service.get("documents") or []}
    form_labels = {f["key"]: text(f.get("label")) for t in transitions for f in t.get("form") or []}
    files = [{"id": f.id, "doc_key": f.doc_key, "purpose_key": f.purpose, "name": f.file.original_name, "kind": f.file.kind, "size": f.file.size,
              "purpose": PURPOSES.get(f.purpose, f.purpose),
              "label": doc_labels.get(f.doc_key) or form_labels.get(f.doc_key)
              or (PURPOSES["asset_photo"] if f.purpose == "asset_photo" else f.doc_key),
              "superseded": f.superseded, "at": local_time(f.created_at, tz),
              "previewable": f.file.kind in PREVIEWABLE}
             for f in application.files]
    documents_spec = dict(rules.documents())
    messages = db.session.scalars(select(Message).where(Message.application_id == application.id)
                                  .order_by(Message.created_at, Message.id)).all()
    senders = customer_names({m.sender_id for m in messages})
    survey = db.session.scalar(select(SurveyResponse).where(SurveyResponse.application_id == application.id))
    return {
        "application": application, "service_spec": service, "tz": tz,
        "state_label": state_label(application.state), "customer_state_label": application.state_label,
        "customer_name": names.get(application.customer_id, ""), "customer": application.customer,
        "profile": _profile(application.customer_id),
        "fields": field_rows(service.get("fields", []), application.data or {}, tz),
        "company": field_rows(COMPANY_FIELDS, application.company or {}) if application.company else [],
        "location": field_rows(LOCATION_FIELDS, application.location or {}) if application.location else [],
        "numbers": application.numbers or {}, "deadlines": application.deadlines or {},
        "cart": application.cart_lines, "total": rupiah(application.total_amount),
        "files": files,
        "payments": [{"p": p, "status": PAYMENT_STATUSES.get(p.status, p.status), "amount": rupiah(p.amount),
                      "proof": next((f for f in application.files if f.file_id == p.proof_file_id), None),
                      "issued": local_time(p.created_at, tz), "submitted": local_time(p.submitted_at, tz),
                      "decided": local_time(p.decided_at, tz), "due": local_time(p.due_at, tz) if p.due_at else "",
                      "superseded": local_time(p.superseded_at, tz) if p.superseded_at else "",
                      "received": rupiah(p.amount_received) if p.amount_received is not None else "",
                      "shortfall": rupiah(p.shortfall) if p.shortfall else ""}
                     for p in application.payments],
        "slots": [{"s": s, "status": SLOT_STATUSES.get(s.status, s.status),
                   "start": local_time(s.starts_at, tz), "end": local_time(s.ends_at, tz)} for s in application.slots],
        "documents": [{"d": d, "label": text(documents_spec.get(d.doc_key, {}).get("label")) or d.doc_key,
                       "status": DOCUMENT_STATUSES.get(d.status, d.status)} for d in application.documents],
        "timeline": timeline, "sla": SlaBadges().badge(application),
        "messages": [{"m": m, "who": senders.get(m.sender_id, ""), "staff": m.sender_id != application.customer_id,
                      "at": local_time(m.created_at, tz)} for m in messages],
        "asset": asset_panel(application, service, files, tz),
        "survey": survey, "assignee": user_name(application.assignee) if application.assignee_id else "",
        "declaration": _declaration(service, application, events, tz),
        "local_time": lambda v: local_time(v, tz), "rupiah": rupiah,
        "work_rows": _work_rows(application),
        "can_adjust_cart": _can_adjust_cart(application),
    }


def asset_panel(application: Application, service: dict, files: list[dict], tz: str) -> dict | None:
    """The instrument applied for: its photo (the file routes), its data, and the fields and
    documents the rules list in ``asset.details`` (e.g. the old SKHP)."""
    spec = service.get("asset")
    asset = application.asset
    if not spec or asset is None:
        return None
    details = spec.get("details") or []
    field_specs = [f for f in service.get("fields", []) if f["key"] in details]
    doc_keys = [k for k in details if k not in {f["key"] for f in field_specs}]
    current = [f for f in files if not f["superseded"]]
    return {
        "label": text(spec.get("label")) or spec["kind"], "asset": asset,
        "photo": next((f for f in current if f["purpose_key"] == "asset_photo"), None),
        "rows": [(_l("Nama alat"), asset.name), (_l("Merek"), asset.brand), (_l("Model/tipe"), asset.model),
                 (_l("Nomor seri"), asset.serial_number), (_l("Kapasitas"), asset.capacity),
                 (_l("Lokasi alat"), asset.location)],
        "details": [row for row in field_rows(field_specs, application.data or {}, tz) if row[1] != "-"],
        "documents": [f for key in doc_keys for f in current if f["doc_key"] == key],
    }


def _can_adjust_cart(application: Application) -> bool:
    from app.commands.cart import may_adjust_cart
    return may_adjust_cart(application, g.user)


def _work_rows(application: Application) -> dict | None:
    return rows_context(application)


def _signing_document(application: Application, user, action: str | None = None):
    """``(doc_key, signatory_id)`` of the document a signing action available to ``user`` now would
    sign (the rules' ``sign`` effect), else None."""
    from models import Signatory

    actions = {a["action"] for a in available_actions(application, user)}
    for transition in rules_of(application).transitions_for(application.service_type.key):
        if application.state not in transition["from"] or transition["action"] not in actions:
            continue
        if action is not None and transition["action"] != action:
            continue
        for effect in transition.get("effects") or ():
            name, args = effect_name_and_args(effect)
            if name == "sign":
                signatory = db.session.scalar(select(Signatory.id).where(
                    Signatory.agency_id == application.agency_id, Signatory.user_id == user.id))
                return args["document"], signatory
    return None


def _signing_draft(application: Application, action: str) -> dict | None:
    """What the signing form shows before the passphrase: the draft, inline and as a PDF link."""
    from app.documents.produce import DocumentError, render_draft_html

    signing = _signing_document(application, g.user, action)
    if signing is None:
        return None
    try:
        html = render_draft_html(application, signing[0], signing[1])
    except DocumentError as error:
        html, problem = "", error.text
    else:
        problem = ""
    return {"doc_key": signing[0], "html": html, "problem": problem,
            "label": _document_label(rules_of(application), signing[0])}


def _document_label(rules, doc_key: str) -> str:
    return text(rules.document(doc_key).get("label")) if rules.has_document(doc_key) else ""


def _profile(user_id: int):
    from models import CustomerProfile
    return db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user_id))


class ApplicationDeskView(BaseView):
    route_base = "/backoffice/permohonan"
    class_permission_name = "ApplicationDesk"
    method_permission_name = {"show": "show", "act": "act", "message": "message", "preview": "show", "draft": "show"}
    default_view = "show"

    @expose("/<int:pk>")
    @has_access
    @platform_errors
    def show(self, pk: int):
        application = load(pk)
        context = page_context(application)
        actions = available_actions(application, g.user)
        return self.render_template("backoffice/application.html", actions=actions,
                                    message_form=MessageForm(), **context)

    @expose("/<int:pk>/tindakan/<action>", methods=["GET", "POST"])
    @has_access
    @platform_errors
    def act(self, pk: int, action: str):
        """The action's form. A stale form is a 409, an action that is not (or no longer) the
        user's to take a 422 (403 when another role must do it), a refused form a 422."""
        application = load(pk)
        option = next((a for a in available_actions(application, g.user) if a["action"] == action), None)
        seen = form_version(request.form.get("version")) if request.method == "POST" else None
        if option is None:
            if request.method == "POST":
                raise refusal(application, g.user, action, seen)
            flash(gettext("Tindakan ini tidak tersedia untuk Anda pada status permohonan saat ini."), "danger")
            return redirect(url_for(".show", pk=pk))
        form = build_transition_form(application, option["form"])
        errors, reasons = {}, list(option["blocked_by"])
        status = 200
        if request.method == "POST" and form.validate_on_submit():
            try:
                if seen is None:
                    raise ConflictError(code="stale")
                fields, files = collect_values(option["form"], request.form, request.files)
                ApplicationTransitionCommand(pk, g.user, action, fields=fields, files=files,
                                             expected_version=seen,
                                             idempotency_key=form.idempotency_key.data or None).run()
            except SatuPintuError as error:
                db.session.rollback()
                errors = dict(error.details.get("field_errors") or {})
                reasons = list(error.details.get("reasons") or [])
                flash(error.text, "danger")
                if error.status == 404:
                    raise
                status = error.status if error.status in (403, 409, 413, 422) else 422
                application = load(pk)
            else:
                flash(f"{option['label']}: berhasil disimpan.", "success")
                return redirect(url_for(".show", pk=pk))
        elif request.method == "POST":
            flash(gettext("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
            status = 422
        form.version.data = str(application.version)
        form.idempotency_key.data = uuid.uuid4().hex
        context = page_context(application)
        return self.render_template("backoffice/transition.html", option=option, form=form,
                                    errors=errors, reasons=reasons, draft=_signing_draft(application, action),
                                    **context), status

    @expose("/<int:pk>/draf/<doc_key>")
    @has_access
    @platform_errors
    def draft(self, pk: int, doc_key: str):
        """The PDF a signing action would sign, rendered now (unsigned, marked DRAF), shown inline
        in a CSP sandbox like every preview; only for a document the current action signs."""
        from app.documents.produce import draft_document, render_document
        from app.storage.downloads import content_disposition, protect

        application = load(pk)
        signing = _signing_document(application, g.user)
        if signing is None or signing[0] != doc_key:
            abort(404)
        pdf = render_document(draft_document(application, doc_key, signing[1]))
        response = make_response(pdf)
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = content_disposition("inline", f"DRAF-{doc_key}.pdf")
        return protect(response)

    @expose("/<int:pk>/pesan", methods=["POST"])
    @has_access
    @platform_errors
    def message(self, pk: int):
        load(pk)
        form = MessageForm()
        if not form.validate_on_submit():
            flash(gettext("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
            return redirect(url_for(".show", pk=pk) + "#pesan")
        try:
            PostMessageCommand(pk, g.user, form.body.data or "").run()
            flash(gettext("Pesan terkirim; pemohon diberi tahu."), "success")
        except SatuPintuError as error:
            flash("; ".join(error.details.get("field_errors", {}).values()) or error.text, "danger")
        return redirect(url_for(".show", pk=pk) + "#pesan")

    @expose("/<int:pk>/berkas/<int:file_id>")
    @has_access
    @platform_errors
    def preview(self, pk: int, file_id: int):
        """Old links: the file now comes from the shared preview or download route (views/documents.py)."""
        application = load(pk)
        item = db.session.get(ApplicationFile, file_id)
        if item is None or item.application_id != application.id:
            abort(404)
        endpoint = "documents.download_application_file" if request.args.get("unduh") == "1" \
            or item.file.kind not in PREVIEWABLE else "documents.preview_application_file"
        return redirect(url_for(endpoint, application_file_id=item.id))
