"""``Cache-Control: no-store`` on every response except static assets and the few public,
impersonal endpoints listed in ``CACHEABLE_ENDPOINTS``.

Login pages, tokens (``POST /api/v1/security/login`` and refresh), portal and back-office pages,
API answers and downloads all carry credentials or personal data — and even a public page shows
the signed-in user's name in its header — so the rule is "no-store unless known harmless", not a
list of what to protect. A view that sets its own stricter header keeps it.
"""
from __future__ import annotations

from flask import Flask, Response, request

NO_STORE = "no-store"
# public data that is the same for everyone (the regions of Indonesia for the address pickers, the
# rules format's JSON Schema, the site's icon at /favicon.ico)
CACHEABLE_ENDPOINTS = frozenset({"portal.regions", "RulesSchemaApi.get_schema", "favicon"})


def cacheable(endpoint: str | None) -> bool:
    """Static files (the app's, Flask-AppBuilder's, any blueprint's) and the listed endpoints."""
    if not endpoint:
        return False
    return endpoint == "static" or endpoint.endswith(".static") or endpoint in CACHEABLE_ENDPOINTS


def _no_store(response: Response) -> Response:
    if cacheable(request.endpoint) and response.status_code < 400:
        return response
    if "no-store" not in (response.headers.get("Cache-Control") or ""):
        response.headers["Cache-Control"] = NO_STORE
    response.headers["Pragma"] = "no-cache"   # HTTP/1.0 proxies
    response.headers.pop("Expires", None)
    return response


def init_cache_control(app: Flask) -> None:
    app.after_request(_no_store)
