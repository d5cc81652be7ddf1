"""The customer portal: its own blueprint and templates (templates/portal/).

Every POST to the portal carries a CSRF token (``csrf_token()`` in templates, or the
``X-CSRFToken`` header for fetch calls); ``protect_portal_posts`` refuses the rest.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, current_app
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


def init_portal(app: Flask) -> None:
    """Register the portal blueprint and its routes (called from views.register)."""
    from app.portal import account, captcha, catalogue, regions  # noqa: F401  (routes attach to ``portal``)

    if "portal" not in app.blueprints:
        app.jinja_env.globals.setdefault("csrf_token", generate_csrf)  # also inside imported macros
        app.register_blueprint(portal)
        from app.portal.account import register_rate_limits
        register_rate_limits(app)
