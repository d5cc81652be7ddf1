"""Revocable sessions and tokens: one stamp per user, checked on every request.

Flask's session is a signed cookie, so a copied cookie would stay valid after logout. Every login
therefore writes the user's current stamp (``user_session_stamp``) into the session, every JWT
carries it as the ``stp`` claim, and each request compares it with the stored one. Changing the
stamp — logout, a password change, a role change, deactivation — ends every browser session and
every JWT of that user at once, in every worker. Password, role and deactivation changes are
caught where they are written (a flush hook on the user table), so every screen, API and CLI
that makes them is covered. Staff sessions also end after ``STAFF_IDLE_TIMEOUT_MINUTES`` without
a request (shared counter PCs).
"""
from __future__ import annotations

import secrets
import time
from typing import Optional

from flask import Flask, flash, has_request_context, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import logout_user, user_logged_in
from sqlalchemy import event, insert, inspect, select, update

from app.extensions import db
from app.security.auth_cache import forget_user_stamp, prefetched_stamp
from app.security.log import (IDLE_TIMEOUT, LOGOUT, SESSION_REFUSED, SESSIONS_REVOKED, TOKEN_REVOKED,
                              record_security_event)
from app.security.roles import is_customer
from models.base import utcnow
from models.security import UserSessionStamp

STAMP_KEY = "_auth_stamp"     # the user's stamp when this session logged in
SID_KEY = "_sid"              # a new random id for every login (no session fixation)
SEEN_KEY = "_seen"            # time of the last request, epoch seconds (staff idle timeout)
STAFF_KEY = "_staff"          # staff sessions time out when idle; customers' do not
JWT_CLAIM = "stp"
SESSION_KEYS = (STAMP_KEY, SID_KEY, SEEN_KEY, STAFF_KEY)
_PENDING = "satupintu_revoked"   # Session.info: revocations waiting for their transaction to commit


def now() -> float:
    """The clock of this module (tests move it instead of sleeping)."""
    return time.time()


# ---------------------------------------------------------------- stamps


def current_stamp(user_id: int) -> str:
    """The user's stamp; "" while it was never changed (read with the request's user: app/security/auth_cache.py)."""
    known = prefetched_stamp(user_id)
    if known is not None:
        return known
    stamp = db.session.scalar(select(UserSessionStamp.stamp).where(UserSessionStamp.user_id == user_id))
    return stamp or ""


def _write_stamp(connection, user_id: int) -> str:
    stamp = secrets.token_hex(16)
    table = UserSessionStamp.__table__
    values = {"stamp": stamp, "changed_at": utcnow()}
    if connection.execute(update(table).where(table.c.user_id == user_id).values(**values)).rowcount == 0:
        connection.execute(insert(table).values(user_id=user_id, **values))
    forget_user_stamp(user_id)   # the stamp read with this request's user is no longer current
    return stamp


def revoke_sessions(user_id: int, *, reason: str) -> None:
    """End every session and JWT of ``user_id`` now (its own commit): logout and explicit revocations."""
    _revoke_in_transaction(db.session(), user_id, reason)
    db.session.commit()


def _revoke_in_transaction(orm_session, user_id: int, reason: str) -> None:
    stamp = _write_stamp(orm_session.connection(), user_id)
    orm_session.info.setdefault(_PENDING, {})[user_id] = (stamp, reason)


def _user_changes(orm_session, _flush_context) -> None:
    """after_flush: a changed password, changed roles or a deactivation revoke the user's sessions."""
    from flask_appbuilder.security.sqla.models import User

    for user in list(orm_session.dirty):
        if not isinstance(user, User) or user.id is None:
            continue
        state = inspect(user)
        reason = None
        password = state.attrs.password.history  # (old value unloaded: counts as a change)
        if password.added and (not password.deleted or password.added[0] != password.deleted[0]):
            reason = "password_changed"
        roles = state.attrs.roles.history
        if {id(r) for r in roles.added} != {id(r) for r in roles.deleted}:
            reason = reason or "roles_changed"
        active = state.attrs.active.history
        if active.added and not active.added[0] and (not active.deleted or active.deleted[0]):
            reason = reason or "deactivated"
        if reason:
            _revoke_in_transaction(orm_session, user.id, reason)


def _after_commit(orm_session) -> None:
    revoked = orm_session.info.pop(_PENDING, None)
    for user_id, (stamp, reason) in (revoked or {}).items():
        record_security_event(LOGOUT if reason == "logout" else SESSIONS_REVOKED, user_id=user_id,
                              username=_username(user_id), detail=f"reason={reason}")
        # whoever changes their own password keeps this session (on the new stamp); copies of it die
        if (reason == "password_changed" and has_request_context()
                and str(session.get("_user_id")) == str(user_id) and STAMP_KEY in session):
            session[STAMP_KEY] = stamp
            session[SID_KEY] = secrets.token_urlsafe(24)


def _after_rollback(orm_session) -> None:
    orm_session.info.pop(_PENDING, None)


def _username(user_id: int) -> str:
    from flask_appbuilder.security.sqla.models import User

    try:
        with db.engine.connect() as connection:
            return connection.scalar(select(User.__table__.c.username).where(User.__table__.c.id == user_id)) or ""
    except Exception:
        return ""


# ---------------------------------------------------------------- browser sessions


def _on_login(_sender, user, **_extra) -> None:
    """Every login (back office and portal) starts a fresh, stamped session with a new id."""
    session[STAMP_KEY] = current_stamp(user.id)
    session[SID_KEY] = secrets.token_urlsafe(24)
    session[SEEN_KEY] = int(now())
    session[STAFF_KEY] = not is_customer(user)


def _idle_limit_seconds(app_config) -> float:
    return float(app_config.get("STAFF_IDLE_TIMEOUT_MINUTES", 30)) * 60


def _end_browser_session() -> None:
    logout_user()
    for key in SESSION_KEYS + ("portal_sid",):
        session.pop(key, None)


def check_session():
    """before_request: refuse a revoked session; end an idle staff session; note activity."""
    from flask import current_app

    raw = session.get("_user_id")
    if raw is None or request.endpoint == "static":
        return None
    try:
        user_id = int(raw)
    except (TypeError, ValueError):
        user_id = None
    staff = bool(session.get(STAFF_KEY))
    moment = now()
    reason: Optional[str] = None
    if user_id is None or session.get(STAMP_KEY) != current_stamp(user_id):
        reason = SESSION_REFUSED
    elif staff and moment - float(session.get(SEEN_KEY) or 0) > _idle_limit_seconds(current_app.config):
        reason = IDLE_TIMEOUT
    if reason is None:
        if staff:
            session[SEEN_KEY] = int(moment)
        return None
    _end_browser_session()
    record_security_event(reason, user_id=user_id, username=_username(user_id) if user_id else str(raw)[:64],
                          detail="staff" if staff else "customer")
    if request.path.startswith("/api/"):
        return None  # the API answers 401 itself
    if reason == IDLE_TIMEOUT:
        flash(_("Sesi Anda berakhir karena tidak ada aktivitas. Silakan masuk kembali."), "warning")
    else:
        flash(_("Sesi Anda sudah berakhir. Silakan masuk kembali."), "warning")
    return redirect(_login_url(staff))


def _login_url(staff: bool) -> str:
    from app.extensions import appbuilder

    target = request.full_path.rstrip("?") if request.method == "GET" else None
    if staff:
        return url_for(f"{appbuilder.sm.auth_view.endpoint}.login", next=target)
    return url_for("portal.login", next=target)


# ---------------------------------------------------------------- JWT


def install_jwt_revocation(jwt_manager) -> None:
    """Every JWT carries the stamp it was issued with; one issued before a revocation is refused (401)."""

    @jwt_manager.additional_claims_loader
    def _stamp_claim(identity):
        try:
            return {JWT_CLAIM: current_stamp(int(identity))}
        except (TypeError, ValueError):
            return {}

    @jwt_manager.token_in_blocklist_loader
    def _revoked(_header, payload) -> bool:
        try:
            user_id = int(payload.get("sub"))
        except (TypeError, ValueError):
            return True
        if payload.get(JWT_CLAIM) == current_stamp(user_id):
            return False
        record_security_event(TOKEN_REVOKED, user_id=user_id, username=_username(user_id),
                              detail=f"type={payload.get('type', '')}")
        return True


# ---------------------------------------------------------------- wiring

_HOOKS_INSTALLED: list = []


def init_sessions(app: Flask) -> None:
    """Check every request's session; stamp every login; revoke on user changes (once per process)."""
    app.before_request(check_session)
    if not _HOOKS_INSTALLED:
        user_logged_in.connect(_on_login)
        event.listen(db.session, "after_flush", _user_changes)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)
        _HOOKS_INSTALLED.append(True)
