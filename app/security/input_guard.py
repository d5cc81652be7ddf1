"""Characters no field may hold: a NUL (U+0000) anywhere a request supplies text — the path, a
query or form key or value, an upload's file name, a string inside a JSON body — is refused with a
400 before any view runs.

Why a request-level guard: PostgreSQL text cannot store U+0000, so psycopg raises ``DataError`` on
the first statement that binds such a value. Found in the attacker walk on PostgreSQL (issue 8):
``?nomor=PTSP-…%00`` on public tracking, ``username=adm%00in`` on both logins and on
``POST /api/v1/security/login``, list filters in the back office, ``/verify/ab%00c`` — every one a
500. Checking each view would miss the next one; SQLite accepts the byte, so the test suite on
SQLite never saw it.
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from flask import Flask, jsonify, render_template, request

from app.core.errors import N_, SatuPintuError

FORBIDDEN = "\x00"


class ForbiddenCharacterError(SatuPintuError):
    status = 400
    code = "bad_request"
    message = N_("Permintaan memuat karakter yang tidak sah (NUL). Hapus karakter tersebut lalu coba lagi.")


def _has_forbidden(values: Iterable[str]) -> bool:
    return any(FORBIDDEN in value for value in values if isinstance(value, str))


def _json_strings(value: Any, depth: int = 0) -> Iterable[str]:
    """Every key and string inside a decoded JSON value (bounded depth: the body is small)."""
    if depth > 64:
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _json_strings(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item, depth + 1)


def request_has_forbidden_characters() -> bool:
    if FORBIDDEN in request.path:
        return True
    if _has_forbidden(request.args.keys()) or _has_forbidden(request.args.values()):
        return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = request.form
            if _has_forbidden(form.keys()) or _has_forbidden(form.values()):
                return True
            if _has_forbidden(storage.filename or "" for storage in request.files.values()):
                return True
        elif request.is_json:
            data = request.get_data(cache=True)
            if b"\\u0000" in data or b"\x00" in data:
                try:
                    body = json.loads(data)
                except (ValueError, RecursionError):
                    return b"\x00" in data
                return _has_forbidden(_json_strings(body))
    return False


def _refusal():
    error = ForbiddenCharacterError()
    if request.path.startswith("/api/"):
        return jsonify(error.to_dict()), error.status
    if request.path.startswith(("/login", "/backoffice", "/users", "/roles")):
        from app.extensions import appbuilder
        return render_template("error.html", error=error, appbuilder=appbuilder,
                               base_template=appbuilder.base_template), error.status
    return render_template("portal/bad_request.html", message=error.text), error.status


def init_input_guard(app: Flask) -> None:
    @app.before_request
    def _refuse_forbidden_characters():
        if request_has_forbidden_characters():
            return _refusal()
        return None
    # registered after Flask-AppBuilder's (g.user, needed by the back-office error page) and the
    # session checks, which read only the signed session, never request text; before every view
