"""Typed platform errors carry a human message (Bahasa Indonesia) and an HTTP status.

Views translate them to a flash message or a JSON error, never a stack trace.
"""
from __future__ import annotations

from flask import Flask, jsonify, request
from flask_babel import gettext


def N_(message: str) -> str:
    """Mark a message for the translation catalogue without translating it yet."""
    return message


def translate(message: str, **params) -> str:
    """gettext when a request/app context exists, else the Indonesian text itself."""
    try:
        return gettext(message, **params)
    except (RuntimeError, KeyError):
        return message % params if params else message


class SatuPintuError(Exception):
    status = 400
    code = "error"
    message = N_("Permintaan tidak dapat diproses.")

    def __init__(self, message: str | None = None, *, status: int | None = None,
                 code: str | None = None, details: dict | None = None, **params):
        self.message = message or self.message
        self.params = params
        if status:
            self.status = status
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(self.text)

    @property
    def text(self) -> str:
        return translate(self.message, **self.params)

    def to_dict(self) -> dict:
        body = {"error": self.code, "message": self.text}
        body.update(self.details)
        return body


class NotFoundError(SatuPintuError):
    status = 404
    code = "not_found"
    message = N_("Data tidak ditemukan.")


class ForbiddenError(SatuPintuError):
    status = 403
    code = "forbidden"
    message = N_("Anda tidak berwenang melakukan tindakan ini.")


class ConflictError(SatuPintuError):
    status = 409
    code = "conflict"
    message = N_("Data telah diubah oleh pengguna lain. Muat ulang halaman lalu coba lagi.")


class ValidationError(SatuPintuError):
    status = 422
    code = "invalid"
    message = N_("Isian belum benar.")


class PayloadTooLargeError(SatuPintuError):
    """The request body is over MAX_CONTENT_LENGTH or has more than MAX_FORM_PARTS parts (Werkzeug
    stops reading it there)."""

    status = 413
    code = "payload_too_large"
    message = N_("Unggahan terlalu besar: ukuran seluruh unggahan paling banyak %(max)s MB.")

    @classmethod
    def from_request(cls) -> "PayloadTooLargeError":
        from flask import current_app

        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        if request.content_length is not None and limit and request.content_length > limit:
            return cls(max=f"{limit / (1024 * 1024):g}")
        return cls(N_("Formulir berisi terlalu banyak bagian (paling banyak %(parts)s)."),
                   parts=current_app.config.get("MAX_FORM_PARTS", 1000))


def register_error_handlers(app: Flask) -> None:
    from werkzeug.exceptions import RequestEntityTooLarge

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc):
        error = PayloadTooLargeError.from_request()
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(error.to_dict()), error.status
        from flask import render_template
        if request.path.startswith("/portal/"):
            return render_template("portal/too_large.html", message=error.text), error.status
        return render_template("error.html", error=error), error.status

    @app.errorhandler(SatuPintuError)
    def _platform_error(error: SatuPintuError):
        if request.path.startswith("/api/"):
            return jsonify(error.to_dict()), error.status
        from flask import render_template
        return render_template("error.html", error=error), error.status
