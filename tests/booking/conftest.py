"""The booking tests' own app, on a rules file of their own (tests/booking/rules/): a hall booked
by whole days, an instrument by time slots (capacity 2), and another agency. Same pattern as
tests/core/conftest.py (own SQLite file, or own schema on PostgreSQL)."""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

BOOKING_RULES = Path(__file__).parent / "rules" / "workflow_rules.yaml"
ROOT_CONFTEST = Path(__file__).parent.parent / "conftest.py"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from tests.conftest import isolated_app

    yield from isolated_app(tmp_path_factory, "booking", RULES_PATH=str(BOOKING_RULES))


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


_weeks = iter(range(2, 2000))


@pytest.fixture
def monday():
    """A Monday some weeks ahead, a different one per test (slots of one resource may not overlap)."""
    today = date.today()
    return today + timedelta(days=(7 - today.weekday()) % 7 + 7 * next(_weeks))
