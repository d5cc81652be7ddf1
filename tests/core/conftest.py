"""The core tests' own app: a small rules file of their own (tests/core/rules/), so they depend
neither on the seed offices nor on their template files.

``app``, ``factories`` and ``client`` are overridden for this package only (and pytest-flask's
request context, see below); ``login`` and ``db_session`` come from tests/conftest.py and use
this app. On PostgreSQL the app lives in its
own schema of TEST_DATABASE_URL's database, so it never activates its rules over those of the
top-level app when both run in one session.
"""
from __future__ import annotations

from pathlib import Path

import pytest


CORE_RULES = Path(__file__).parent / "rules" / "workflow_rules.yaml"
ROOT_CONFTEST = Path(__file__).parent.parent / "conftest.py"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from tests.conftest import isolated_app

    yield from isolated_app(tmp_path_factory, "core", RULES_PATH=str(CORE_RULES))


# pytest-flask keeps an app context pushed across requests twice over: its autouse
# `_push_request_context` pushes one for the whole test, and its `client` is entered as a context
# manager, which preserves each request's context until the next one. Any other client's request
# then runs in that leftover context and shares its `g` and database session: Flask-Login's user
# cached in `g` answers for the wrong client, stale objects outlive their request. Here every
# request gets its own app context, as in production.
@pytest.fixture(autouse=True)
def _push_request_context():
    yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def shared(pytestconfig):
    """tests/conftest.py as pytest loaded it (``import conftest`` may find another package's)."""
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


def is_postgresql(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
