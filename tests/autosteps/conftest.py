"""Automatic steps (issue 13, item 4) on an app of their own: a small office whose "Diajukan" is
its own state, left by the system at once, and whose "Menunggu Konfirmasi" closes by itself after
two working days."""
from __future__ import annotations

from pathlib import Path

import pytest

RULES = Path(__file__).parent / "rules" / "workflow_rules.yaml"
ROOT_CONFTEST = Path(__file__).parent.parent / "conftest.py"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from tests.conftest import isolated_app

    yield from isolated_app(tmp_path_factory, "autosteps", RULES_PATH=str(RULES))


@pytest.fixture(autouse=True)
def _push_request_context():
    yield   # each request its own context (see tests/core/conftest.py)


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


@pytest.fixture
def run(app):
    with app.app_context():
        yield
