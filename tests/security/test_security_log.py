"""The security log (app/security/log.py): every failed login, 403, 429, logout and revocation leaves
a row (visible to administrators) and one structured log line."""
from __future__ import annotations

import json
import re
import logging

import pytest
from sqlalchemy import select

from config import DEMO_PASSWORD
from tests.security.conftest import browser_login, token_for


def events(app, **where) -> list:
    from app.extensions import db
    from models import SecurityEvent

    with app.app_context():
        query = select(SecurityEvent).order_by(SecurityEvent.id)
        for name, value in where.items():
            query = query.where(getattr(SecurityEvent, name) == value)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        db.session.remove()
        return rows


def log_lines(caplog, kind: str) -> list[dict]:
    lines = [json.loads(r.getMessage()) for r in caplog.records
             if r.name == "satupintu.security" and r.getMessage().startswith("{")]
    return [line for line in lines if line["event"] == kind]


@pytest.fixture
def security_caplog(caplog):
    caplog.set_level(logging.INFO, logger="satupintu.security")
    return caplog


def _last_id(app) -> int:
    rows = events(app)
    return rows[-1].id if rows else 0


def _new(app, since: int, kind: str) -> list:
    return [row for row in events(app, kind=kind) if row.id > since]


@pytest.mark.parametrize("where, path, identifier_of", [
    ("backoffice", "/login/", lambda p: p.username),
    ("backoffice-unknown", "/login/", lambda p: "tidak.ada.orangnya"),
    ("api", "/api/v1/security/login", lambda p: p.username),
    ("api-unknown", "/api/v1/security/login", lambda p: "nobody@example.test"),
    ("portal", "/portal/masuk", lambda p: p.username),
    ("portal-unknown", "/portal/masuk", lambda p: "6472019999999999"),
])
def test_failed_logins_are_recorded(app, client, staff, customer, security_caplog, where, path, identifier_of):
    person = customer if where.startswith("portal") else staff
    identifier = identifier_of(person)
    since = _last_id(app)
    if path == "/login/":
        response = client.post(path, data={"username": identifier, "password": "Salah#Sandi77"})
    elif path.startswith("/api/"):
        response = client.post(path, json={"username": identifier, "password": "Salah#Sandi77", "provider": "db"})
        assert response.status_code == 401
    else:
        response = client.post(path, data={"identifier": identifier, "password": "Salah#Sandi77"})
    rows = _new(app, since, "login_failed")
    assert len(rows) == 1, [(r.kind, r.path) for r in rows]
    row = rows[0]
    assert row.username == identifier and row.path == path and row.method == "POST" and row.ip == "127.0.0.1"
    assert row.user_id == (person.user_id if "unknown" not in where else None)
    assert row.created_at is not None
    line = log_lines(security_caplog, "login_failed")[-1]
    # UTC, ISO 8601 with one zone designator (not "+00:00Z", which parsers refuse)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["created_at"]), line["created_at"]
    assert line["username"] == identifier and line["path"] == path and line["ip"] == "127.0.0.1"


def test_a_right_password_leaves_no_failure(app, client, staff):
    since = _last_id(app)
    browser_login(app, staff)
    token_for(client, staff)
    assert _new(app, since, "login_failed") == []


def test_staff_without_the_transition_permission_is_recorded(app, client, case, factories, security_caplog):
    """The treasurer may not confirm availability (the service officer's action): 403, one row."""
    from tests.conftest import ApiClient
    user = factories.staff("bmkg", "bendahara")
    treasurer = ApiClient(client, token_for(client, _P(*user)), *user)
    since = _last_id(app)
    response = treasurer.transition(case["app_id"], "tersedia")
    assert response.status_code == 403, response.get_json()
    rows = _new(app, since, "forbidden")
    assert len(rows) == 1
    assert rows[0].user_id == user[0] and rows[0].username == user[1]
    assert rows[0].path == f"/api/v1/application/{case['app_id']}/transition" and rows[0].method == "POST"
    assert log_lines(security_caplog, "forbidden")[-1]["user_id"] == user[0]


class _P:
    def __init__(self, user_id, username):
        self.user_id, self.username, self.kind = user_id, username, "staff"


@pytest.mark.parametrize("who, path", [
    ("staff", "/securityeventview/list/"),         # the security log itself: administrators only
    ("staff", "/users/list/"),
    ("staff", "/backoffice/aturan/unggah"),
    ("customer", "/backoffice/antrean/"),
    ("customer", "/securityeventview/list/"),
])
def test_403_on_screens_is_recorded(app, request, who, path):
    person = request.getfixturevalue(who)
    browser = browser_login(app, person)
    since = _last_id(app)
    method = "POST" if path.endswith("unggah") else "GET"
    response = browser.post(path) if method == "POST" else browser.get(path)
    assert response.status_code == 403
    rows = _new(app, since, "forbidden")
    assert [(r.user_id, r.path, r.method) for r in rows] == [(person.user_id, path, method)]


def test_rate_limit_hits_are_recorded(app, security_caplog):
    from app import create_app
    from config import TestingConfig

    class Limited(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SQLALCHEMY_ENGINE_OPTIONS = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        UPLOAD_FOLDER = app.config["UPLOAD_FOLDER"]
        RATELIMIT_ENABLED = True
        LOGIN_ACCOUNT_RATE_LIMIT = "2 per minute"

    limited = create_app(Limited)
    client = limited.test_client()
    since = _last_id(app)
    for path, body in (("/portal/masuk", {"data": {"identifier": "x", "password": "y"}}),
                       ("/api/v1/security/login", {"json": {"username": "z", "password": "y", "provider": "db"}})):
        statuses = [client.post(path, **body).status_code for _ in range(3)]
        assert statuses[-1] == 429
    rows = _new(app, since, "rate_limited")
    assert [r.path for r in rows] == ["/portal/masuk", "/api/v1/security/login"]
    assert len(log_lines(security_caplog, "rate_limited")) >= 2


@pytest.mark.parametrize("kind", ["staff", "customer"])
def test_logout_revocations_and_refused_sessions_are_recorded(app, client, request, kind, security_caplog):
    person = request.getfixturevalue(kind)
    browser = browser_login(app, person)
    stolen = browser.get_cookie("session").value
    token = token_for(client, person)
    since = _last_id(app)

    browser.get("/logout/") if kind == "staff" else browser.post("/portal/keluar")
    assert [(r.user_id, r.username) for r in _new(app, since, "logout")] == [(person.user_id, person.username)]

    thief = app.test_client()
    thief.set_cookie("session", stolen)
    thief.get("/backoffice/antrean/" if kind == "staff" else "/portal/profil")
    refused = _new(app, since, "session_refused")
    assert [(r.user_id, r.detail) for r in refused] == [(person.user_id, kind)]

    assert client.get("/api/v1/application/", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert [r.user_id for r in _new(app, since, "token_revoked")] == [person.user_id]

    from app.extensions import appbuilder
    with app.app_context():
        appbuilder.sm.reset_password(person.user_id, "Tepian#Mahakam77")
    revoked = _new(app, since, "sessions_revoked")
    assert [(r.user_id, r.detail) for r in revoked] == [(person.user_id, "reason=password_changed")]
    for kind_name in ("logout", "session_refused", "token_revoked", "sessions_revoked"):
        assert log_lines(security_caplog, kind_name), kind_name


def test_idle_timeout_is_recorded(app, staff, monkeypatch):
    import app.security.sessions as sessions

    monkeypatch.setitem(app.config, "STAFF_IDLE_TIMEOUT_MINUTES", 1)
    moment = {"now": 1_900_000_000.0}
    monkeypatch.setattr(sessions, "now", lambda: moment["now"])
    browser = browser_login(app, staff)
    since = _last_id(app)
    moment["now"] += 120
    browser.get("/backoffice/antrean/")
    assert [(r.user_id, r.path) for r in _new(app, since, "idle_timeout")] == [(staff.user_id, "/backoffice/antrean/")]


def test_recording_never_breaks_the_request(app, client, staff, monkeypatch, security_caplog):
    import app.security.log as security_log

    def broken(*_args, **_kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(security_log, "insert", broken)
    response = client.post("/login/", data={"username": staff.username, "password": "Salah#Sandi77"})
    assert response.status_code == 302
    assert log_lines(security_caplog, "login_failed")   # the log line is still written
    assert browser_login(app, staff).get("/backoffice/antrean/").status_code == 200


def test_administrators_see_the_log_with_filters(app, staff):
    from app.extensions import appbuilder
    from tests.conftest import unique

    marker = unique("penyusup")
    app.test_client().post("/login/", data={"username": marker, "password": "x"})
    admin = app.test_client()
    admin.post("/login/", data={"username": app.config["ADMIN_USERNAME"], "password": DEMO_PASSWORD})
    page = admin.get("/securityeventview/list/").get_data(as_text=True)
    assert marker in page and "Gagal masuk" in page
    filtered = admin.get(f"/securityeventview/list/?_flt_0_username={marker}").get_data(as_text=True)
    assert marker in filtered and staff.username not in filtered
    by_kind = admin.get("/securityeventview/list/?_flt_0_kind=logout").get_data(as_text=True)
    assert marker not in by_kind
    with app.app_context():
        view = next(v for v in appbuilder.baseviews if v.__class__.__name__ == "SecurityEventView")
        assert set(view.base_permissions) == {"can_list", "can_show"}   # read-only
    assert admin.get("/securityeventview/add").status_code in (403, 404, 405)
