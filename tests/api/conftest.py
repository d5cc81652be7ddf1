"""The API tests' own app (seed rules, own database or PostgreSQL schema): the fuzzer creates and
edits users, roles and reference rows at random, which must never reach the other tests' app."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from config import TestingConfig

ROOT_CONFTEST = Path(__file__).parent.parent / "conftest.py"



@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from app import create_app
    from app.setup import initialise
    from tests.conftest import isolated_database

    base = tmp_path_factory.mktemp("satupintu_api")
    url, engine_options = isolated_database(base, "api")

    class ApiConfig(TestingConfig):
        UPLOAD_FOLDER = str(base / "uploads")
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = engine_options

    application = create_app(ApiConfig)
    with application.app_context():
        upgrade()
        initialise()
    yield application
    with application.app_context():
        from app.extensions import db
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Every request gets its own app context, as in production (see tests/core/conftest.py)."""
    yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def shared(pytestconfig):
    module = pytestconfig.pluginmanager.get_plugin(str(ROOT_CONFTEST))
    assert module is not None, ROOT_CONFTEST
    return module


@pytest.fixture(scope="session")
def factories(app, shared):
    return shared.Factories(app)


@pytest.fixture(scope="session")
def signed_in(app, shared):
    """An ApiClient on its own test client, for fixtures wider than one test."""
    def _signed_in(user):
        client = app.test_client()
        return shared.ApiClient(client, shared.api_login(client, user[1]), *user)
    return _signed_in
