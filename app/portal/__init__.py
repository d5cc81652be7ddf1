"""The customer portal: its own blueprint and templates (templates/portal/).

Every POST to the portal carries a CSRF token (``csrf_token()`` in templates, or the
``X-CSRFToken`` header for fetch calls); ``protect_portal_posts`` (``blueprint.py``) refuses the rest.
``init_portal`` and ``init_portal_followup`` register the blueprints (called from views.register).
"""
from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import generate_csrf

from app.portal.blueprint import portal


def init_portal(app: Flask) -> None:
    """Register the portal blueprint and its routes (called from views.register)."""
    from app.portal import account, captcha, catalogue, regions  # noqa: F401  (routes attach to ``portal``)

    if "portal" not in app.blueprints:
        app.jinja_env.globals.setdefault("csrf_token", generate_csrf)  # also inside imported macros
        app.register_blueprint(portal)
        from app.portal.account import register_rate_limits
        register_rate_limits(app)


def init_portal_followup(app: Flask) -> None:
    """Register the follow-up half of the portal: applying, requests, support, public tracking."""
    from app.portal.apply import portal_apply
    from app.portal.providers import portal_providers
    from app.portal.public import init_public
    from app.portal.requests import portal_requests
    from app.portal.support import portal_support

    for blueprint in (portal_apply, portal_requests, portal_support, portal_providers):
        if blueprint.name not in app.blueprints:
            app.register_blueprint(blueprint)
    init_public(app)
