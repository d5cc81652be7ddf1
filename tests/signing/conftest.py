"""Signatory enrolment runs with CSRF on (an app of its own), beside the seed offices."""
from __future__ import annotations

import re

import pytest

from config import DEMO_PASSWORD
from tests.conftest import Factories, isolated_app
# session fixtures bound to this package's `app` (their own cache, so the other packages keep theirs)
from tests.workflows.conftest import api_client, offices, rules_data  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """Overrides tests/conftest.py's: the screens are posted with their CSRF tokens."""
    yield from isolated_app(tmp_path_factory, "signers", WTF_CSRF_ENABLED=True)


@pytest.fixture(scope="session")
def factories(app):
    return Factories(app)


def csrf_token(page: str, prefix: str = "") -> str:
    name = f"{prefix}-csrf_token" if prefix else "csrf_token"
    found = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]+)"', page) or \
        re.search(rf'value="([^"]+)"[^>]*name="{re.escape(name)}"', page)
    assert found, f"no {name} in the page"
    return found.group(1)


def browser_login(app, username: str, password: str = DEMO_PASSWORD):
    """A back-office session through /login/ with its CSRF token, as a browser signs in."""
    client = app.test_client()
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client
