"""Login limits shared by the three logins (back-office ``/login/``, JWT ``POST /api/v1/security/login``,
portal ``/portal/masuk``).

Failed attempts count per *account* (the submitted username, normalised), so guessing one account's
password is stopped from any number of addresses; every attempt counts per *address* with a much higher
ceiling, so the 30 officers of a PTSP behind one public IP can all log in at eight o'clock. Both counters
live in ``RATELIMIT_STORAGE_URI`` (Redis in production, shared by every worker).
"""
from __future__ import annotations

from typing import Callable

from flask import Flask, current_app, g, request

_FAILED = "satupintu_login_failed"
ACCOUNT_SCOPE = "login-account"
ADDRESS_SCOPE = "login-address"


def note_failed_login() -> None:
    """Called where a login's password check fails: only such requests count against the account."""
    g.setdefault(_FAILED, True)


def submitted_username() -> str:
    """The account a login request names — form ``username`` (back office), ``identifier`` (portal) or
    the JSON body's ``username`` (API) — stripped and lowercased; "" when there is none."""
    value = None
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get("username") if isinstance(body, dict) else None
    else:
        value = request.form.get("username") or request.form.get("identifier")
    return value.strip().lower()[:255] if isinstance(value, str) else ""


def _account_key() -> str:
    return f"account:{submitted_username()}"


def _login_failed(_response) -> bool:
    return bool(g.get(_FAILED))


def _no_account() -> bool:
    return not submitted_username()


def login_limits(app: Flask) -> list[Callable]:
    """The two Flask-Limiter decorators every login view (or blueprint) gets, POST only."""
    limiter = app.appbuilder.sm.limiter
    per_address = limiter.shared_limit(
        lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], scope=ADDRESS_SCOPE, methods=["POST"])
    # deduct_when: the limit is tested before the view and only a failed attempt is deducted after it
    per_account = limiter.shared_limit(
        lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], scope=ACCOUNT_SCOPE, key_func=_account_key,
        methods=["POST"], deduct_when=_login_failed, exempt_when=_no_account)
    return [per_address, per_account]
