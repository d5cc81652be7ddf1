"""Trust `X-Forwarded-*` only as far as the deployment says: Werkzeug's ProxyFix with explicit
hop counts from the configuration (PROXY_FIX_X_FOR, _X_PROTO, _X_HOST, _X_PORT, _X_PREFIX).

All counts default to 0, which leaves the WSGI app untouched: a client that sends its own
`X-Forwarded-For` then cannot change `request.remote_addr` (the rate limits' key) or make a plain
HTTP request look like HTTPS. Behind one nginx, set PROXY_FIX_X_FOR=1 and PROXY_FIX_X_PROTO=1
(deploy/satupintu.env.example): only the last hop, the one nginx appended, is believed.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

PROXY_FIX_SETTINGS = {"PROXY_FIX_X_FOR": "x_for", "PROXY_FIX_X_PROTO": "x_proto",
                      "PROXY_FIX_X_HOST": "x_host", "PROXY_FIX_X_PORT": "x_port",
                      "PROXY_FIX_X_PREFIX": "x_prefix"}


def install_proxy_fix(app: Flask) -> None:
    """Wrap ``app.wsgi_app`` in ProxyFix when any hop count is above 0; refuse a negative count."""
    counts = {}
    for setting, argument in PROXY_FIX_SETTINGS.items():
        value = int(app.config.get(setting) or 0)
        if value < 0:
            raise RuntimeError(f"Refusing to start: {setting} must be 0 (off) or a number of proxies, not {value}")
        counts[argument] = value
    if any(counts.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **counts)
