"""Public tracking at /lacak without login: by a receipt whose numbering has a random part
(Kaltim's ``6F632D``), or by e-mail plus receipt or application number wherever numbers run in
sequence (``PTSP-202611-00001``, MELASTI's ``48/L.Data/29/VII/24``). An unknown number and a
known one without its second factor get the same answer. Status and timeline only, names
masked, rate-limited per address.

By e-mail alone (MELASTI's "Email Pengguna"): the list of that address's applications is sent
*to that address* (an outbox row), never shown; the page answers the same whether or not the
address is known, and each address receives at most a few such mails an hour."""
from __future__ import annotations

import re

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.extensions import db
from app.portal.timeline import customer_timeline, receipt_is_guessable, rules_of, status_tone, timeline_ahead
from models import Application, OutboxMessage, User

public = Blueprint("public", __name__)
DEFAULT_LIMIT = "20 per minute"
DEFAULT_EMAIL_LIMIT = "3 per hour"     # list mails one address may receive (PUBLIC_TRACKING_EMAIL_RATE_LIMIT)
EMAIL_LIST_MAX = 50


@public.before_request
def _csrf():
    from app.portal.blueprint import protect_portal_posts
    return protect_portal_posts()


def mask_name(name: str) -> str:
    """"Budi Santoso" → "Bu** Sa*****": enough to recognise one's own, not to learn someone's."""
    parts = []
    for word in (name or "").split():
        keep = 2 if len(word) > 3 else 1
        parts.append(word[:keep] + "*" * max(1, len(word) - keep))
    return " ".join(parts) or "-"


def _limiter(app: Flask):
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    state = app.extensions.get("satupintu.public_limiter")
    if state is None:
        storage = storage_from_string(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
        state = {"limiter": MovingWindowRateLimiter(storage), "parse": parse}
        app.extensions["satupintu.public_limiter"] = state
    return state


def rate_limited() -> bool:
    """True when this address has made too many lookups (PUBLIC_TRACKING_RATE_LIMIT; empty: off)."""
    setting = current_app.config.get("PUBLIC_TRACKING_RATE_LIMIT", DEFAULT_LIMIT)
    if not setting:
        return False
    state = _limiter(current_app)
    return not state["limiter"].hit(state["parse"](setting), "lacak", request.remote_addr or "-")


def mail_limited(email: str) -> bool:
    """True when ``email`` has already been sent its list often enough lately: nobody can flood an
    inbox through the form (PUBLIC_TRACKING_EMAIL_RATE_LIMIT; empty: off)."""
    setting = current_app.config.get("PUBLIC_TRACKING_EMAIL_RATE_LIMIT", DEFAULT_EMAIL_LIMIT)
    if not setting:
        return False
    state = _limiter(current_app)
    return not state["limiter"].hit(state["parse"](setting), "lacak-email", email.lower())


def find(number: str, email: str) -> Application | None:
    """The application for a receipt with a random part, or for a receipt or application number
    together with the applicant's email (the second factor wherever numbers can be guessed)."""
    number = number.strip()
    if not number or len(number) > 64:
        return None
    if email:
        stmt = (select(Application).join(User, User.id == Application.customer_id)
                .where(or_(Application.number == number, Application.receipt == number.upper(),
                           Application.receipt == number),
                       func.lower(User.email) == email.strip().lower()))
        return db.session.scalar(stmt.limit(1))
    stmt = select(Application).where(or_(Application.receipt == number.upper(),
                                         Application.receipt == number))
    application = db.session.scalar(stmt.limit(1))
    if application is None or receipt_is_guessable(application):
        return None   # the same answer as an unknown number: nothing to learn by counting
    return application


@public.route("/lacak")
def track():
    number = (request.args.get("nomor") or "").strip()
    email = (request.args.get("email") or "").strip()
    context = {"number": number, "email": email, "application": None, "error": "", "limited": False,
               "list_email": "", "list_error": "", "list_sent": request.args.get("dikirim") == "1"}
    if number:
        if rate_limited():
            context["limited"] = True
            context["error"] = _("Terlalu banyak pencarian dari alamat Anda. Coba lagi beberapa menit lagi.")
            return render_template("portal/public/track.html", **context), 429
        application = find(number, email)
        if application is None:
            context["error"] = _("Permohonan tidak ditemukan. Periksa kembali nomor resi, dan isi email "
                                 "pemohon bila resi Anda bernomor urut (mis. PTSP-202611-00001) atau "
                                 "bila Anda mencari dengan nomor permohonan.")
            return render_template("portal/public/track.html", **context), 404
        from app.outbox.notify import display_name
        _data, _spec, workflow = rules_of(application)
        icon, tone, words = status_tone(application.state_kind)
        context.update(application=application, applicant=mask_name(display_name(application.customer)),
                       timeline=customer_timeline(application, workflow, public=True),
                       ahead=timeline_ahead(application, workflow),
                       state_label=application.state_label, icon=icon, tone=tone, words=words)
    return render_template("portal/public/track.html", **context)


def _list_mail(user: User, applications: list[Application]) -> tuple[str, str]:
    """(subject, body) of the mail that lists ``applications`` to their applicant, in Indonesian
    like every notification, each time in its agency's zone."""
    from app.core.formatting import format_datetime
    from app.outbox.notify import display_name

    base = current_app.config.get("PORTAL_BASE_URL", "").rstrip("/")
    lines = []
    with force_locale("id"):
        for application in applications:
            number = application.receipt or application.number or "-"
            query = {"nomor": number} if not receipt_is_guessable(application) else {"nomor": number, "email": user.email}
            link = base + url_for("public.track", **query)
            submitted = format_datetime(application.submitted_at or application.created_at, application.timezone)
            lines.append(_("- Resi %(receipt)s%(number)s — %(service)s\n  Diajukan %(at)s · Status: %(state)s\n  %(link)s",
                           receipt=application.receipt or "-",
                           number=f" (No. {application.number})" if application.number and application.number != application.receipt else "",
                           service=application.service_type.name, at=submitted,
                           state=application.state_label, link=link))
        app_name = current_app.config.get("APP_NAME", "SatuPintu")
        subject = _("Daftar permohonan Anda di %(app)s", app=app_name)
        body = _("Yth. %(name)s,\n\nAda permintaan pelacakan permohonan dengan alamat email ini di %(app)s. "
                 "Berikut permohonan yang diajukan dengan email ini:\n\n%(lines)s\n\n"
                 "Jika Anda tidak memintanya, abaikan email ini; tidak ada yang berubah pada permohonan Anda.",
                 name=display_name(user), app=app_name, lines="\n\n".join(lines))
    return subject, body


def send_request_list(email: str) -> bool:
    """Queue the list of the applications of the account with ``email`` to that address.
    False when nothing is sent (unknown address, no applications, limited); the caller shows
    the same page either way."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()).limit(1))
    if user is None or not user.email:
        return False
    applications = list(db.session.scalars(
        select(Application).where(Application.customer_id == user.id)
        .order_by(Application.id.desc()).limit(EMAIL_LIST_MAX)))
    if not applications or mail_limited(user.email):
        return False
    subject, body = _list_mail(user, applications)
    db.session.add(OutboxMessage(kind="notification", channel="email", recipient_id=user.id,
                                 recipient_address=user.email, template="lacak_daftar_permohonan",
                                 payload={"subject": subject, "body": body}))
    db.session.commit()
    return True


@public.route("/lacak/email", methods=["POST"])
def track_by_email():
    """Email-only tracking: the list goes to the mailbox, the page says the same for any address."""
    from app.workflow.fields import FieldValueError, clean_email

    raw = (request.form.get("email") or "").strip()
    context = {"number": "", "email": "", "application": None, "error": "", "limited": False,
               "list_email": raw[:254], "list_error": ""}
    if rate_limited():
        context["limited"] = True
        context["list_error"] = _("Terlalu banyak pencarian dari alamat Anda. Coba lagi beberapa menit lagi.")
        return render_template("portal/public/track.html", **context), 429
    try:
        email = clean_email(raw)
    except FieldValueError:
        context["list_error"] = _("Alamat email tidak valid.")
        return render_template("portal/public/track.html", **context), 400
    send_request_list(email)
    return redirect(url_for("public.track", dikirim=1))


@public.route("/lacak/verifikasi")
def verify():
    """The verification form on the tracking page hands the code to the documents' /verify/<code>."""
    code = re.sub(r"[^A-Za-z0-9_-]", "", (request.args.get("kode") or "").strip())[:32]
    if not code:
        return redirect(url_for("public.track"))
    return redirect(f"/verify/{code}")


def init_public(app: Flask) -> None:
    if public.name not in app.blueprints:
        app.register_blueprint(public)
