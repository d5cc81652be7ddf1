"""The API tests' own app (seed rules, own database or PostgreSQL schema): the fuzzer creates and
edits users, roles and reference rows at random, which must never reach the other tests' app."""
from __future__ import annotations

from pathlib import Path

import pytest


ROOT_CONFTEST = Path(__file__).parent.parent / "conftest.py"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from tests.conftest import isolated_app

    yield from isolated_app(tmp_path_factory, "api")


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
