"""The security log: failed logins, 403s, 429s, logouts and revocations.

``record_security_event(kind, ...)`` writes one structured log line (logger ``satupintu.security``,
one JSON object per line) and one ``security_event`` row. Inside a request the row is written after
the response is built, in its own short transaction, so recording never breaks (or joins) the
request's own transaction; outside a request it is written at once. A failing write is logged, never
raised. ``init_security_log(app)`` also records every 403 and 429 any view or API answers.
"""
from __future__ import annotations

import json
import logging
from typing import Optional

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert

from app.core.formatting import as_utc
from models.base import utcnow
from models.security import SecurityEvent

logger = logging.getLogger("satupintu.security")

LOGIN_FAILED = "login_failed"
FORBIDDEN = "forbidden"
RATE_LIMITED = "rate_limited"
LOGOUT = "logout"
SESSIONS_REVOKED = "sessions_revoked"    # every session and token of a user ended (password, roles, …)
SESSION_REFUSED = "session_refused"      # a cookie whose session had been revoked was presented
IDLE_TIMEOUT = "idle_timeout"
TOKEN_REVOKED = "token_revoked"          # a JWT issued before a revocation was presented
# the rules workspace (views/backoffice/rules_workspace.py): detail is JSON {workspace, files, result, …}
RULES_WORKSPACE_SAVE = "rules_workspace_save"
RULES_WORKSPACE_UPLOAD = "rules_workspace_upload"
RULES_WORKSPACE_CHECK = "rules_workspace_check"
RULES_WORKSPACE_DISCARD = "rules_workspace_discard"
RULES_WORKSPACE_ACTIVATE = "rules_workspace_activate"
# signing keys (app/documents/signing.py): written in the transaction of the change they record
SIGNING_ENROLLED = "signing_enrolled"
SIGNING_IMPORTED = "signing_imported"
SIGNING_PASSPHRASE = "signing_passphrase"
SIGNING_REVOKED = "signing_revoked"
SIGNING_LINKED = "signing_linked"

KIND_LABELS = {
    LOGIN_FAILED: _l("Gagal masuk"),
    FORBIDDEN: _l("Akses ditolak (403)"),
    RATE_LIMITED: _l("Batas permintaan terlampaui (429)"),
    LOGOUT: _l("Keluar"),
    SESSIONS_REVOKED: _l("Semua sesi dicabut"),
    SESSION_REFUSED: _l("Sesi yang dicabut ditolak"),
    IDLE_TIMEOUT: _l("Sesi berakhir karena tidak aktif"),
    TOKEN_REVOKED: _l("Token yang dicabut ditolak"),
    RULES_WORKSPACE_SAVE: _l("Ruang kerja aturan: draf disimpan"),
    RULES_WORKSPACE_UPLOAD: _l("Ruang kerja aturan: berkas diunggah"),
    RULES_WORKSPACE_CHECK: _l("Ruang kerja aturan: draf diperiksa"),
    RULES_WORKSPACE_DISCARD: _l("Ruang kerja aturan: draf dibuang"),
    RULES_WORKSPACE_ACTIVATE: _l("Ruang kerja aturan: aktivasi"),
    SIGNING_ENROLLED: _l("Kunci tanda tangan didaftarkan"),
    SIGNING_IMPORTED: _l("Sertifikat PKCS#12 diimpor"),
    SIGNING_PASSPHRASE: _l("Passphrase tanda tangan diganti"),
    SIGNING_REVOKED: _l("Kunci tanda tangan dicabut"),
    SIGNING_LINKED: _l("Penandatangan ditautkan ke akun"),
}
WARNING_KINDS = {LOGIN_FAILED, FORBIDDEN, RATE_LIMITED, SESSION_REFUSED, TOKEN_REVOKED}
_PENDING = "_satupintu_security_events"


def log_line(kind: str, row: dict) -> str:
    """The JSON line a security event is logged as; its time in UTC, ISO 8601 with ``Z``."""
    created = as_utc(row["created_at"]).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"event": kind, **{k: v for k, v in row.items() if k not in ("kind", "created_at")},
                       "created_at": created}, ensure_ascii=False, default=str, separators=(",", ":"))


def record_security_event(kind: str, *, user_id: Optional[int] = None, username: Optional[str] = None,
                          detail: str = "") -> None:
    """Record one security event (see the module docstring). Never raises."""
    try:
        row = _row(kind, user_id, username, detail)
        logger.log(logging.WARNING if kind in WARNING_KINDS else logging.INFO, log_line(kind, row))
        if has_request_context():
            g.setdefault(_PENDING, []).append(row)
        else:
            _write([row])
    except Exception:  # the log must never break what it observes
        logger.exception("security event %s could not be recorded", kind)


def record_in_session(session, kind: str, *, user_id: Optional[int] = None, username: Optional[str] = None,
                      detail: str = "") -> SecurityEvent:
    """Record an event as part of ``session``'s transaction: stored if, and only if, the change it
    records is committed (a key enrolment, a revocation). Logged at once like the others."""
    row = _row(kind, user_id, username, detail)
    logger.info(log_line(kind, row))
    event = SecurityEvent(**row)
    session.add(event)
    return event


def _row(kind: str, user_id: Optional[int], username: Optional[str], detail: str) -> dict:
    row = {"created_at": utcnow(), "kind": kind[:32], "user_id": user_id, "username": (username or "")[:255],
           "ip": "", "method": "", "path": "", "detail": str(detail or "")[:2000]}
    if has_request_context():
        row.update(ip=(request.remote_addr or "")[:64], method=request.method[:10], path=request.path[:512])
        if user_id is None and not username:
            user = _request_user()
            if user is not None:
                row.update(user_id=user.id, username=(user.username or "")[:255])
    return row


def _request_user():
    """The user of this request (cookie session or JWT), when there is one."""
    from flask_login import current_user

    for candidate in (g.get("user"), current_user):
        try:
            if candidate is not None and candidate.is_authenticated and getattr(candidate, "id", None):
                return candidate
        except Exception:  # an expired ORM object, a half-torn-down request: no user then
            continue
    return None


def _write(rows: list[dict]) -> None:
    from app.extensions import db

    try:
        with db.engine.begin() as connection:
            connection.execute(insert(SecurityEvent.__table__), rows)
    except Exception:
        logger.exception("security events could not be stored: %s", [r["kind"] for r in rows])


def _flush_pending() -> None:
    rows = g.pop(_PENDING, None)
    if rows:
        _write(rows)


def init_security_log(app: Flask) -> None:
    """Record every 403 and 429 answered, and store the request's events after the response."""

    @app.after_request
    def _record_refusals(response):
        if response.status_code == 403:
            record_security_event(FORBIDDEN, detail=f"endpoint={request.endpoint}")
        elif response.status_code == 429:
            record_security_event(RATE_LIMITED, detail=f"endpoint={request.endpoint}")
        _flush_pending()
        return response

    @app.teardown_request
    def _store_leftovers(_exc=None):  # a request that ended in an exception still keeps its events
        try:
            _flush_pending()
        except Exception:
            current_app.logger.exception("security events lost")
