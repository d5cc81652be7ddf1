"""The staff member's own profile page (Flask-AppBuilder's ``/users/userinfo/``) with its section
"Tanda tangan elektronik": a signatory linked to this account enrols (a passphrase of their own; the
key is made on the server and the agency CA issues the certificate), or imports a PKCS#12 file
(BSrE), changes the passphrase, or revokes the key (app/documents/signing.py).

The forms post to ``/users/userinfo/tanda-tangan/…`` under the permission of the profile page itself
(``can_userinfo``): whoever may see their own profile may manage their own key, and only the key of
a signatory linked to their account.
"""
from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import PasswordField, validators

from app.extensions import db
from app.core.formatting import format_datetime
from app.documents.signing import (MAX_PKCS12_BYTES, SigningError, certificates_of,
                         change_passphrase, check_new_passphrase, current_certificate, enrol, fingerprint_text,
                         import_pkcs12, last_revocation, load_certificate, readable_name, revoke)
from app.security.passwords import PASSPHRASE_MIN_LENGTH
from models import Signatory

REQUIRED = _l("Wajib diisi.")
PASSPHRASE_HELP = _l("Minimal %(count)d karakter, bukan nama pengguna atau nama Anda, dan bukan kata yang umum. "
                     "Passphrase tidak disimpan: bila lupa, kunci harus dicabut dan didaftarkan ulang.",
                     count=PASSPHRASE_MIN_LENGTH)


class EnrolForm(FlaskForm):
    passphrase = PasswordField(_l("Passphrase baru"), description=PASSPHRASE_HELP,
                               validators=[validators.InputRequired(REQUIRED)])
    confirmation = PasswordField(_l("Ulangi passphrase"), validators=[validators.InputRequired(REQUIRED)])


class PassphraseForm(FlaskForm):
    old_passphrase = PasswordField(_l("Passphrase lama"), validators=[validators.InputRequired(REQUIRED)])
    passphrase = PasswordField(_l("Passphrase baru"), description=PASSPHRASE_HELP,
                               validators=[validators.InputRequired(REQUIRED)])
    confirmation = PasswordField(_l("Ulangi passphrase baru"), validators=[validators.InputRequired(REQUIRED)])


class ImportForm(FlaskForm):
    file = FileField(_l("Berkas sertifikat (.p12 / .pfx)"),
                     description=_l("Misalnya sertifikat elektronik dari BSrE, berisi kunci privat dan sertifikat."),
                     validators=[FileRequired(REQUIRED)])
    password = PasswordField(_l("Kata sandi berkas"))
    passphrase = PasswordField(_l("Passphrase baru"), description=PASSPHRASE_HELP,
                               validators=[validators.InputRequired(REQUIRED)])
    confirmation = PasswordField(_l("Ulangi passphrase"), validators=[validators.InputRequired(REQUIRED)])


class RevokeForm(FlaskForm):
    pass


def own_signatories(user) -> list[Signatory]:
    """The signatories linked to ``user`` (usually one)."""
    if user is None or not getattr(user, "id", None):
        return []
    return list(db.session.scalars(select(Signatory).where(Signatory.user_id == user.id).order_by(Signatory.id)))


def signing_panel(signatory: Signatory) -> dict:
    """What the section shows: the current certificate, and the history (times in the agency zone)."""
    agency = signatory.agency
    current = current_certificate(signatory)
    certificate = load_certificate(signatory.certificate_pem) if signatory.certificate_pem else None
    revoked = last_revocation(signatory)
    return {
        "signatory": signatory,
        "enrolled": bool(signatory.encrypted_key_pem),
        "subject": readable_name(certificate.subject) if certificate else "",
        "issuer": readable_name(certificate.issuer) if certificate else "",
        "fingerprint": fingerprint_text(current.fingerprint) if current else "",
        "source": current.source if current else "",
        "issued_at": format_datetime(current.issued_at, agency) if current else "",
        "not_after": format_datetime(certificate.not_valid_after_utc, agency) if certificate else "",
        "revoked_at": format_datetime(revoked.revoked_at, agency) if revoked else "",
        "history": [{"fingerprint": fingerprint_text(row.fingerprint), "source": row.source,
                     "issued_at": format_datetime(row.issued_at, agency),
                     "revoked_at": format_datetime(row.revoked_at, agency) if row.revoked_at else ""}
                    for row in certificates_of(signatory)],
    }


def _yes_no(value) -> str:
    return _("Ya") if value else _("Tidak")


def _roles_as_read(roles) -> str:
    """Roles by the labels the rules give them (the signed-in staff member's agency first; a key
    the rules do not declare, such as Admin, as it is) instead of Flask-AppBuilder's ``[kepala_brida]``."""
    from app.commands.rules.state import rules_state
    from app.security.access import staff_profile
    from app.security.roles import AGENCY_ADMIN_LABEL, AGENCY_ADMIN_ROLE
    from app.workflow.fields import label_text
    from models import Agency, RulesVersion

    active = db.session.scalar(select(RulesVersion).where(RulesVersion.active.is_(True)))
    rules = rules_state().rules_for(active.id) if active is not None else rules_state().file_rules
    profile = staff_profile(getattr(g, "user", None))
    agency_key = db.session.scalar(select(Agency.key).where(Agency.id == profile.agency_id)) if profile else None
    return ", ".join(AGENCY_ADMIN_LABEL if role.name == AGENCY_ADMIN_ROLE else label_text(rules.role_label(role.name, agency_key))
                     for role in sorted(roles or [], key=lambda r: r.name))


class ProfileUserDBModelView(UserDBModelView):
    """Flask-AppBuilder's user view, whose own-profile page also holds the signing section."""

    formatters_columns = {"active": _yes_no, "roles": _roles_as_read}

    class_permission_name = "UserDBModelView"   # the permissions staff roles already hold
    # "Aktif", not Flask-AppBuilder's question "Is Active?" ("Aktif?") beside a "Ya"/"Tidak"
    label_columns = {**UserDBModelView.label_columns, "active": _l("Aktif")}
    method_permission_name = {"userinfo": "userinfo", "signing_enrol": "userinfo",
                              "signing_passphrase": "userinfo", "signing_import": "userinfo",
                              "signing_revoke": "userinfo"}

    @expose("/userinfo/")
    @has_access
    def userinfo(self):
        return self.render_profile()

    def render_profile(self, forms: dict | None = None, signatory_id: int | None = None, status: int = 200):
        actions = {"resetmypassword": self.actions.get("resetmypassword"),
                   "userinfoedit": self.actions.get("userinfoedit")}
        item = self.datamodel.get(g.user.id, self._base_filters)
        widgets = self._get_show_widget(g.user.id, item, actions=actions, show_fieldsets=self.user_show_fieldsets)
        self.update_redirect()
        panels = []
        for signatory in own_signatories(g.user):
            mine = forms if forms is not None and signatory.id == signatory_id else {}
            panels.append({**signing_panel(signatory),
                           "enrol_form": mine.get("enrol") or EnrolForm(prefix=f"enrol{signatory.id}"),
                           "passphrase_form": mine.get("passphrase") or PassphraseForm(prefix=f"pass{signatory.id}"),
                           "import_form": mine.get("import") or ImportForm(prefix=f"p12{signatory.id}"),
                           "revoke_form": RevokeForm(prefix=f"revoke{signatory.id}")})
        return self.render_template("backoffice/profile.html", title=self.user_info_title, widgets=widgets,
                                    appbuilder=self.appbuilder, signing_panels=panels), status

    # --- the section's forms ----------------------------------------------------------------
    def _own(self, signatory_id: int) -> Signatory:
        # locked (PostgreSQL) until the commit: two enrolments of one signatory cannot interleave
        signatory = db.session.get(Signatory, signatory_id, with_for_update=True)
        if signatory is None or signatory.user_id != g.user.id:
            abort(404)
        return signatory

    def _apply(self, signatory: Signatory, forms: dict, form, action, done: str):
        """Validate ``form``, run ``action`` (which may raise SigningError), commit, or show the
        profile again with the messages on their fields (422)."""
        if form.validate_on_submit():
            try:
                action()
            except SigningError as error:
                db.session.rollback()
                target = getattr(form, error.field, None) if error.field else None
                if target is not None:
                    target.errors = list(target.errors) + [error.message]
                else:
                    flash(error.message, "danger")
            else:
                db.session.commit()
                flash(done, "success")
                return redirect(url_for(f"{self.endpoint}.userinfo") + "#tanda-tangan")
        elif form.errors.get("csrf_token"):
            flash(_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."), "danger")
        return self.render_profile(forms, signatory.id, status=422)

    @expose("/userinfo/tanda-tangan/<int:signatory_id>/daftar", methods=["POST"])
    @has_access
    def signing_enrol(self, signatory_id: int):
        signatory = self._own(signatory_id)
        form = EnrolForm(prefix=f"enrol{signatory.id}")

        def action():
            check_new_passphrase(signatory, form.passphrase.data or "", form.confirmation.data or "")
            enrol(signatory, form.passphrase.data, actor=g.user)
        return self._apply(signatory, {"enrol": form}, form, action,
                           _("Kunci tanda tangan elektronik dibuat; sertifikat diterbitkan oleh CA instansi."))

    @expose("/userinfo/tanda-tangan/<int:signatory_id>/passphrase", methods=["POST"])
    @has_access
    def signing_passphrase(self, signatory_id: int):
        signatory = self._own(signatory_id)
        form = PassphraseForm(prefix=f"pass{signatory.id}")

        def action():
            check_new_passphrase(signatory, form.passphrase.data or "", form.confirmation.data or "")
            change_passphrase(signatory, form.old_passphrase.data or "", form.passphrase.data, actor=g.user)
        return self._apply(signatory, {"passphrase": form}, form, action, _("Passphrase tanda tangan diganti."))

    @expose("/userinfo/tanda-tangan/<int:signatory_id>/impor", methods=["POST"])
    @has_access
    def signing_import(self, signatory_id: int):
        signatory = self._own(signatory_id)
        form = ImportForm(prefix=f"p12{signatory.id}")

        def action():
            check_new_passphrase(signatory, form.passphrase.data or "", form.confirmation.data or "")
            data = form.file.data.read(MAX_PKCS12_BYTES + 1)
            import_pkcs12(signatory, data, form.password.data or "", form.passphrase.data, actor=g.user)
        return self._apply(signatory, {"import": form}, form, action,
                           _("Sertifikat dari berkas PKCS#12 dipasang sebagai kunci tanda tangan Anda."))

    @expose("/userinfo/tanda-tangan/<int:signatory_id>/cabut", methods=["POST"])
    @has_access
    def signing_revoke(self, signatory_id: int):
        signatory = self._own(signatory_id)
        form = RevokeForm(prefix=f"revoke{signatory.id}")
        return self._apply(signatory, {}, form, lambda: revoke(signatory, actor=g.user),
                           _("Kunci tanda tangan dicabut. Dokumen yang sudah ditandatangani tetap sah."))
