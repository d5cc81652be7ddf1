"""The portal's blueprint, with its CSRF check for every state-changing request and its template
globals. The route modules attach to it here, not through the package (``app.portal``), which
imports them to register them."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "portal"

portal = Blueprint("portal", __name__, url_prefix="/portal", template_folder=str(TEMPLATES))


@portal.before_request
def protect_portal_posts() -> None:
    """CSRF for every state-changing portal request, FlaskForm or not (400 without a valid token)."""
    from flask import request
    from wtforms import ValidationError

    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        token = (request.form.get("csrf_token") or request.headers.get("X-CSRFToken")
                 or request.headers.get("X-CSRF-Token"))
        try:
            validate_csrf(token)
        except ValidationError as error:
            raise CSRFError(error.args[0]) from None


@portal.app_context_processor
def portal_globals() -> dict:
    """``csrf_token()`` in every template, plus the languages for the switch."""
    return {"csrf_token": generate_csrf,
            "portal_languages": current_app.config.get("LANGUAGES", {})}
