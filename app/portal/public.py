"""Public tracking at /lacak without login: by a receipt whose numbering has a random part
(Kaltim's ``6F632D``), or by e-mail plus receipt or application number wherever numbers run in
sequence (``PTSP-202611-00001``, MELASTI's ``48/L.Data/29/VII/24``). An unknown number and a
known one without its second factor get the same answer. Status and timeline only, names
masked, rate-limited per address."""
from __future__ import annotations

import re

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.extensions import db
from models import Application, User

public = Blueprint("public", __name__)
DEFAULT_LIMIT = "20 per minute"


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


def receipt_is_guessable(application: Application) -> bool:
    """True unless the service's receipt numbering has a random part (Kaltim's ``{hex6}``):
    ``PTSP-202611-00001`` is followed by ``…00002``, so such a receipt alone proves nothing."""
    from app.portal.requests import rules_of
    from app.workflow.numbering import has_random_part

    data, spec, _workflow = rules_of(application)
    numbering = (data.get("numbering") or {}).get(spec.get("receipt_numbering") or "")
    return not (numbering and has_random_part(numbering.get("pattern", "")))


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
    context = {"number": number, "email": email, "application": None, "error": "", "limited": False}
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
        from app.notify import display_name
        from app.portal.requests import customer_timeline, rules_of, status_tone
        _data, _spec, workflow = rules_of(application)
        icon, tone, words = status_tone(application.state_kind)
        context.update(application=application, applicant=mask_name(display_name(application.customer)),
                       timeline=customer_timeline(application, workflow, public=True),
                       state_label=application.state_label, icon=icon, tone=tone, words=words)
    return render_template("portal/public/track.html", **context)


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
