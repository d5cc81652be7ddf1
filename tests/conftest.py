"""Shared fixtures: one migrated database per test session (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), the app, a REST client that logs in with JWT, and factories.

Tests create their own users and applications with unique names, so they never depend on each
other's rows and need no cleanup.
"""
from __future__ import annotations

import io
import itertools
import json
import os
from dataclasses import dataclass

import pytest

from config import DEMO_PASSWORD, TestingConfig
from app.demo.autofill import SAMPLE_PDF, SAMPLE_PNG  # real files: uploads are parsed

_counter = itertools.count(1)

# -- what runs where ---------------------------------------------------------------------------
# Tests marked `postgres` need PostgreSQL: without TEST_DATABASE_URL=postgresql://... they are
# *deselected* (not skipped), so a CI run on SQLite plus one on PostgreSQL runs every test once.
# In CI (CI=true, or SATUPINTU_FAIL_ON_SKIP=1 as .ci/run sets) a skipped test is a failure: CI
# installs Chromium, poppler-utils and Redis, so nothing may quietly not run there.


def on_postgresql() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def fail_on_skip() -> bool:
    return any(os.environ.get(name, "").lower() in ("1", "true", "yes")
               for name in ("CI", "SATUPINTU_FAIL_ON_SKIP"))


def pytest_collection_modifyitems(config, items):
    if on_postgresql():
        return
    postgres_only = [item for item in items if item.get_closest_marker("postgres")]
    if postgres_only:
        config.hook.pytest_deselected(items=postgres_only)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


def pytest_report_header(config):
    lines = []
    if not on_postgresql():
        lines.append("PostgreSQL-only tests (marker `postgres`) deselected: "
                     "TEST_DATABASE_URL=postgresql://... runs them")
    if fail_on_skip():
        lines.append("CI: every skipped test counts as a failure")
    return lines


def pytest_terminal_summary(terminalreporter):
    """One line per reason for what was skipped (a missing Chromium skips every journey: one line)."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in reasons.items():
        terminalreporter.write_line(f"SKIPPED ({count}): {reason}", yellow=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and fail_on_skip() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where every test must run: {reason}"


def unique(prefix: str = "u") -> str:
    return f"{prefix}{os.getpid()}x{next(_counter)}"


def isolated_database(base, name: str) -> tuple[str, dict]:
    """(database URL, engine options) for a test package's own app: its own SQLite file, or, when
    TEST_DATABASE_URL is PostgreSQL, a fresh schema of that database (so its rows never meet another
    app's upload folder)."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{base / (name + '.db')}"
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        schema = f"satupintu_{name}"
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        options["connect_args"] = {"options": f"-c search_path={schema}"}
    return url, options


def isolated_app(tmp_path_factory, name: str, **settings):
    """A migrated app of a test package's own (its database or schema, its upload folder), disposed
    at the end of the session: yield from it in a session fixture."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.ops.setup import initialise

    base = tmp_path_factory.mktemp(f"satupintu_{name}")
    url, engine_options = isolated_database(base, name)
    config = type(f"{name.title()}Config", (TestingConfig,), {
        "UPLOAD_FOLDER": str(base / "uploads"), "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options, **settings})
    application = create_app(config)
    with application.app_context():
        upgrade()
        initialise()
    yield application
    with application.app_context():
        db.engine.dispose()


def settle_outbox_backlog(app) -> None:
    """The session's database holds what earlier tests left waiting (mails to SMTP servers that are
    gone, retrying later): mark it sent, so that a drain or /readyz sees only this test's messages."""
    from sqlalchemy import update

    from app.extensions import db
    from models import OutboxMessage
    with app.app_context():
        db.session.execute(update(OutboxMessage).where(OutboxMessage.status.in_(("pending", "failed")))
                           .values(status="sent"))
        db.session.commit()


def sign_in(client, user_id: int):
    """Sign a test client in as a portal user the way a real login does (app/security/sessions.py stamp)."""
    from app.security.sessions import STAMP_KEY, current_stamp

    with client.application.app_context():
        stamp = current_stamp(user_id)
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session[STAMP_KEY] = stamp
    return client


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    base = tmp_path_factory.mktemp("satupintu")

    class Config(TestingConfig):
        UPLOAD_FOLDER = str(base / "uploads")
        SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{base / 'test.db'}"

    from app import create_app
    from app.ops.setup import initialise
    from flask_migrate import upgrade

    application = create_app(Config)
    with application.app_context():
        upgrade()
        initialise()
    yield application


@pytest.fixture(autouse=True)
def _push_request_context(request):
    """Overrides pytest-flask's: it keeps one request context for a whole test, so every client
    shared `g` and the database session. Here each request gets its own, as in production."""
    yield


@pytest.fixture
def client(app):
    """A plain test client (pytest-flask's keeps the last request's context open)."""
    return app.test_client()


@pytest.fixture
def db_session(app):
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.remove()


@dataclass
class ApiClient:
    """A REST client signed in as one user with a JWT."""

    client: object
    token: str
    user_id: int
    username: str

    def _headers(self, extra=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        headers.update(extra or {})
        return headers

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path, json_body=None, headers=None, **kwargs):
        return self.client.post(path, json=json_body, headers=self._headers(headers), **kwargs)

    def actions(self, app_id: int) -> list[str]:
        response = self.get(f"/api/v1/application/{app_id}/actions")
        assert response.status_code == 200, response.get_json()
        return [a["action"] for a in response.get_json()["result"]]

    def transition(self, app_id: int, action: str, fields=None, files=None, updates=None,
                   headers=None):
        """POST a transition; ``files`` = {key: (bytes, filename)} sends multipart."""
        path = f"/api/v1/application/{app_id}/transition"
        if files:
            data = {"payload": json.dumps({"action": action, "fields": fields or {},
                                           "updates": updates})}
            for key, (content, filename) in files.items():
                data[key] = (io.BytesIO(content), filename)
            return self.client.post(path, data=data, headers=self._headers(headers),
                                    content_type="multipart/form-data")
        return self.post(path, {"action": action, "fields": fields or {}, "updates": updates},
                         headers=headers)

    def create(self, service: str, files=None, **body):
        body["service"] = service
        if files:
            data = {"payload": json.dumps(body)}
            for key, (content, filename) in files.items():
                data[key] = (io.BytesIO(content), filename)
            return self.client.post("/api/v1/application/", data=data, headers=self._headers(),
                                    content_type="multipart/form-data")
        return self.post("/api/v1/application/", body)


def api_login(client, username: str, password: str = DEMO_PASSWORD) -> str:
    response = client.post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db", "refresh": False})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


class Factories:
    """Creates users with profiles. NIKs are structurally valid and unique per call."""

    def __init__(self, app):
        self.app = app

    def _nik(self) -> str:
        serial = next(_counter) % 9999 + 1
        district = os.getpid() % 99 + 1
        # province 64 (Kaltim), regency 72, a district, born 15-05-1990, serial
        return f"6472{district:02d}150590{serial:04d}"

    def customer(self, kind: str = "person", *, phone: str = "081234567890", email: str | None = None):
        from app.extensions import appbuilder, db
        from models import CustomerProfile

        with self.app.app_context():
            sm = appbuilder.sm
            username = unique("cust")
            user = sm.add_user(username, "Pelanggan", username, email or f"{username}@example.test",
                               sm.find_role("customer"), DEMO_PASSWORD)
            profile = CustomerProfile(user_id=user.id, kind=kind, full_name=f"Pelanggan {username}",
                                      nik=self._nik(), phone=phone, address="Jl. Contoh No. 1",
                                      organisation_name="PT Contoh" if kind != "person" else "")
            db.session.add(profile)
            db.session.commit()
            return user.id, username

    def staff(self, agency_key: str, *roles: str, services: tuple[str, ...] = ()):
        from sqlalchemy import select

        from app.extensions import appbuilder, db
        from models import Agency, ServiceType, StaffProfile

        with self.app.app_context():
            sm = appbuilder.sm
            username = unique(f"{agency_key}_")
            user = sm.add_user(username, "Petugas", username, f"{username}@example.test",
                               [sm.find_role(r) for r in roles], DEMO_PASSWORD)
            agency = db.session.scalar(select(Agency).where(Agency.key == agency_key))
            profile = StaffProfile(user_id=user.id, agency_id=agency.id)
            if services:
                profile.services = list(db.session.scalars(
                    select(ServiceType).where(ServiceType.key.in_(services))))
            db.session.add(profile)
            db.session.commit()
            return user.id, username


@pytest.fixture(scope="session")
def factories(app):
    return Factories(app)


@pytest.fixture
def login(app, client):
    def _login(user):
        user_id, username = user
        return ApiClient(client, api_login(client, username), user_id, username)
    return _login


# Minimal real files (content-checked by the platform)
PDF_BYTES = SAMPLE_PDF
PNG_BYTES = SAMPLE_PNG
