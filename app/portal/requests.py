"""Following up from the portal: "Permohonan Saya", the application page with its timeline and the
actions the rules give the customer now (payment proof, schedule, tariff, revision, finish,
cancel), the invoice, the printable receipt, the survey (IKM) and the message thread with staff.

Every status change goes through ``ApplicationTransitionCommand``; a customer sees only their own
applications: anything else is a 404.
"""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from app.commands.application.create import COMPANY_FIELDS, LOCATION_FIELDS
from app.commands.application.transition import ApplicationTransitionCommand, form_version, refusal
from app.commands.survey import SubmitSurveyCommand, survey_open
from app.core.errors import SatuPintuError, ValidationError
from app.extensions import db
from app.storage.files import FileStore, IncomingFile, check_file, store_file
from app.core.formatting import jinja_filters
from app.portal.apply import (WizardForm, accept_attr, collect_uploads, group_action, group_display_rows,
                              group_rows_from_request, my_library, text_of, types_text)
from app.portal.auth import login_required_customer
from app.portal.timeline import (customer_timeline, receipt_is_guessable, rules_of, status_tone, timeline_ahead,
                                 transition_spec)
from app.rules.model import Rules, plain_data
from app.workflow.fields import missing_documents, required_documents
from app.workflow.guards import guard_name_and_args
from models import (Application, ApplicationFile, BankAccount, Message, ServiceType, StoredFile,
                    SurveyResponse)

portal_requests = Blueprint("portal_requests", __name__, url_prefix="/portal")
PAGE_SIZE = 10
ATTACHMENT_TYPES = ("pdf", "jpg", "png")
ATTACHMENT_MAX_MB = 10


@portal_requests.before_request
def _csrf():
    from app.portal.blueprint import protect_portal_posts
    return protect_portal_posts()


# Older names of app.core.formatting's ``waktu`` filter (a time in the agency's zone with its name).
portal_requests.add_app_template_filter(jinja_filters()["waktu"], "portal_datetime")
portal_requests.add_app_template_filter(jinja_filters()["waktu"], "slot_time")


# ------------------------------------------------------------------------------- helpers

@portal_requests.app_template_global("document_url")
def document_url(document_id: int) -> str:
    """The access-checked download of a generated document (views/documents.py)."""
    try:
        return url_for("documents.download_document", document_id=document_id)
    except Exception:  # the documents module is not registered (yet)
        return f"/unduh/dokumen/{document_id}"


@portal_requests.app_template_global("file_url")
def file_url(application_file_id: int) -> str:
    try:
        return url_for("documents.download_application_file", application_file_id=application_file_id)
    except Exception:
        return f"/unduh/berkas/{application_file_id}"


def own_application(app_id: int) -> Application:
    """The current customer's application, or 404 (never 403: numbers cannot be probed)."""
    application = db.session.get(Application, app_id)
    if application is None or application.customer_id != current_user.id:
        abort(404)
    return application


def is_revision(transition: dict, state_kind: str) -> bool:
    """A customer's action that re-sends the application with corrected data and documents."""
    guards = [guard_name_and_args(g)[0] for g in transition.get("guards") or []]
    return state_kind == "waiting_customer" and "documents_complete" in guards and \
        not any(f.get("required") for f in transition.get("form", []))


def customer_actions(application: Application) -> list[dict]:
    from views.api import available_actions

    rules, spec, workflow = rules_of(application)
    states = rules.states_for(application.service_type.key)
    state_kind = (states.get(application.state) or {}).get("kind") or "working"
    actions = []
    for option in available_actions(application, current_user):
        transition = transition_spec(workflow, option["action"], application.state) or {}
        target_kind = (states.get(transition.get("to")) or {}).get("kind") or ""
        actions.append({**option, "revision": is_revision(transition, state_kind),
                        "ends": str(target_kind).startswith("final") and target_kind != "final_success",
                        "survey_first": "survey_done" in [guard_name_and_args(g)[0]
                                                          for g in transition.get("guards") or []]})
    return actions


def result_kinds() -> set[str]:
    """Generated documents that wait for a gating survey: the documents module decides."""
    try:
        from views.documents import RESULT_KINDS
        return set(RESULT_KINDS)
    except ImportError:
        return {"licence", "report", "cover_letter"}


def survey_done(application: Application) -> bool:
    return bool(db.session.scalar(select(exists().where(SurveyResponse.application_id == application.id))))


def downloads(application: Application, rules: Rules, spec: dict) -> tuple[list[dict], bool]:
    """What the customer can download now, and whether some waits for the survey."""
    survey = rules.survey(spec["survey"]) if spec.get("survey") else {}
    gated = bool(survey.get("gates_downloads")) and not survey_done(application)
    items, held = [], False
    for doc in sorted(application.documents, key=lambda d: d.id):
        if doc.status != "ready":
            continue
        if gated and doc.kind in result_kinds():
            held = True
            continue
        doc_spec = rules.document(doc.doc_key) if rules.has_document(doc.doc_key) else {}
        label = text_of(doc_spec.get("label") or doc.doc_key)
        items.append({"label": label, "number": doc.number, "url": document_url(doc.id),
                      "kind": doc.kind, "verify_code": doc.verify_code})
    for item in application.files:
        if item.purpose != "result" or item.superseded:
            continue
        if gated:
            held = True
            continue
        items.append({"label": _("Hasil layanan: %(name)s", name=item.file.original_name),
                      "number": "", "url": file_url(item.id), "kind": "result"})
    return items, held


def form_values(form_spec: list[dict]) -> tuple[dict, dict, dict]:
    """A transition's form from the request: (fields, files, errors)."""
    fields, files, errors = {}, {}, {}
    for spec in form_spec:
        key, kind = spec["key"], spec.get("type", "text")
        if kind == "file":
            storage = request.files.get(f"a.{key}")
            if storage is not None and storage.filename:
                files[key] = IncomingFile.from_storage(storage)
            continue
        if kind == "checkbox":
            fields[key] = bool(request.form.get(f"a.{key}"))
            continue
        value = request.form.get(f"a.{key}", "")
        if value != "":
            fields[key] = int(value) if kind == "slot" and value.isdigit() else value
    return fields, files, errors


def action_extra(application: Application, form_spec: list[dict]) -> dict:
    """What the action forms need beyond the spec: bank accounts, offered slots, file hints."""
    extra = {"bank_accounts": list(db.session.scalars(select(BankAccount).where(
        BankAccount.agency_id == application.agency_id, BankAccount.active.is_(True)))),
        "slots": [s for s in application.slots if s.status == "offered"]}
    files = {}
    for spec in form_spec:
        if spec.get("type") == "file":
            files[spec["key"]] = {**extra, "accept": accept_attr(spec.get("types") or ["pdf", "jpg", "png"]),
                                  "types_text": types_text(spec.get("types") or ["pdf", "jpg", "png"])}
    extra["files"] = files
    return extra


def render_detail(application: Application, *, action_errors: dict | None = None, failed_action: str = "",
                  failed_values: dict | None = None, status: int = 200, booking_error: str = ""):
    rules, spec, workflow = rules_of(application)
    actions = customer_actions(application)
    extras = {a["action"]: action_extra(application, a["form"]) for a in actions}
    items, held = downloads(application, rules, spec)
    icon, tone, words = status_tone(application.state_kind)
    messages = list(db.session.scalars(select(Message).where(Message.application_id == application.id)
                                       .order_by(Message.created_at, Message.id)))
    for message in messages:
        if message.sender_id != current_user.id and message.read_at is None:
            from models.base import utcnow
            message.read_at = utcnow()
    db.session.commit()
    is_done = survey_done(application)
    body = render_template(
        "portal/requests/detail.html", app=application, spec=spec,
        state_label=application.state_label, icon=icon, tone=tone, words=words,
        timeline=customer_timeline(application, workflow), ahead=timeline_ahead(application, workflow),
        actions=actions, extras=extras,
        action_errors=action_errors or {}, failed_action=failed_action, failed_values=failed_values or {},
        downloads=items, downloads_held=held, survey_open=survey_open(application, rules) and not is_done,
        survey_done=is_done, messages=messages, payments=application.payments,
        deadlines=application.deadlines or {}, text_of=text_of,
        attachment_types=types_text(ATTACHMENT_TYPES), attachment_max=ATTACHMENT_MAX_MB,
        attachment_accept=accept_attr(ATTACHMENT_TYPES), document_access=document_access(application),
        booking=portal_booking(application), booking_error=booking_error)
    return body, status


def portal_booking(application: Application) -> dict | None:
    """The booking panel: the resource, the booked slot, and the free slots while one may be picked."""
    from app.commands.booking import active_booking, booking_spec, free_slots, pick_states, resource_spec

    spec = booking_spec(application)
    if spec is None:
        return None
    resource = resource_spec(application.agency, spec.resource, rules_of(application)[0])
    may_pick = application.state in pick_states(application)
    return {"label": text_of(resource.label) if resource is not None else spec.resource, "unit": spec.unit,
            "current": active_booking(application), "may_pick": may_pick,
            "free": free_slots(application) if may_pick else []}


def document_access(application: Application) -> list[dict]:
    """UU PDP: who opened this application's personal documents, for the applicant (newest first)."""
    from app.storage.pdp import access_log_stmt, document_label
    from models import DocumentAccess

    rows = db.session.scalars(access_log_stmt().where(DocumentAccess.application_id == application.id)
                              .limit(200)).unique().all()
    entries = []
    for row in rows:
        if row.user_id == current_user.id:
            who = _("Anda")
        else:
            who = " ".join(p for p in (getattr(row.user, "first_name", ""), getattr(row.user, "last_name", "")) if p) \
                or _("Petugas")
        entries.append({"at": row.created_at, "who": who, "document": document_label(application, row.doc_key),
                        "mode": row.mode})
    return entries


def _problem_list(error: SatuPintuError) -> tuple[dict, str]:
    field_errors = dict(error.details.get("field_errors") or {})
    reasons = error.details.get("reasons") or []
    general = "; ".join(reasons) if reasons else ("" if field_errors else error.text)
    return field_errors, general


# ------------------------------------------------------------------------------- routes

@portal_requests.route("/permohonan")
@login_required_customer
def index():
    q = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status", "")
    page = max(1, request.args.get("page", 1, type=int))
    stmt = select(Application).join(ServiceType).where(Application.customer_id == current_user.id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Application.receipt.ilike(like), Application.number.ilike(like),
                              ServiceType.name.ilike(like)))
    if status == "proses":
        stmt = stmt.where(Application.state_kind.in_(("working", "waiting_customer")))
    elif status == "tindakan":
        stmt = stmt.where(Application.state_kind == "waiting_customer")
    elif status == "selesai":
        stmt = stmt.where(Application.state_kind == "final_success")
    elif status == "ditolak":
        stmt = stmt.where(Application.state_kind.in_(("final_rejected", "final_cancelled")))
    total = db.session.scalar(select(func.count()).select_from(stmt.with_only_columns(Application.id).subquery()))
    rows = list(db.session.scalars(stmt.order_by(Application.id.desc())
                                   .options(contains_eager(Application.service_type),
                                            joinedload(Application.agency))
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    from app.reports.recap import CUSTOMER_COUNTER_LABELS, customer_counts
    return render_template("portal/requests/index.html", rows=rows, q=q, status=status, page=page,
                           pages=pages, total=total, status_tone=status_tone,
                           counters=customer_counts(current_user.id), counter_labels=CUSTOMER_COUNTER_LABELS)


RECAP_MAX = 2000        # a customer's own applications: searched in memory, exported whole


def recap_rows(q: str) -> list[tuple[Application, str]]:
    """The current customer's own applications (newest first) with their subject, those matching
    ``q`` in any shown column: numbers, service, classification, subject or status."""
    from app.reports.recap import subject_of

    stmt = (select(Application).where(Application.customer_id == current_user.id)
            .order_by(Application.id.desc()).limit(RECAP_MAX))
    rows = [(a, subject_of(a)) for a in db.session.scalars(stmt)]
    needle = q.strip().lower()
    if not needle:
        return rows
    return [(a, subject) for a, subject in rows
            if any(needle in (text or "").lower() for text in
                   (a.receipt, a.number, a.service_type.name, a.service_type.class_label, subject, a.state_label))]


@portal_requests.route("/permohonan/rekap")
@login_required_customer
def recap():
    """Rekap Layanan: every own application in one searchable table, with Export Excel."""
    from app.reports.recap import CUSTOMER_COUNTER_LABELS, customer_counts

    q = (request.args.get("q") or "").strip()[:100]
    return render_template("portal/requests/recap.html", rows=recap_rows(q), q=q,
                           counters=customer_counts(current_user.id), counter_labels=CUSTOMER_COUNTER_LABELS)


@portal_requests.route("/permohonan/rekap/excel")
@login_required_customer
def recap_excel():
    """The same rows as the recap page (same search), times in each application's agency zone."""
    from flask import send_file

    from app.core.formatting import localize
    from app.reports.recap import recap_workbook, zone_of
    from models.base import utcnow

    q = (request.args.get("q") or "").strip()[:100]
    rows = recap_rows(q)
    subjects = {a.id: subject for a, subject in rows}
    header = [_("No."), _("Nomor permohonan"), _("Nomor resi"), _("Klasifikasi layanan"), _("Layanan"),
              _("Perihal"), _("Tanggal pengajuan"), _("Tanggal maks. proses"), _("Status"), _("Zona waktu")]
    numbered = {a.id: i for i, (a, _s) in enumerate(rows, start=1)}
    buffer = recap_workbook(
        [a for a, _s in rows], header,
        lambda a, when: [numbered[a.id], a.number or "", a.receipt or "", a.service_type.class_label or "",
                         a.service_type.name, subjects[a.id], when(a.submitted_at or a.created_at),
                         when(a.due_at), a.state_label, zone_of(a)])
    name = f"rekap-permohonan-saya-{localize(utcnow(), 'Asia/Jakarta').date().isoformat()}.xlsx"
    return send_file(buffer, as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@portal_requests.route("/permohonan/<int:app_id>")
@login_required_customer
def detail(app_id: int):
    return render_detail(own_application(app_id))


@portal_requests.route("/permohonan/<int:app_id>/terkirim")
@login_required_customer
def submitted(app_id: int):
    return receipt(app_id, just_submitted=True)


@portal_requests.route("/permohonan/<int:app_id>/resi")
@login_required_customer
def receipt(app_id: int, just_submitted: bool = False):
    application = own_application(app_id)
    rules, spec, workflow = rules_of(application)
    documents = {d["key"]: text_of(d.get("label")) for d in spec.get("documents", [])}
    files = [(documents.get(f.doc_key, f.doc_key), f.file.original_name) for f in application.files
             if f.purpose == "requirement" and not f.superseded]
    from app.portal.apply import profile_of
    return render_template("portal/requests/receipt.html", app=application, files=files,
                           profile=profile_of(current_user), just_submitted=just_submitted,
                           state_label=application.state_label, text_of=text_of,
                           track_needs_email=receipt_is_guessable(application))


@portal_requests.route("/permohonan/<int:app_id>/jadwal", methods=["POST"])
@login_required_customer
def book(app_id: int):
    """The customer's pick of a free slot of the service's resource (BookSlotCommand)."""
    from app.commands.booking import BookSlotCommand

    own_application(app_id)
    raw = request.form.get("slot_id", "")
    if not raw.isdigit():
        return render_detail(own_application(app_id), booking_error=_("Pilih salah satu jadwal."), status=422)
    try:
        BookSlotCommand(app_id, current_user, int(raw)).run()
    except SatuPintuError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        field_errors, general = _problem_list(error)
        message = general or "; ".join(str(v) for v in field_errors.values()) or error.text
        return render_detail(own_application(app_id), booking_error=message,
                             status=error.status if error.status != 400 else 422)
    flash(_("Jadwal dipesan."), "success")
    return redirect(url_for("portal_requests.detail", app_id=app_id))


@portal_requests.route("/permohonan/<int:app_id>/aksi/<action>", methods=["POST"])
@login_required_customer
def act(app_id: int, action: str):
    application = own_application(app_id)
    seen = form_version(request.form.get("version"))
    option = next((a for a in customer_actions(application) if a["action"] == action), None)
    if option is None or (seen is not None and seen != application.version):
        # a stale page (409) or an action that is not the customer's now (422): say so on the page
        error = refusal(application, current_user, action, seen)
        return render_detail(application, action_errors={"_general": error.text}, failed_action=action,
                             status=error.status)
    fields, files, errors = form_values(option["form"])
    if option["ends"] and not request.form.get("konfirmasi"):
        errors["konfirmasi"] = _("Centang konfirmasi untuk melanjutkan.")
    if errors:
        return render_detail(application, action_errors=errors, failed_action=action,
                             failed_values=fields, status=422)
    try:
        ApplicationTransitionCommand(app_id, current_user, action, fields=fields, files=files,
                                     expected_version=seen,
                                     idempotency_key=request.form.get("idempotency_key") or None).run()
    except SatuPintuError as error:
        db.session.rollback()
        field_errors, general = _problem_list(error)
        if general:
            field_errors["_general"] = general
        return render_detail(own_application(app_id), action_errors=field_errors, failed_action=action,
                             failed_values=fields, status=error.status if error.status != 400 else 422)
    flash(_("%(action)s: berhasil.", action=option["label"]), "success")
    return redirect(url_for("portal_requests.detail", app_id=app_id))


def revisable_parts(workflow: dict, action: str, state: str, service_spec: dict) -> tuple[str, ...]:
    """What the revision ``action`` lets the customer correct: the transition's ``revise`` list
    (default fields and documents), without sections the service does not collect."""
    from app.rules.vocabulary import DEFAULT_REVISE

    transition = transition_spec(workflow, action, state) or {}
    parts = tuple(transition.get("revise") or DEFAULT_REVISE)
    return tuple(p for p in parts if not (
        (p == "company" and service_spec.get("company_data", "none") == "none")
        or (p == "location" and service_spec.get("location", "none") == "none")))


def _location_form(location: dict | None) -> dict:
    values = {k: v for k, v in (location or {}).items() if k != "coordinates"}
    point = (location or {}).get("coordinates")
    if isinstance(point, dict):
        values.update(lat=point.get("lat", ""), lng=point.get("lng", ""))
    return values


def _location_for_command(values: dict) -> dict:
    location = {k: v for k, v in values.items() if k not in ("lat", "lng")}
    lat, lng = values.get("lat", ""), values.get("lng", "")
    location["coordinates"] = f"{lat},{lng}" if (lat or lng) else ""
    return location


@portal_requests.route("/permohonan/<int:app_id>/revisi/<action>", methods=["GET", "POST"])
@login_required_customer
def revise(app_id: int, action: str):
    """The revision form: the application's fields prefilled, each document replaceable."""
    application = own_application(app_id)
    option = next((a for a in customer_actions(application) if a["action"] == action and a["revision"]), None)
    if option is None:
        flash(_("Permohonan ini tidak sedang menunggu perbaikan dari Anda."), "warning")
        return redirect(url_for("portal_requests.detail", app_id=app_id))
    rules, spec, workflow = rules_of(application)
    parts = revisable_parts(workflow, action, application.state, spec)
    values = dict(application.data or {})
    sections = {"company": dict(application.company or {}), "location": _location_form(application.location)}
    errors: dict[str, str] = {}
    regrouped = None   # a repeatable group's "Tambah baris"/"Hapus" (issue 13): shown again, not sent
    if request.method == "POST":
        if "fields" in parts:
            for f in spec.get("fields", []):
                if f.get("type") == "group":
                    values[f["key"]] = group_rows_from_request(request.form, f)
                elif f.get("type") == "checkbox":
                    values[f["key"]] = bool(request.form.get(f"f.{f['key']}"))
                else:
                    values[f["key"]] = request.form.get(f"f.{f['key']}", "")
            holder = WizardForm(fields=values)
            if group_action(holder, spec, request.form.get("action") or ""):
                regrouped = holder.group_grown or ""
    if request.method == "POST" and regrouped is None:
        section_updates = {}
        carried = {key.split(".", 1)[0] for key in request.form if "." in key}
        if "company" in parts and "company" in carried:
            sections["company"] = {f["key"]: request.form.get(f"company.{f['key']}", "").strip()
                                   for f in COMPANY_FIELDS}
            section_updates["company"] = sections["company"]
        if "location" in parts and "location" in carried:
            sections["location"] = {f["key"]: request.form.get(f"location.{f['key']}", "").strip()
                                    for f in LOCATION_FIELDS if f["key"] != "coordinates"}
            sections["location"].update(lat=request.form.get("location.lat", "").strip(),
                                        lng=request.form.get("location.lng", "").strip())
            section_updates["location"] = _location_for_command(sections["location"])
        visible = required_documents(spec, values)
        files = collect_uploads(visible, errors) if "documents" in parts else {}
        if "documents" in parts:
            # the wizard's rule: a document required only when its condition holds (e.g. the old
            # SKHP for tera ulang) is asked for when a change of the fields makes it apply
            kept = {f.doc_key for f in application.files if f.purpose == "requirement" and not f.superseded}
            for doc in missing_documents(spec, values, set(files) | kept | set(errors)):
                errors[doc["key"]] = _("Dokumen wajib diunggah.")
        if spec.get("declaration") and not request.form.get("declaration"):
            errors["declaration"] = _("Pernyataan wajib disetujui.")
        if not errors:
            updates = {f["key"]: values.get(f["key"]) for f in spec.get("fields", [])
                       if values.get(f["key"]) != (application.data or {}).get(f["key"])}
            try:
                ApplicationTransitionCommand(app_id, current_user, action, files=files,
                                             updates=updates or None,
                                             section_updates=section_updates or None).run()
            except SatuPintuError as error:
                db.session.rollback()
                errors, general = _problem_list(error)
                if general:
                    errors["_form"] = general
                if "location.coordinates" in errors:
                    errors.setdefault("location.lat", errors["location.coordinates"])
            else:
                flash(_("Perbaikan permohonan telah dikirim."), "success")
                return redirect(url_for("portal_requests.detail", app_id=app_id))
        application = own_application(app_id)
    current = {f.doc_key: f for f in application.files if f.purpose == "requirement" and not f.superseded}
    applicable = {d["key"] for d in required_documents(spec, values)}
    documents = [{**plain_data(d), "label": text_of(d.get("label")), "types_text": types_text(d.get("types")),
                  "accept": accept_attr(d.get("types")), "max_mb": d.get("max_mb") or 20,
                  "library": my_library(d.get("types")), "current": current.get(d["key"]),
                  "applies": d["key"] in applicable}
                 for d in spec.get("documents") or []]
    _rules, _spec, wf = rules_of(application)
    notes = [e for e in customer_timeline(application, wf) if e["note"] and not e["by_customer"]]
    return render_template("portal/requests/revise.html", app=application, spec=spec, option=option,
                           values=values, errors=errors, documents=documents, parts=parts,
                           sections=sections, company_fields=COMPANY_FIELDS, location_fields=LOCATION_FIELDS,
                           tile_url=current_app.config.get("PORTAL_MAP_TILE_URL", ""),
                           declaration=text_of(spec.get("declaration")) if spec.get("declaration") else "",
                           note=notes[-1] if notes else None, deadlines=application.deadlines or {},
                           group_rows={f["key"]: group_display_rows(f, values.get(f["key"]), regrouped == f["key"])
                                       for f in spec.get("fields") or [] if f.get("type") == "group"}), \
        422 if errors else 200


@portal_requests.route("/permohonan/<int:app_id>/invoice")
@login_required_customer
def invoice(app_id: int):
    application = own_application(app_id)
    if not application.payments:
        abort(404)
    accounts = list(db.session.scalars(select(BankAccount).where(
        BankAccount.agency_id == application.agency_id, BankAccount.active.is_(True))))
    document = next((d for d in application.documents if d.kind == "invoice" and d.status == "ready"), None)
    return render_template("portal/requests/invoice.html", app=application, payment=application.payments[-1],
                           accounts=accounts, document=document)


@portal_requests.route("/permohonan/<int:app_id>/survei", methods=["GET", "POST"])
@login_required_customer
def survey(app_id: int):
    application = own_application(app_id)
    rules, spec, workflow = rules_of(application)
    if survey_done(application):
        flash(_("Terima kasih, survei untuk permohonan ini sudah Anda isi."), "info")
        return redirect(url_for("portal_requests.detail", app_id=app_id))
    if not survey_open(application, rules):
        flash(_("Survei belum dapat diisi untuk permohonan ini."), "warning")
        return redirect(url_for("portal_requests.detail", app_id=app_id))
    questionnaire = rules.survey(spec["survey"])
    answers, texts, respondent, errors = {}, {}, {}, {}
    if request.method == "POST":
        answers = {q["key"]: request.form.get(f"q.{q['key']}") for q in questionnaire["questions"]}
        texts = {t["key"]: request.form.get(f"t.{t['key']}", "") for t in questionnaire.get("free_text", [])}
        respondent = {k: (request.form.get(f"r.{k}") or "")[:64] for k in ("gender", "age", "education", "occupation")}
        try:
            SubmitSurveyCommand(app_id, current_user, answers, free_text=texts, respondent=respondent).run()
        except ValidationError as error:
            errors = dict(error.details.get("field_errors") or {})
        except SatuPintuError as error:
            flash(error.text, "warning")
            return redirect(url_for("portal_requests.detail", app_id=app_id))
        else:
            flash(_("Terima kasih atas penilaian Anda."), "success")
            return redirect(url_for("portal_requests.detail", app_id=app_id))
    return render_template("portal/requests/survey.html", app=application, survey=questionnaire,
                           answers=answers, texts=texts, respondent=respondent, errors=errors,
                           text_of=text_of), 422 if errors else 200


@portal_requests.route("/permohonan/<int:app_id>/pesan", methods=["POST"])
@login_required_customer
def message(app_id: int):
    application = own_application(app_id)
    body = (request.form.get("pesan") or "").strip()[:4000]
    storage = request.files.get("lampiran")
    incoming = IncomingFile.from_storage(storage) if storage is not None and storage.filename else None
    errors = {}
    if not body and incoming is None:
        errors["pesan"] = _("Tulis pesan atau lampirkan berkas.")
    if incoming is not None:
        problem = check_file(incoming, ATTACHMENT_TYPES, ATTACHMENT_MAX_MB)
        if problem:
            errors["lampiran"] = problem
    if errors:
        return render_detail(application, action_errors=errors, failed_action="_message", status=422)
    store = FileStore.current()
    try:
        attachment_id = None
        if incoming is not None:
            stored = store_file(store, incoming, owner_id=current_user.id)
            db.session.add(stored)
            db.session.flush()
            attachment_id = stored.id
        db.session.add(Message(application_id=application.id, sender_id=current_user.id, body=body,
                               attachment_file_id=attachment_id))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.discard_created()
        raise
    flash(_("Pesan terkirim."), "success")
    return redirect(url_for("portal_requests.detail", app_id=app_id) + "#pesan")


@portal_requests.route("/permohonan/<int:app_id>/pesan/<int:message_id>/lampiran")
@login_required_customer
def message_attachment(app_id: int, message_id: int):
    application = own_application(app_id)
    item = db.session.get(Message, message_id)
    if item is None or item.application_id != application.id or not item.attachment_file_id:
        abort(404)
    from app.portal.apply import _send_stored
    return _send_stored(db.session.get(StoredFile, item.attachment_file_id))


@portal_requests.route("/permohonan/<int:app_id>/berkas/<int:file_id>")
@login_required_customer
def own_file(app_id: int, file_id: int):
    """The customer's own uploaded requirement or proof (results go through /files/ with the gate)."""
    application = own_application(app_id)
    item = db.session.get(ApplicationFile, file_id)
    if item is None or item.application_id != application.id or item.purpose == "result":
        abort(404)
    from app.storage.downloads import send_stored_file
    from app.storage.pdp import record_access

    record_access(item, current_user, "download")
    return send_stored_file(item.file)
