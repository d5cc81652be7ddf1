"""The repeatable-group tests' own app, on a rules file of their own (tests/groups/rules/): a
research permit whose research locations are rows of a group field. Same pattern as
tests/booking/conftest.py (own SQLite file, or own schema on PostgreSQL)."""
from __future__ import annotations

from pathlib import Path

import pytest

GROUP_RULES = Path(__file__).parent / "rules" / "workflow_rules.yaml"
ROOT_CONFTEST = Path(__file__).parent.parent / "conftest.py"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from tests.conftest import isolated_app

    yield from isolated_app(tmp_path_factory, "groups", RULES_PATH=str(GROUP_RULES))


@pytest.fixture(autouse=True)
def _push_request_context():
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
    """An ApiClient on its own test client."""
    def _signed_in(user):
        client = app.test_client()
        return shared.ApiClient(client, shared.api_login(client, user[1]), *user)
    return _signed_in
