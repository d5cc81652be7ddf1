"""Administrators' screens: failed / dead outbox rows with a retry action, and document template
versions (upload a new HTML template, accepted only after a sample render succeeds)."""
from __future__ import annotations

import hashlib

from flask import flash, redirect, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext, lazy_gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select, update
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.documents.render import RenderError
from app.documents.samples import validate_template
from app.extensions import db
from app.outbox.worker import retry
from app.commands.rules.state import rules_state
from models import DocumentTemplateVersion, OutboxMessage


from views.admin import AgencyTimeInterface, _when  # noqa: E402  (one formatter for every screen)


class UndeliveredFilter(BaseFilter):
    """Only the rows that need an administrator: ``failed`` (will be retried) and ``dead``."""

    name = "undelivered"
    arg_name = "undelivered"

    def apply(self, query, value):
        return query.where(OutboxMessage.status.in_(("failed", "dead")))


class FailedOutboxView(ModelView):
    datamodel = AgencyTimeInterface(OutboxMessage)
    class_permission_name = "FailedOutboxView"
    base_permissions = ["can_list", "can_show"]
    base_filters = [["id", UndeliveredFilter, lambda: None]]
    base_order = ("id", "desc")
    list_title = _("Pengiriman Gagal")
    show_title = _("Detail Pengiriman")
    list_columns = ["id", "created_at", "kind", "channel", "template", "recipient_address", "status",
                    "attempts", "next_attempt_at", "last_error"]
    show_columns = ["id", "created_at", "kind", "channel", "application_id", "template", "recipient_address",
                    "status", "attempts", "next_attempt_at", "claimed_at", "sent_at", "last_error", "payload"]
    search_columns = ["status", "channel", "kind", "template", "recipient_address"]
    formatters_columns = {"created_at": _when, "next_attempt_at": _when, "claimed_at": _when, "sent_at": _when}
    label_columns = {"kind": _("Jenis"), "channel": _("Kanal"), "template": _("Templat"),
                     "recipient_address": _("Penerima"), "status": _("Status"), "attempts": _("Percobaan"),
                     "last_error": _("Galat terakhir"), "payload": _("Isi"), "sent_at": _("Terkirim"),
                     "next_attempt_at": _("Percobaan berikutnya"), "application_id": _("Permohonan"),
                     "created_at": _("Dibuat"), "claimed_at": _("Sedang diproses sejak")}

    @action("retry", _("Kirim ulang"), _("Kirim ulang pesan yang dipilih?"), "fa-refresh")
    def retry_action(self, items):
        rows = items if isinstance(items, list) else [items]
        count = retry([row.id for row in rows if row is not None])
        flash(gettext("%(count)s pesan dimasukkan kembali ke antrean.", count=count), "success")
        return redirect(url_for("FailedOutboxView.list"))


class TemplateUploadForm(FlaskForm):
    doc_key = SelectField(_("Dokumen"), validators=[DataRequired()])
    file = FileField(_("Templat HTML"), validators=[FileRequired()])
    note = StringField(_("Catatan"), validators=[Length(max=255)])
    activate = BooleanField(_("Langsung aktifkan"), default=True)


class ActivationForm(FlaskForm):
    """Only the CSRF token: activation buttons post it."""


class DocumentTemplateView(BaseView):
    """Upload a new version of a generated document's template (validated by rendering a sample),
    activate one version or go back to the file named in the rules."""

    route_base = "/dokumen-templat"
    default_view = "index"
    class_permission_name = "DocumentTemplateView"
    base_permissions = ["can_list", "can_upload", "can_activate"]
    method_permission_name = {"index": "list", "upload": "upload", "activate": "activate",
                              "use_file": "activate"}

    def _documents(self) -> dict:
        return rules_state().file_rules.data.get("documents", {})

    def _form(self) -> TemplateUploadForm:
        form = TemplateUploadForm()
        form.doc_key.choices = [(key, f"{key} — {spec.get('label')}") for key, spec in self._documents().items()]
        return form

    def _page(self, form, status: int = 200):
        versions = db.session.scalars(select(DocumentTemplateVersion)
                                      .order_by(DocumentTemplateVersion.id.desc()).limit(200)).all()
        return self.render_template("documents/admin_templates.html", form=form, versions=versions,
                                    documents=self._documents(), action_form=ActivationForm(),
                                    when=_when), status

    @expose("/", methods=["GET"])
    @has_access
    def index(self):
        return self._page(self._form())

    @expose("/unggah", methods=["POST"])
    @has_access
    def upload(self):
        form = self._form()
        if not form.validate_on_submit():
            return self._page(form, 400)
        raw = form.file.data.read(2 * 1024 * 1024 + 1)
        try:
            if len(raw) > 2 * 1024 * 1024:
                raise RenderError(gettext("templat lebih dari 2 MB"))
            source = raw.decode("utf-8")
            validate_template(form.doc_key.data, source)
        except (UnicodeDecodeError, RenderError) as error:
            message = gettext("berkas bukan teks UTF-8") if isinstance(error, UnicodeDecodeError) else str(error)
            flash(gettext("Templat ditolak: %(reason)s", reason=message), "danger")
            return self._page(form, 422)
        version = DocumentTemplateVersion(doc_key=form.doc_key.data, content=source,
                                          sha256=hashlib.sha256(raw).hexdigest(), note=form.note.data or "",
                                          uploaded_by_id=getattr(_current_user(), "id", None))
        db.session.add(version)
        db.session.flush()
        if form.activate.data:
            _activate(version)
        db.session.commit()
        flash(gettext("Templat versi %(id)s diterima (contoh berhasil dibuat).", id=version.id), "success")
        return redirect(url_for("DocumentTemplateView.index"))

    @expose("/<int:version_id>/aktifkan", methods=["POST"])
    @has_access
    def activate(self, version_id: int):
        if not ActivationForm().validate_on_submit():
            return redirect(url_for("DocumentTemplateView.index"))
        version = db.session.get(DocumentTemplateVersion, version_id)
        if version is not None:
            _activate(version)
            db.session.commit()
            flash(gettext("Templat versi %(id)s diaktifkan.", id=version.id), "success")
        return redirect(url_for("DocumentTemplateView.index"))

    @expose("/<doc_key>/pakai-berkas", methods=["POST"])
    @has_access
    def use_file(self, doc_key: str):
        if ActivationForm().validate_on_submit():
            db.session.execute(update(DocumentTemplateVersion).where(DocumentTemplateVersion.doc_key == doc_key)
                               .values(active=False))
            db.session.commit()
            flash(gettext("Dokumen %(key)s kembali memakai templat dari berkas aturan.", key=doc_key), "success")
        return redirect(url_for("DocumentTemplateView.index"))


def _activate(version: DocumentTemplateVersion) -> None:
    db.session.execute(update(DocumentTemplateVersion).where(
        DocumentTemplateVersion.doc_key == version.doc_key, DocumentTemplateVersion.id != version.id)
        .values(active=False))
    version.active = True


def _current_user():
    from flask_login import current_user

    return current_user if getattr(current_user, "is_authenticated", False) else None


def register_outbox_admin(appbuilder) -> None:
    appbuilder.add_view(FailedOutboxView, "Failed Deliveries", label=_("Pengiriman Gagal"),
                        icon="fa-exclamation-triangle", category="Konfigurasi", category_label=_("Konfigurasi"))
    appbuilder.add_view(DocumentTemplateView, "Document Templates", label=_("Templat Dokumen"),
                        icon="fa-file-pdf-o", category="Konfigurasi", category_label=_("Konfigurasi"))
