"""Public verification of issued documents and access-checked downloads.

URLs (linked from the portal and the back office):
- ``GET  /verify/<code>`` — public, no login: type, number, agency, date, masked holder, whether
  the stored file and its signature are intact; ``POST`` (multipart ``file``) checks a copy.
- ``GET  /verify/`` — public: every agency's CA certificate with its SHA-256 fingerprint, to be
  trusted in pdfsig/Adobe; ``/verify/ca/<agency key>.pem`` (PEM) and ``.crt`` (DER) download it.
- ``GET  /unduh/dokumen/<document_id>`` — a generated document (PDF); 202 "sedang disiapkan"
  while it is rendered.
- ``GET  /unduh/berkas/<application_file_id>`` — a file attached to an application (attachment).
- ``GET  /pratinjau/berkas/<application_file_id>`` — the one inline preview: PDF, PNG, JPG and GIF
  only, under ``Content-Security-Policy: sandbox`` (the back office's preview iframe uses it).

Every file goes out through app/storage/downloads.py (attachment unless previewed, an RFC 6266 filename,
``nosniff``, ``no-store``). Opening a personal document is logged (app/storage/pdp.py).

Downloads need a session login or a JWT (``Authorization: Bearer``). Customers get only their
own applications' files, staff those within their scope (``app.security.access.can_see``); anything else
is a 404. Results (result files, licences, reports, cover letters) wait for the customer's
survey when the service's survey has ``gates_downloads: true``.
"""
from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import exists, select

from app.security.access import can_see
from app.documents.verify import find_document, verify_copy, verify_document
from app.core.errors import N_, translate
from app.storage.pdp import record_access
from app.extensions import db
from app.storage.downloads import PREVIEW_TYPES, send_stored_file
from app.commands.rules.state import rules_state
from app.documents.signing import agency_ca, agency_cas, fingerprint_text, load_certificate, readable_name
from models import Agency, Application, ApplicationFile, GeneratedDocument, SurveyResponse

blueprint = Blueprint("documents", __name__)
RESULT_KINDS = {"licence", "report", "cover_letter"}
MAX_COPY_BYTES = 25 * 1024 * 1024


class CopyForm(FlaskForm):
    file = FileField(validators=[FileRequired()])


# --- who is asking ------------------------------------------------------------------------
def current_user_or_none():
    """The signed-in user (session cookie or JWT bearer), or None."""
    from flask_login import current_user

    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user
    if request.headers.get("Authorization", "").startswith("Bearer "):
        from flask_jwt_extended import get_current_user, verify_jwt_in_request

        try:
            verify_jwt_in_request(optional=True)
            return get_current_user()
        except Exception:  # an invalid or expired token is "not signed in"
            return None
    return None


def _wants_json() -> bool:
    return request.headers.get("Authorization", "").startswith("Bearer ") or \
        request.accept_mimetypes.best == "application/json"


def _refuse(status: int, message: str):
    text = translate(message)
    if _wants_json():
        return jsonify({"error": {401: "unauthorized", 403: "forbidden", 404: "not_found", 415: "unsupported_media_type"}.get(status, "error"),
                        "message": text}), status
    return render_template("verify/message.html", title=text, message=text, status=status), status


def _visible_application(application_id: int, user) -> Application | None:
    application = db.session.get(Application, application_id)
    if application is None or not can_see(application, user):
        return None
    return application


def survey_gate_closed(application: Application, user) -> bool:
    """The customer has not answered a survey that gates the results' downloads."""
    if user.id != application.customer_id:
        return False
    rules = rules_state().rules_for(application.rules_version_id)
    survey = rules.survey_for(application.service_type.key) if rules.has_service(application.service_type.key) else None
    if not survey or not survey.get("gates_downloads"):
        return False
    return not db.session.scalar(select(exists().where(SurveyResponse.application_id == application.id)))


def _login_needed():
    if _wants_json():
        return _refuse(401, N_("Silakan masuk terlebih dahulu."))
    login = current_app.appbuilder.get_url_for_login if hasattr(current_app, "appbuilder") else "/login/"
    return redirect(f"{login}?next={request.path}")


# --- downloads ------------------------------------------------------------------------------
@blueprint.get("/unduh/dokumen/<int:document_id>")
def download_document(document_id: int):
    user = current_user_or_none()
    if user is None:
        return _login_needed()
    doc = db.session.get(GeneratedDocument, document_id)
    if doc is None or _visible_application(doc.application_id, user) is None:
        return _refuse(404, N_("Data tidak ditemukan."))
    if doc.kind in RESULT_KINDS and survey_gate_closed(doc.application, user):
        return _refuse(403, N_("Isi survei kepuasan terlebih dahulu untuk mengunduh hasil layanan."))
    if doc.status != "ready" or doc.file is None:
        failed = doc.status == "failed"
        message = N_("Dokumen belum dapat disiapkan; petugas sedang menanganinya.") if failed \
            else N_("Dokumen sedang disiapkan. Halaman ini akan dimuat ulang otomatis.")
        if _wants_json():
            return jsonify({"status": doc.status, "message": translate(message)}), 503 if failed else 202
        return render_template("verify/message.html", title=translate(N_("Dokumen sedang disiapkan")),
                               message=translate(message), status=202, refresh=not failed), \
            503 if failed else 202
    return send_stored_file(doc.file)


def _application_file(application_file_id: int, user):
    """The attached file if this user may open it; otherwise the refusal to send."""
    item = db.session.get(ApplicationFile, application_file_id)
    if item is None or _visible_application(item.application_id, user) is None:
        return None, _refuse(404, N_("Data tidak ditemukan."))
    if item.purpose == "result" and survey_gate_closed(item.application, user):
        return None, _refuse(403, N_("Isi survei kepuasan terlebih dahulu untuk mengunduh hasil layanan."))
    return item, None


def send_application_file(item: ApplicationFile, user, *, inline: bool = False):
    """Send an attached file (logging the opening of a personal document first)."""
    if inline and item.file.kind not in PREVIEW_TYPES:
        return _refuse(415, N_("Berkas jenis ini tidak dapat dipratinjau; silakan unduh."))
    record_access(item, user, "preview" if inline else "download")
    return send_stored_file(item.file, inline=inline)


@blueprint.get("/unduh/berkas/<int:application_file_id>")
def download_application_file(application_file_id: int):
    user = current_user_or_none()
    if user is None:
        return _login_needed()
    item, refusal = _application_file(application_file_id, user)
    return refusal if item is None else send_application_file(item, user)


@blueprint.get("/pratinjau/berkas/<int:application_file_id>")
def preview_application_file(application_file_id: int):
    """The one inline preview route (images and PDF), sandboxed by CSP."""
    user = current_user_or_none()
    if user is None:
        return _login_needed()
    item, refusal = _application_file(application_file_id, user)
    return refusal if item is None else send_application_file(item, user, inline=True)


# --- public verification -------------------------------------------------------------------
@blueprint.route("/verify/<code>", methods=["GET", "POST"])
def verify(code: str):
    doc = find_document(code)
    if doc is None:
        return render_template("verify/result.html", result=None, copy=None, form=None, code=code), 404
    form = CopyForm()
    copy = None
    if request.method == "POST":
        if form.validate_on_submit():
            data = form.file.data.read(MAX_COPY_BYTES + 1)
            if len(data) > MAX_COPY_BYTES:
                return render_template("verify/message.html", title=translate(N_("Berkas terlalu besar")),
                                       message=translate(N_("Berkas terlalu besar.")), status=413), 413
            copy = verify_copy(doc, data)
        else:
            return render_template("verify/result.html", result=verify_document(doc), copy=None, form=form,
                                   code=code, form_error=True), 400
    return render_template("verify/result.html", result=verify_document(doc), copy=copy, form=form, code=code)


@blueprint.route("/verify/")
def certificate_authorities():
    rows = [{"agency": agency, "key": agency.key, "fingerprint": fingerprint_text(ca.fingerprint),
             # as the signer's profile and /verify/<code> write it, not C=ID,OU=…,O=Badan\, …
             "subject": readable_name(load_certificate(ca.certificate_pem).subject),
             "not_after": load_certificate(ca.certificate_pem).not_valid_after_utc}
            for agency, ca in agency_cas()]
    return render_template("verify/cas.html", rows=rows)


@blueprint.route("/verify/ca/<agency_key>.<any(pem, crt):kind>")
def certificate_authority(agency_key: str, kind: str):
    agency = db.session.scalar(select(Agency).where(Agency.key == agency_key, Agency.active.is_(True)))
    if agency is None:
        return _refuse(404, N_("Instansi tidak dikenal."))
    ca = agency_ca(agency)
    db.session.commit()
    pem = bytes(ca.certificate_pem)
    body = pem if kind == "pem" else load_certificate(pem).public_bytes(serialization.Encoding.DER)
    response = current_app.response_class(
        body, mimetype="application/x-pem-file" if kind == "pem" else "application/pkix-cert")
    response.headers["Content-Disposition"] = f'attachment; filename="ca-{agency.key}.{kind}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_documents(app: Flask) -> None:
    """Register the verification page and the download URLs."""
    app.register_blueprint(blueprint)
