"""X-Forwarded-* is trusted only as far as PROXY_FIX_* says (app/security/proxy.py): off by default, and
with count 1 only the hop the proxy itself appended is believed."""
from __future__ import annotations

import pytest
from flask import Flask, jsonify, request, request_started

from app.security.proxy import install_proxy_fix

CLIENT = "203.0.113.7"     # what the TCP connection says (REMOTE_ADDR)

# hostile variants a client can send straight to the app, or through nginx (which appends the
# address it saw, so the real client is always last)
SPOOFED = [
    {"X-Forwarded-For": "10.0.0.1"},
    {"X-Forwarded-For": "127.0.0.1"},
    {"X-Forwarded-For": "1.2.3.4, 5.6.7.8"},
    {"X-Forwarded-For": "::1"},
    {"X-Forwarded-For": "not-an-address"},
    {"X-Forwarded-For": "10.0.0.1", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
    {"X-Real-IP": "10.0.0.1", "Forwarded": "for=10.0.0.1;proto=https"},
]


def seen(app, headers, remote=CLIENT) -> dict:
    """What the app believes about a request that arrives from ``remote`` with ``headers``."""
    captured = {}

    def capture(sender, **extra):
        captured.update(addr=request.remote_addr, scheme=request.scheme, host=request.host)

    with request_started.connected_to(capture, app):
        app.test_client().get("/portal/", headers=headers, environ_base={"REMOTE_ADDR": remote})
    return captured


@pytest.mark.parametrize("headers", SPOOFED)
def test_without_proxy_fix_forwarded_headers_change_nothing(app, headers):
    assert all(not app.config[name] for name in ("PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO", "PROXY_FIX_X_HOST"))
    assert seen(app, headers) == {"addr": CLIENT, "scheme": "http", "host": "localhost"}


def small_app(**counts) -> Flask:
    app = Flask(__name__)
    app.config.update({f"PROXY_FIX_{name}": value for name, value in counts.items()})
    install_proxy_fix(app)

    @app.get("/who")
    def who():
        return jsonify(addr=request.remote_addr, scheme=request.scheme, host=request.host)
    return app


def ask(app, headers) -> dict:
    return app.test_client().get("/who", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_json()


@pytest.mark.parametrize("forwarded_for, believed", [
    ("198.51.100.9", "198.51.100.9"),                       # nginx appended the real client
    ("10.0.0.1, 198.51.100.9", "198.51.100.9"),             # the client's own claim comes first
    ("127.0.0.1, ::1, 198.51.100.9", "198.51.100.9"),
    ("1.2.3.4,5.6.7.8,198.51.100.9", "198.51.100.9"),
])
def test_with_one_proxy_the_last_hop_is_used(forwarded_for, believed):
    app = small_app(X_FOR=1, X_PROTO=1)
    answer = ask(app, {"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"})
    assert answer["addr"] == believed and answer["scheme"] == "https"


@pytest.mark.parametrize("headers", SPOOFED)
def test_headers_not_counted_stay_untrusted(headers):
    app = small_app(X_FOR=1)                                # X_PROTO and X_HOST left at 0
    answer = ask(app, headers)
    assert answer["scheme"] == "http" and answer["host"] == "localhost"


def test_no_count_means_no_proxy_fix():
    app = small_app(X_FOR=0, X_PROTO=0)
    assert ask(app, {"X-Forwarded-For": "10.0.0.1", "X-Forwarded-Proto": "https"}) == {
        "addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_a_negative_count_is_refused():
    with pytest.raises(RuntimeError, match="PROXY_FIX_X_FOR"):
        small_app(X_FOR=-1)
