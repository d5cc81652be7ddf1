"""Single-use account secrets (AccountToken): email verification codes, reset PINs, portal sessions.

Only an HMAC of the secret is stored. A secret is consumed when used; a wrong guess counts an
attempt, and after ``MAX_ATTEMPTS`` the token is dead. Callers own the transaction (no commit here).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from models.base import utcnow
from models.people import AccountToken

VERIFY_EMAIL = "verify_email"
RESET_PASSWORD = "reset_password"
PORTAL_SESSION = "portal_session"
AWAIT_ACTIVATION = "await_activation"   # + ":" + agency key: waits for an administrator
MAX_ATTEMPTS = 5
LIFETIMES = {
    VERIFY_EMAIL: timedelta(hours=24),
    RESET_PASSWORD: timedelta(minutes=15),
    PORTAL_SESSION: timedelta(hours=12),
}


def _hash(user_id: int, purpose: str, secret: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{user_id}:{purpose}:{secret}".encode(), hashlib.sha256).hexdigest()


def issue(user_id: int, purpose: str, *, digits: int | None = 6) -> str:
    """A new secret for ``purpose`` (earlier unused ones of that user and purpose are revoked):
    ``digits`` numeric characters, or a long random string when ``digits`` is None."""
    revoke(user_id, purpose)
    secret = ("".join(secrets.choice("0123456789") for _ in range(digits)) if digits
              else secrets.token_urlsafe(32))
    lifetime = LIFETIMES.get(purpose.split(":")[0], timedelta(days=3650))
    db.session.add(AccountToken(user_id=user_id, purpose=purpose, code_hash=_hash(user_id, purpose, secret),
                                expires_at=utcnow() + lifetime, attempts=0))
    return secret


def revoke(user_id: int, purpose: str) -> None:
    db.session.execute(update(AccountToken).where(
        AccountToken.user_id == user_id, AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None)).values(used_at=utcnow()))


def live_token(user_id: int, purpose: str) -> AccountToken | None:
    return db.session.scalar(select(AccountToken).where(
        AccountToken.user_id == user_id, AccountToken.purpose == purpose,
        AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow(),
        AccountToken.attempts < MAX_ATTEMPTS).order_by(AccountToken.id.desc()).limit(1))


def consume(user_id: int, purpose: str, secret: str) -> bool:
    """True and the token used when ``secret`` is right; otherwise one more attempt is counted."""
    token = live_token(user_id, purpose)
    if token is None:
        return False
    if hmac.compare_digest(token.code_hash, _hash(user_id, purpose, (secret or "").strip())):
        token.used_at = utcnow()
        return True
    token.attempts += 1
    return False


def session_alive(user_id: int, secret: str) -> bool:
    token = db.session.scalar(select(AccountToken).where(
        AccountToken.user_id == user_id, AccountToken.purpose == PORTAL_SESSION,
        AccountToken.code_hash == _hash(user_id, PORTAL_SESSION, secret)))
    return token is not None and token.used_at is None and token.expires_at > utcnow()


def start_session(user_id: int) -> str:
    """A server-side record of one portal login (several devices may be logged in at once)."""
    secret = secrets.token_urlsafe(32)
    db.session.add(AccountToken(user_id=user_id, purpose=PORTAL_SESSION,
                                code_hash=_hash(user_id, PORTAL_SESSION, secret),
                                expires_at=utcnow() + LIFETIMES[PORTAL_SESSION]))
    return secret


def end_session(user_id: int, secret: str) -> None:
    db.session.execute(update(AccountToken).where(
        AccountToken.user_id == user_id, AccountToken.purpose == PORTAL_SESSION,
        AccountToken.code_hash == _hash(user_id, PORTAL_SESSION, secret),
        AccountToken.used_at.is_(None)).values(used_at=utcnow()))
