"""Back office: activate customer accounts of agencies whose rules say ``account_activation: admin``.

Lists customers who verified their email but are still inactive; "Aktifkan" activates one and
emails them (an outbox row in the same commit).
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from app.extensions import appbuilder, db
from app.portal import tokens
from app.security.roles import CUSTOMER_ROLE
from models.activity import OutboxMessage
from models.people import AccountToken, CustomerProfile


def _waiting_rows() -> list[dict]:
    sm = appbuilder.sm
    User, Role = sm.user_model, sm.role_model
    rows = db.session.execute(
        select(User, CustomerProfile).join(CustomerProfile, CustomerProfile.user_id == User.id)
        .where(User.active.is_(False), User.roles.any(Role.name == CUSTOMER_ROLE))
        .order_by(CustomerProfile.created_at.desc()).limit(500)).all()
    agencies = (current_app.extensions["satupintu.rules"].file_rules.data.get("agencies") or {})
    waiting = {t.user_id: t.purpose.split(":", 1)[1] for t in db.session.scalars(select(AccountToken).where(
        AccountToken.purpose.like(tokens.AWAIT_ACTIVATION + ":%"), AccountToken.used_at.is_(None)))}
    result = []
    for user, profile in rows:
        agency_key = waiting.get(user.id, "")
        agency = next((a for k, a in agencies.items() if agency_key and k.startswith(agency_key)), None)
        result.append({"user": user, "profile": profile,
                       "agency": (agency or {}).get("short_name") or (agency or {}).get("name") or "-"})
    return result


class CustomerActivationView(BaseView):
    route_base = "/aktivasi-pelanggan"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        return self.render_template("portal/account/admin_activation.html", rows=_waiting_rows(),
                                    title=_l("Aktivasi Akun Pelanggan"))

    @expose("/<int:user_id>/aktifkan", methods=["POST"])
    @has_access
    def activate(self, user_id: int):
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            try:
                validate_csrf(request.form.get("csrf_token"))
            except (ValidationError, CSRFError):
                abort(400)
        sm = appbuilder.sm
        user = db.session.get(sm.user_model, user_id)
        profile = db.session.scalar(select(CustomerProfile).where(CustomerProfile.user_id == user_id))
        if user is None or profile is None or not any(r.name == CUSTOMER_ROLE for r in user.roles):
            abort(404)
        if profile.email_verified_at is None:
            flash(_("Email pelanggan ini belum diverifikasi; akun belum dapat diaktifkan."), "warning")
            return redirect(url_for("CustomerActivationView.list"))
        user.active = True
        for token in db.session.scalars(select(AccountToken).where(
                AccountToken.user_id == user.id, AccountToken.purpose.like(tokens.AWAIT_ACTIVATION + ":%"),
                AccountToken.used_at.is_(None))):
            token.used_at = tokens.utcnow()
        login_url = current_app.config.get("PORTAL_BASE_URL", "").rstrip("/") + url_for("portal.login")
        db.session.add(OutboxMessage(
            kind="notification", channel="email", recipient_id=user.id, recipient_address=user.email,
            template="account_activated",
            payload={"subject": _("Akun Anda sudah aktif"),
                     "body": _("Yth. %(name)s,\n\nAkun Anda di portal layanan sudah diaktifkan oleh admin. "
                               "Silakan masuk di %(link)s dengan NIK, email atau nama pengguna dan kata sandi Anda.",
                               name=profile.full_name, link=login_url)}))
        db.session.commit()
        flash(_("Akun %(name)s sudah diaktifkan dan pemberitahuan dikirim ke %(email)s.",
                name=profile.full_name, email=user.email), "success")
        return redirect(url_for("CustomerActivationView.list"))
